import type { Facts, FactsSection } from '../facts/schema.js';

/**
 * Why a facts section cannot be judged, or undefined when it is there. A section
 * the collector failed on, or an importer has no data for, must never read as
 * "nothing wrong": checks turn this reason into warn (or n/a), never pass.
 */
export function sectionUnavailable(facts: Facts, section: FactsSection): string | undefined {
  const error = facts.errors[section];
  if (error !== undefined) return `the ${section} facts could not be collected (${error})`;
  if (facts.missing.includes(section)) return `the facts from ${facts.source} have no ${section} section`;
  if (facts[section] === undefined) return `the facts have no ${section} section`;
  return undefined;
}

/** The first unavailable section among several, for checks that need more than one. */
export function firstUnavailable(facts: Facts, sections: readonly FactsSection[]): string | undefined {
  for (const section of sections) {
    const reason = sectionUnavailable(facts, section);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** "a, b, c and 4 more": keeps messages one line however many offenders there are. */
export function listSome(items: readonly string[], limit = 5): string {
  if (items.length <= limit) return items.join(', ');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}
