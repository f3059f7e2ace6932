import { errorMessage, OperationError } from '../core/errors.js';
import type { FileChange } from '../targets/file-batch.js';
import type { Target } from '../targets/target.js';
import type { Catalog } from './catalog.js';
import type { Plan, PlannedChange, PlanProblem } from './operation.js';
import { OwedRefreshRecord, RecordFailed, writePendingRefresh } from './pending-refresh.js';
import type { ApplySession, Executed, ProviderApplyOptions } from './provider.js';
import { allProviders, providerFor } from './providers.js';
import type { Resource } from './resource.js';

/**
 * The scheduler of an apply: it knows no resource type. It orders and batches the
 * planned changes (a provider's batch key, or consecutive operations of a type that
 * groups them), runs each step through its type's provider, skips what depends on a
 * failure, keeps the record of owed refreshes on the target, runs the refreshes at
 * the end, and stops after packages when asked to.
 */

export type OutcomeStatus = 'changed' | 'unchanged' | 'failed' | 'skipped';

export interface ResourceOutcome {
  ref: string;
  status: OutcomeStatus;
  changes: string[];
  diff?: string;
  error?: string;
}

/** The run's options; installRecommends and pipFindLinks (ProviderApplyOptions) are read by the apt and pip providers. */
export interface ApplyOptions extends ProviderApplyOptions {
  onStep?: (detail: string) => void;
  signal?: AbortSignal;
  /** What the target's pending-refresh record holds now (as observed); written again only when it must change. */
  pendingOnTarget?: readonly string[];
  /**
   * Return right after an apt transaction that changed the system when more work
   * follows: packages bring files, units and running services of their own that the
   * plan, made before they existed, cannot know. The caller observes again and
   * applies a fresh plan for the rest. Refreshes already earned are kept owed.
   */
  stopAfterPackages?: boolean;
  /**
   * Leave the last write of the record (the refreshes still owed at the end) to the
   * caller, as ApplyResult.record, to go in one round trip with what it writes next.
   */
  deferFinalRecord?: boolean;
}

export interface ApplyResult {
  /** One per planned change; those after an early stop are still 'unchanged' (not reached). */
  outcomes: ResourceOutcome[];
  /** True when the run stopped after packages changed and the rest is to be planned again. */
  stoppedAfterPackages: boolean;
  /**
   * After a stop: the refreshes owed so far, for the next plan. The target's record
   * holds at least these (a crash before the next pass refreshes too much, never too little).
   */
  owed?: string[];
  /** With deferFinalRecord: what the record must now say, when it must change. */
  record?: string[];
}

/** A unit of apply work: one resource, or every apt change (or every pip change of one venv) that can run together. */
type Step = { batch?: string; changes: PlannedChange[] };

/**
 * Groups changes into steps without breaking the order: a batchable change
 * joins the earliest batch of its kind that comes after all its dependencies.
 */
export function buildSteps(changes: readonly PlannedChange[], catalog: Catalog): Step[] {
  const predecessors = predecessorMap(catalog);
  const steps: Step[] = [];
  const stepOf = new Map<string, number>();
  for (const change of changes) {
    const after = Math.max(-1, ...(predecessors.get(change.ref) ?? []).map((ref) => stepOf.get(ref) ?? -1));
    const batch = change.operation ? providerFor(change.type).batchKey?.(change.operation) : undefined;
    let index = batch === undefined ? -1 : steps.findIndex((step, i) => i > after && step.batch === batch);
    if (index === -1) {
      steps.push(batch === undefined ? { changes: [change] } : { batch, changes: [change] });
      index = steps.length - 1;
    } else {
      steps[index]!.changes.push(change);
    }
    stepOf.set(change.ref, index);
  }
  return steps;
}

function predecessorMap(catalog: Catalog): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const edge of catalog.edges) {
    const list = map.get(edge.to) ?? [];
    list.push(edge.from);
    map.set(edge.to, list);
  }
  return map;
}

/** One error for everything that stops a run before it starts: the first problem, the others as the hint. */
export function planProblemsError(problems: readonly PlanProblem[], afterPackages = false): OperationError {
  const [first, ...rest] = problems;
  const changed = afterPackages ? 'stopped after the packages were installed; run provision again once it is fixed' : 'nothing was changed';
  return new OperationError(`${first!.ref}: ${first!.message}; ${changed}`, {
    ...(rest.length ? { hint: rest.map((p) => `${p.ref}: ${p.message}`).join('\n') } : {}),
  });
}

/**
 * Carries out a plan through the target: in order, apt and pip batched,
 * refreshes at the end and at most once each. A failed resource fails alone;
 * what depends on it is skipped. Throws before changing anything when the
 * plan has problems (such as a pinned version the mirror lacks).
 */
export async function applyPlan(target: Target, catalog: Catalog, planned: Plan, options: ApplyOptions = {}): Promise<ResourceOutcome[]> {
  return (await applyPlanSteps(target, catalog, planned, { ...options, stopAfterPackages: false })).outcomes;
}

/** applyPlan, able to stop after a package transaction (see ApplyOptions.stopAfterPackages). */
export async function applyPlanSteps(target: Target, catalog: Catalog, planned: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (planned.problems.length > 0) throw planProblemsError(planned.problems);
  const step = options.onStep ?? (() => {});
  const outcomes = new Map<string, ResourceOutcome>(
    planned.changes.map((c) => [c.ref, { ref: c.ref, status: 'unchanged', changes: [], ...(c.diff !== undefined ? { diff: c.diff } : {}) }]),
  );
  const predecessors = predecessorMap(catalog);
  const record = new OwedRefreshRecord(target, planned.changes, options.pendingOnTarget ?? []);
  const session: ApplySession = {
    target,
    options,
    daemonReloadNeeded: false,
    startedNow: new Set<string>(),
    changed: (ref) => outcomes.get(ref)?.status === 'changed',
  };

  const blockedBy = (ref: string): string | undefined =>
    (predecessors.get(ref) ?? []).find((p) => {
      const status = outcomes.get(p)?.status;
      return status === 'failed' || status === 'skipped';
    });
  const succeed = (change: PlannedChange, extra: readonly string[] = []): void => {
    const outcome = outcomes.get(change.ref)!;
    outcome.status = 'changed';
    outcome.changes.push(...change.changes, ...extra);
  };
  const fail = (change: PlannedChange, error: unknown): void => {
    const outcome = outcomes.get(change.ref)!;
    outcome.status = 'failed';
    outcome.changes.push(...change.changes);
    outcome.error = errorMessage(error);
  };

  const steps = buildSteps(planned.changes, catalog);
  let stoppedAfterPackages = false;
  /**
   * The operations of one type, from step `start` on, that can share one round trip:
   * consecutive but for steps with nothing to do; each with its step's index.
   */
  const consecutiveFrom = (start: number, type: string, max: number): { change: PlannedChange; step: number }[] => {
    const group: { change: PlannedChange; step: number }[] = [];
    for (let i = start; i < steps.length && group.length < max; i++) {
      const candidate = steps[i]!;
      if (candidate.changes.every((c) => !c.operation && !c.refresh)) continue;
      const only = candidate.changes.length === 1 ? candidate.changes[0]! : undefined;
      if (candidate.batch !== undefined || !only?.operation || only.type !== type) break;
      if (blockedBy(only.ref) !== undefined) break;
      group.push({ change: only, step: i });
    }
    return group;
  };
  for (let index = 0; index < steps.length; index++) {
    const { batch, changes } = steps[index]!;
    if (options.signal?.aborted) throw new OperationError('interrupted while applying; run provision again to finish');
    const runnable: PlannedChange[] = [];
    for (const change of changes) {
      const blocker = blockedBy(change.ref);
      if (blocker && (change.operation || change.refresh)) {
        const outcome = outcomes.get(change.ref)!;
        outcome.status = 'skipped';
        outcome.changes.push(...change.changes);
        outcome.error = `skipped because ${blocker} did not apply`;
      } else if (change.operation || (change.refresh && providerFor(change.type).refresh?.when === 'in-order')) {
        runnable.push(change);
      }
    }
    if (runnable.length === 0) continue;
    const provider = providerFor(runnable[0]!.type);
    // Consecutive operations of a type that groups them go together; after a failure
    // the rest go on one by one (and what needed the failed one is skipped).
    const group = batch === undefined && provider.consecutive && runnable[0]!.operation ? consecutiveFrom(index, provider.type, provider.consecutive.max) : [];
    const members = group.length > 0 ? group.map((m) => m.change) : runnable;
    const refs = members.map((c) => c.ref);
    step(batch !== undefined || members.length > 1 ? (provider.describe?.(members) ?? refs.join(' ')) : members[0]!.ref);
    // The record of owed refreshes goes first: in the same round trip when the provider can carry it.
    const records: FileChange[] = provider.carriesRecords ? record.changesBefore(refs) : [];
    if (!provider.carriesRecords) await record.writeBefore(refs);
    let executed: Executed | void;
    try {
      executed = await provider.apply(session, { changes: members, resources: refs.map((ref) => catalog.byRef.get(ref)!), records });
    } catch (error) {
      // Without its record of what is owed, the run must not go on changing things.
      if (error instanceof RecordFailed) throw error;
      for (const change of members) fail(change, error);
      continue;
    }
    if (!executed?.untouched) for (const change of members.slice(0, executed?.done ?? members.length)) succeed(change, executed?.notes);
    if (executed?.failed) fail(members[executed.failed.index]!, executed.failed.error);
    if (group.length > 0) index = group[executed?.failed ? executed.failed.index : group.length - 1]!.step;
    if (
      provider.changesWhatThePlanSaw &&
      !executed?.failed &&
      options.stopAfterPackages &&
      steps.slice(index + 1).some((later) => later.changes.some((c) => c.operation || c.refresh))
    ) {
      stoppedAfterPackages = true;
      break;
    }
  }

  for (const provider of allProviders()) await provider.finish?.(session);
  if (stoppedAfterPackages) {
    // The next plan sees the packages as unchanged: what they (or anything before them)
    // earned is handed to it as owed. The target's record already holds it: either the
    // owed list written before the first cause ran, or, when none ran, the record as it
    // was (all that could be earned then was owed by an earlier run).
    const earned = planned.changes
      .filter((c) => c.refresh?.because.some((ref) => ref === 'pending' || outcomes.get(ref)?.status === 'changed'))
      .map((c) => c.ref);
    // What was not reached keeps no diff: the next plan says what it really changes.
    for (const outcome of outcomes.values()) if (outcome.status === 'unchanged') delete outcome.diff;
    return { outcomes: planned.changes.map((c) => outcomes.get(c.ref)!), stoppedAfterPackages, owed: earned };
  }
  const stillOwed = await runRefreshesAtEnd(session, catalog, planned, outcomes, step);
  const final = planned.changes.map((c) => outcomes.get(c.ref)!);
  if (!record.mustChangeTo(stillOwed)) return { outcomes: final, stoppedAfterPackages };
  if (options.deferFinalRecord) return { outcomes: final, stoppedAfterPackages, record: stillOwed };
  await writePendingRefresh(target, stillOwed);
  return { outcomes: final, stoppedAfterPackages };
}

const DONE: Record<string, string> = { reload: 'reloaded', restart: 'restarted', run: 'ran' };

/**
 * The refreshes left for the end (services), at most once each and in one round
 * trip per type, each succeeding or failing alone. Returns what is still owed:
 * those that failed, and in-order refreshes (refreshonly execs) that did not run.
 */
async function runRefreshesAtEnd(
  session: ApplySession,
  catalog: Catalog,
  planned: Plan,
  outcomes: ReadonlyMap<string, ResourceOutcome>,
  step: (detail: string) => void,
): Promise<string[]> {
  const stillOwed: string[] = [];
  const due: { change: PlannedChange; resource: Resource; outcome: ResourceOutcome; because: string[] }[] = [];
  for (const change of planned.changes) {
    if (!change.refresh) continue;
    const when = providerFor(change.type).refresh?.when;
    const outcome = outcomes.get(change.ref)!;
    const failed = outcome.status === 'failed' || outcome.status === 'skipped';
    // An in-order refresh ran (or failed) where it stands; one that did not succeed stays owed.
    if (when !== 'at-end' || failed) {
      if (failed) stillOwed.push(change.ref);
      continue;
    }
    const because = change.refresh.because.filter((ref) => ref === 'pending' || outcomes.get(ref)?.status === 'changed');
    if (because.length === 0 || session.startedNow.has(change.ref)) continue;
    due.push({ change, resource: catalog.byRef.get(change.ref)!, outcome, because });
  }
  if (due.length === 0) return stillOwed;
  step(due.map((d) => providerFor(d.change.type).refresh!.describe?.(d.resource, d.change) ?? `${d.change.refresh!.action} ${d.change.ref}`).join(', '));
  for (const type of [...new Set(due.map((d) => d.change.type))]) {
    const mine = due.filter((d) => d.change.type === type);
    const results = await providerFor(type).refresh!.runAtEnd!(session.target, mine);
    for (const [i, { change, outcome, because }] of mine.entries()) {
      const result = results[i]!;
      if (result.ok) {
        outcome.status = 'changed';
        outcome.changes.push(`${DONE[change.refresh!.action] ?? change.refresh!.action} (${describeCauses(because)})`);
      } else {
        outcome.status = 'failed';
        outcome.error = result.error;
        stillOwed.push(change.ref);
      }
    }
  }
  return stillOwed;
}

function describeCauses(because: readonly string[]): string {
  const changed = because.filter((ref) => ref !== 'pending');
  const parts = changed.length ? [`${changed.join(', ')} changed`] : [];
  if (because.includes('pending')) parts.push('owed by an earlier run');
  return parts.join('; ');
}
