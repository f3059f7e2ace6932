import { FACT_SECTIONS } from '../facts/sections.js';
import type { Facts, FactsSection } from '../facts/schema.js';
import type { Emit } from './areas/area.js';
import { PARITY_AREAS } from './areas/index.js';
import type { Drift, ParityResult, ParitySummary, CompareOptions } from './drift.js';
import { compileIgnore } from './ignore.js';
import { SEVERITY_RANK, severityOf, type DriftTopic, type Severity, type SeverityContext } from './severity.js';

/**
 * parity(reference, actual) → drift. Pure: facts in, drift out, no I/O. Every
 * section is compared through maps keyed by name, so two systems of thousands
 * of packages compare in milliseconds. Each fact area's comparer is its own
 * file (src/parity/areas/); this runs them in the fact areas' order and says
 * what one side could not collect.
 */

export type { CompareOptions, Drift, DriftCategory, DriftKind, ParityResult, ParitySummary } from './drift.js';

/** Area order for reports: what a reader checks first comes first (the areas reported under their own name). */
export const AREAS: readonly FactsSection[] = FACT_SECTIONS.filter((section) => PARITY_AREAS[section].report === 'own');

/** Sections whose differences include error-level ones: losing one of them hides real drift. */
export const ERROR_LEVEL_SECTIONS: ReadonlySet<string> = new Set(FACT_SECTIONS.filter((section) => PARITY_AREAS[section].errorLevel));

/** The wave-2 sections report under files (and timers under services): one that a side could not collect is said there. */
const WAVE2_SECTIONS: readonly FactsSection[] = FACT_SECTIONS.filter((section) => PARITY_AREAS[section].report === 'files');

export function areaOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

function isContainer(facts: Facts): boolean {
  return facts.platform ? facts.platform.virtualization.kind === 'container' : facts.target.container;
}

/** Sections one side could not collect (errors) or has no data for (missing): said, never silently passed. */
function compareAvailability(ref: Facts, act: Facts, emit: Emit): void {
  for (const section of AREAS) {
    const inRef = ref[section] !== undefined;
    const inAct = act[section] !== undefined;
    if (inRef === inAct && (inRef || (!ref.errors[section] && !act.errors[section]))) continue;
    const reason = (facts: Facts, side: string): string | undefined => {
      if (facts[section] !== undefined) return undefined;
      if (facts.errors[section]) return `the ${side} could not collect it: ${facts.errors[section]}`;
      if (facts.missing.includes(section)) return `the ${side} (${facts.source}) has no such data`;
      return `the ${side} has no ${section} section`;
    };
    const why = [reason(ref, 'reference'), reason(act, 'actual')].filter(Boolean).join('; ');
    const failed = (!inRef && ref.errors[section] !== undefined) || (!inAct && act.errors[section] !== undefined);
    const topic: DriftTopic = failed && ERROR_LEVEL_SECTIONS.has(section) ? 'section.uncollected' : 'section.absent';
    emit(
      topic,
      section,
      inRef ? 'missing' : inAct ? 'extra' : 'changed',
      inRef ? 'collected' : 'not collected',
      inAct ? 'collected' : 'not collected',
      `${section} not compared: ${why}`,
    );
  }
}

function compareWave2Availability(ref: Facts, act: Facts, emit: Emit): void {
  for (const section of WAVE2_SECTIONS) {
    const inRef = ref[section] !== undefined;
    const inAct = act[section] !== undefined;
    if (inRef && inAct) continue;
    const failed = [ref, act].filter((f) => f[section] === undefined && f.errors[section] !== undefined);
    if (!inRef && !inAct && failed.length === 0) continue;
    const why = [
      [ref, 'reference'],
      [act, 'actual'],
    ]
      .filter(([f]) => (f as Facts)[section] === undefined)
      .map(([f, side]) =>
        (f as Facts).errors[section]
          ? `the ${side} could not collect it: ${(f as Facts).errors[section]}`
          : `the ${side} has no ${section} section (older facts or an import)`,
      )
      .join('; ');
    emit(
      failed.length > 0 ? 'section.uncollected' : 'section.absent',
      `files.${section}`,
      inRef ? 'missing' : inAct ? 'extra' : 'changed',
      inRef ? 'collected' : 'not collected',
      inAct ? 'collected' : 'not collected',
      `${section} not compared: ${why}`,
    );
  }
}

export function compareFacts(reference: Facts, actual: Facts, options: CompareOptions): ParityResult {
  const actualIsContainer = isContainer(actual);
  const ctx: SeverityContext = {
    actualIsContainer,
    virtualizationDiffers:
      reference.platform !== undefined && actual.platform !== undefined
        ? reference.platform.virtualization.kind !== actual.platform.virtualization.kind
        : isContainer(reference) !== actualIsContainer,
    vagrantMachine: reference.target.kind === 'vagrant' || actual.target.kind === 'vagrant',
  };
  const isIgnored = compileIgnore(options.ignore);
  const drift: Drift[] = [];
  let ignored = 0;
  const emit: Emit = (topic, path, kind, expected, actual, message, place) => {
    if (isIgnored(path)) {
      ignored++;
      return;
    }
    drift.push({ path, kind, expected, actual, severity: severityOf(topic, ctx), message, ...(place ?? {}) });
  };

  compareAvailability(reference, actual, emit);
  compareWave2Availability(reference, actual, emit);
  for (const section of FACT_SECTIONS) PARITY_AREAS[section].compare?.(reference, actual, emit, { options, ctx });

  const areaIndex = new Map<string, number>(AREAS.map((area, i) => [area, i]));
  drift.sort(
    (x, y) =>
      (areaIndex.get(areaOf(x.path)) ?? 99) - (areaIndex.get(areaOf(y.path)) ?? 99) ||
      SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] ||
      (x.path < y.path ? -1 : x.path > y.path ? 1 : 0),
  );
  const summary: ParitySummary = { error: 0, warning: 0, info: 0, ignored };
  for (const d of drift) summary[d.severity]++;
  return { summary, drift };
}

/** True when some drift is at or above the threshold (the exit-1 rule of `devenv parity`). */
export function hasDriftAtOrAbove(result: ParityResult, threshold: Severity): boolean {
  return result.drift.some((d) => SEVERITY_RANK[d.severity] >= SEVERITY_RANK[threshold]);
}
