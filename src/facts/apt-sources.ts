import type { z } from 'zod';
import type { AptSource } from './schema.js';

export type AptSourceEntry = z.output<typeof AptSource>;

/**
 * The archive name of a repository URI with the host left out: its last path
 * segment ("http://mirror.example/debian" → "debian"). Debian cloud images point
 * at "mirror+file:///etc/apt/mirrors/debian.list"; that names the archive too.
 */
export function archiveOf(uri: string): string {
  const withoutScheme = uri.replace(/^[a-z0-9+.-]+:(\/\/[^/]*)?/i, '');
  const segments = withoutScheme.split('/').filter((s) => s !== '' && s !== '.');
  const last = segments[segments.length - 1] ?? '';
  return last.replace(/\.list$/, '') || '/';
}

function entry(type: string, uri: string, suites: string[], components: string[]): AptSourceEntry | undefined {
  if (type !== 'deb' && type !== 'deb-src') return undefined;
  return { type, archive: archiveOf(uri), suites, components };
}

/** One-line style: `deb [options] URI SUITE [COMPONENT…]`. */
export function parseOneLineSources(text: string): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const withoutOptions = line.replace(/\s\[[^\]]*\]/, '');
    const [type = '', uri = '', suite = '', ...components] = withoutOptions.split(/\s+/);
    if (!uri || !suite) continue;
    const parsed = entry(type, uri, [suite], components);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** deb822 style (*.sources): stanzas of `Types:`, `URIs:`, `Suites:`, `Components:`; `Enabled: no` skips one. */
export function parseDeb822Sources(text: string): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  const stanzas = text.split(/\n[ \t]*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^[ \t]/.test(raw)) {
        // Continuation line (Signed-By can hold a whole key block).
        if (last) fields.set(last, `${fields.get(last) ?? ''} ${raw.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (!match) continue;
      last = match[1]!.toLowerCase();
      fields.set(last, match[2]!.trim());
    }
    if (!fields.has('types') || (fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    for (const type of words('types')) {
      for (const uri of words('uris')) {
        const parsed = entry(type, uri, words('suites'), words('components'));
        if (parsed) out.push(parsed);
      }
    }
  }
  return out;
}

export function parseAptSourceFile(path: string, text: string): AptSourceEntry[] {
  return path.endsWith('.sources') ? parseDeb822Sources(text) : parseOneLineSources(text);
}
