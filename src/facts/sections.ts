import { FACT_AREAS } from './areas/index.js';
import type { FactsSection } from './schema.js';

/** Every data section of devenv.facts/v1, in report order (the fact areas' order); importers list those they cannot fill in `missing`. */
export const FACT_SECTIONS: readonly FactsSection[] = FACT_AREAS.map((area) => area.key);

/** The sections an importer did not fill. */
export function missingSections(filled: Record<string, unknown>): FactsSection[] {
  return FACT_SECTIONS.filter((section) => filled[section] === undefined);
}
