import type { TargetDescription } from '../targets/target.js';
import type { ParseContext, RawSection } from './areas/area.js';
import { FACT_AREAS, parseOrder } from './areas/index.js';
import { keyValues } from './areas/parse-helpers.js';
import { FACTS_SCHEMA_ID, FactsSchema, type Facts } from './schema.js';

/**
 * Turns the collector's delimited output into devenv.facts/v1. Each section is
 * parsed on its own, by its fact area (src/facts/areas/): one that the script
 * marked as failed, or that does not parse, becomes a one-line entry in
 * `errors` and is left out; the rest stand.
 */

export type { RawSection };
export { COLLECTOR_SECTIONS } from './collector-script.js';
export { splitSocketAddress } from './areas/listeners.js';
export { nftDefaultInput } from './areas/firewall.js';

/** Splits stdout at `<marker> begin|end|error` lines. Unknown sections are kept; a missing end leaves exitCode undefined. */
export function splitSections(stdout: string, marker: string): Map<string, RawSection> {
  const sections = new Map<string, RawSection>();
  let current: RawSection | undefined;
  const prefix = `${marker} `;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(prefix)) {
      const rest = line.slice(prefix.length);
      const [verb = '', name = '', code] = rest.split(' ');
      if (verb === 'begin') {
        current = { lines: [], errors: [], exitCode: undefined };
        sections.set(name, current);
      } else if (verb === 'end' && current) {
        current.exitCode = Number(code);
        current = undefined;
      } else if (verb === 'error' && current) {
        current.errors.push(rest.slice('error '.length).trim());
      }
      continue;
    }
    current?.lines.push(line);
  }
  return sections;
}

export interface ParseOptions {
  marker: string;
  target: TargetDescription;
  collectedAt?: Date;
}

/** Collector stdout → validated facts. Never throws for one bad section; only for output with no sections at all. */
export function parseCollectorOutput(stdout: string, options: ParseOptions): Facts {
  const sections = splitSections(stdout, options.marker);
  if (sections.size === 0) throw new Error('the collector printed no sections');
  const meta = keyValues(sections.get('meta')?.lines ?? []);
  const context: ParseContext = {
    meta: {
      ...(meta.has('uid') ? { uid: Number(meta.get('uid')) } : {}),
      ...(meta.has('shell_pid') ? { shellPid: Number(meta.get('shell_pid')) } : {}),
    },
    processUsers: new Map(),
    errors: {},
  };
  const collected: Record<string, unknown> = {};
  for (const { section: name, key, parse } of parseOrder(FACT_AREAS)) {
    const section = sections.get(name);
    if (!section) {
      context.errors[key] = 'not collected: the collector stopped before this section';
      continue;
    }
    if (section.errors.length > 0 || section.exitCode === undefined) {
      context.errors[key] = section.errors.join('; ') || 'the section did not finish';
      continue;
    }
    try {
      const value = parse(section, context);
      Object.assign(collected, value);
    } catch (error) {
      context.errors[key] = error instanceof Error ? error.message : String(error);
    }
  }
  const candidate = {
    schema: FACTS_SCHEMA_ID,
    collected_at: (options.collectedAt ?? new Date()).toISOString(),
    source: 'devenv',
    target: { kind: options.target.kind, name: options.target.name, container: options.target.container },
    errors: context.errors,
    missing: [],
    ...collected,
  };
  const parsed = FactsSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  // A section that parsed into the wrong shape is a collector bug on some system we
  // did not foresee: drop that section with the reason rather than lose the rest.
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  for (const key of bad) {
    const issue = parsed.error.issues.find((i) => String(i.path[0]) === key);
    delete (candidate as Record<string, unknown>)[key];
    context.errors[key] = `unexpected collector output (${issue?.path.join('.')}: ${issue?.message})`;
  }
  return FactsSchema.parse(candidate);
}
