import type { Facts, FactsSection } from '../schema.js';

/**
 * One fact area (DESIGN.md "Facts"): the collector's shell fragment that reads
 * it, the parser that turns that fragment's output into its part of
 * devenv.facts/v1, and (in the same file) its zod schema. index.ts lists the
 * areas once, in collector order; the collector, the parser, the importers'
 * `missing` list and parity all walk that list.
 */

/** One section of collector output, between its begin and end markers. */
export interface RawSection {
  lines: string[];
  errors: string[];
  exitCode: number | undefined;
}

export type Collected = Omit<Facts, 'schema' | 'collected_at' | 'source' | 'target' | 'errors' | 'missing'>;

export interface ParseContext {
  meta: { uid?: number; shellPid?: number };
  /** pid → user, from the processes section (listeners name their process' user). */
  processUsers: Map<number, string>;
  errors: Record<string, string>;
}

export type SectionParser = (section: RawSection, context: ParseContext) => Partial<Collected>;

export interface FactArea {
  /** The collector section (`section_<name>` in the script, `<marker> begin <name>` in its output). */
  section: string;
  /** The facts key it fills (the python section fills runtimes). */
  key: FactsSection;
  /** POSIX sh defining `section_<section>` (and nothing run at definition time). */
  script: string;
  parse: SectionParser;
  /** Areas whose parse must come first (listeners name the users of processes). */
  parseAfter?: readonly string[];
}

/**
 * A collector fragment: a raw template (backslashes reach the shell
 * untouched) in which `\${` stands for `${` (a raw template cannot hold a bare one).
 */
export function sh(strings: TemplateStringsArray): string {
  return String.raw({ raw: strings.raw }).replaceAll('\\${', '${');
}
