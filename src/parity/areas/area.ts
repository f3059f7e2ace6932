import type { Facts } from '../../facts/schema.js';
import type { CompareOptions, DriftCategory, DriftKind } from '../drift.js';
import type { DriftTopic, SeverityContext } from '../severity.js';

/**
 * One fact area's parity (DESIGN.md "Parity"): the comparer of that section of
 * two facts documents, and the drift topics it names (with their severity, in
 * the same file). index.ts keys them by the fact areas' one list.
 */

export type Emit = (topic: DriftTopic, path: string, kind: DriftKind, expected: unknown, actual: unknown, message: string, place?: Place) => void;
/** The place and category of a drift, for the report's headings. */
export type Place = { group: string; category: DriftCategory };

export interface CompareInput {
  options: CompareOptions;
  ctx: SeverityContext;
}

export interface ParityArea {
  /**
   * Where the report says a side could not collect the section: under its own
   * name (`own`, and the report's area order), under `files.<section>` (the
   * wave-2 file areas, whose drift is reported under files), or nowhere (`none`).
   */
  report: 'own' | 'files' | 'none';
  /** The section holds error-level facts: losing it on one side hides real drift (a warning, not info). */
  errorLevel: boolean;
  compare?: (reference: Facts, actual: Facts, emit: Emit, input: CompareInput) => void;
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

/** Standard sentences for the three kinds. */
export function sentence(label: string, kind: DriftKind, expected: unknown, actual: unknown): string {
  if (kind === 'missing') return `${label} is missing here (reference: ${show(expected)})`;
  if (kind === 'extra') return `${label} is only here (${show(actual)})`;
  return `${label}: expected ${show(expected)}, got ${show(actual)}`;
}

export function keysOf<T>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): string[] {
  const keys = new Set<string>(Object.keys(a ?? {}));
  for (const key of Object.keys(b ?? {})) keys.add(key);
  return [...keys].sort();
}

export function compareValue(emit: Emit, topic: DriftTopic, path: string, label: string, expected: unknown, actual: unknown): void {
  if (expected === undefined && actual === undefined) return;
  if (JSON.stringify(expected) === JSON.stringify(actual)) return;
  const kind: DriftKind = expected === undefined ? 'extra' : actual === undefined ? 'missing' : 'changed';
  emit(topic, path, kind, expected, actual, sentence(label, kind, expected, actual));
}

export function compareFlatRecord(
  emit: Emit,
  topic: DriftTopic,
  section: string,
  label: string,
  r: Record<string, unknown> | undefined,
  a: Record<string, unknown> | undefined,
): void {
  if (!r || !a) return;
  for (const key of keysOf(r, a)) compareValue(emit, topic, `${section}.${key}`, `${label} ${key}`, r[key], a[key]);
}
