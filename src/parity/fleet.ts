import type { Facts } from '../facts/schema.js';
import { compareFacts, hasDriftAtOrAbove, type CompareOptions, type ParityResult } from './compare.js';
import { originOf, parityDocument, type FactsOrigin, type ParityDocument } from './render.js';
import type { Severity } from './severity.js';

/**
 * Parity across a fleet: the environment compared with each production host,
 * one devenv.parity/v1 document per host inside one devenv.fleet-parity/v1
 * document. Pure: facts in, document out. A host whose facts could not be
 * collected is part of the report (status "failed"), not a reason to drop the rest.
 */

export const FLEET_PARITY_SCHEMA_ID = 'devenv.fleet-parity/v1';

/** clean: nothing at or above --fail-on; drift: something at or above it; failed: no facts. */
export type FleetHostStatus = 'clean' | 'drift' | 'failed';

export interface FleetHost {
  /** As written (user@host[:port], or the facts file). */
  host: string;
  /** With `machines:`, the machine compared with this host (its own production). */
  machine?: string;
  status: FleetHostStatus;
  /** Seconds its facts took to collect (or to fail). */
  seconds: number;
  /** Why there are no facts, when status is failed. */
  error?: string;
  parity?: ParityDocument;
}

export interface FleetSummary {
  hosts: number;
  clean: number;
  drift: number;
  failed: number;
  /** Sums over every host's summary. */
  error: number;
  warning: number;
  info: number;
  ignored: number;
}

export interface FleetParityDocument {
  schema: typeof FLEET_PARITY_SCHEMA_ID;
  actual: FactsOrigin;
  fail_on: Severity;
  summary: FleetSummary;
  hosts: FleetHost[];
}

export type FleetReference = { host: string; seconds: number; facts: Facts } | { host: string; seconds: number; error: string };

export function fleetParity(references: readonly FleetReference[], actual: Facts, options: CompareOptions, failOn: Severity): FleetParityDocument {
  const summary = emptySummary(references.length);
  const hosts = references.map((reference) => fleetHost(reference, actual, options, failOn, summary));
  return { schema: FLEET_PARITY_SCHEMA_ID, actual: originOf(actual), fail_on: failOn, summary, hosts };
}

/** One machine of a `machines:` profile and its own production: both sides' facts, or why one is missing. */
export type MachineReference = { machine: string; host: string; seconds: number; options: CompareOptions } & (
  { facts: Facts; actual: Facts } | { error: string }
);

/**
 * Parity of a `machines:` profile: each machine against its own production,
 * reported per machine in the fleet document (each host's report names its
 * machine; the document's `actual` is the project).
 */
export function machinesParity(project: string, references: readonly MachineReference[], failOn: Severity, collectedAt: string): FleetParityDocument {
  const summary = emptySummary(references.length);
  const hosts = references.map((reference): FleetHost => {
    const entry =
      'error' in reference
        ? fleetHost(reference, undefined, reference.options, failOn, summary)
        : fleetHost(reference, reference.actual, reference.options, failOn, summary);
    return { machine: reference.machine, ...entry };
  });
  return {
    schema: FLEET_PARITY_SCHEMA_ID,
    actual: { kind: 'machines', name: project, source: 'devenv', collected_at: collectedAt },
    fail_on: failOn,
    summary,
    hosts,
  };
}

function emptySummary(hosts: number): FleetSummary {
  return { hosts, clean: 0, drift: 0, failed: 0, error: 0, warning: 0, info: 0, ignored: 0 };
}

function fleetHost(reference: FleetReference, actual: Facts | undefined, options: CompareOptions, failOn: Severity, summary: FleetSummary): FleetHost {
  if ('error' in reference || !actual) {
    summary.failed++;
    return { host: reference.host, status: 'failed', seconds: reference.seconds, error: 'error' in reference ? reference.error : 'no facts' };
  }
  const result: ParityResult = compareFacts(reference.facts, actual, options);
  const status: FleetHostStatus = hasDriftAtOrAbove(result, failOn) ? 'drift' : 'clean';
  summary[status]++;
  for (const key of ['error', 'warning', 'info', 'ignored'] as const) summary[key] += result.summary[key];
  return { host: reference.host, status, seconds: reference.seconds, parity: parityDocument(reference.facts, actual, result) };
}

/** Exit code of a fleet run: 4 when a host could not be reached (the report is incomplete), else 1 on drift, else 0. */
export function fleetExitCode(doc: FleetParityDocument): 0 | 1 | 4 {
  if (doc.summary.failed > 0) return 4;
  return doc.summary.drift > 0 ? 1 : 0;
}
