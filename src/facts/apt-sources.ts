import type { z } from 'zod';
import {
  archiveOf,
  parseAptSourceFile as parseFile,
  parseDeb822Sources as parseDeb822,
  parseOneLineSources as parseOneLine,
  type AptSourceLine,
} from '../core/apt-sources.js';
import type { AptSource } from './schema.js';

export { archiveOf };

export type AptSourceEntry = z.output<typeof AptSource>;

/** The facts' view of a source: its archive by name, the host left out (production and a laptop use different mirrors). */
function withoutHost(source: AptSourceLine): AptSourceEntry {
  return { type: source.type, archive: archiveOf(source.uri), suites: source.suites, components: source.components };
}

/** One-line style: `deb [options] URI SUITE [COMPONENT…]`. */
export function parseOneLineSources(text: string): AptSourceEntry[] {
  return parseOneLine(text).map(withoutHost);
}

/** deb822 style (*.sources): stanzas of `Types:`, `URIs:`, `Suites:`, `Components:`; `Enabled: no` skips one. */
export function parseDeb822Sources(text: string): AptSourceEntry[] {
  return parseDeb822(text).map(withoutHost);
}

export function parseAptSourceFile(path: string, text: string): AptSourceEntry[] {
  return parseFile(path, text).map(withoutHost);
}
