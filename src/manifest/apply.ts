import { errorMessage, OperationError } from '../core/errors.js';
import type { ExecOptions, ExecResult, Target } from '../targets/target.js';
import type { Catalog } from './catalog.js';
import { withSharedAptArchive } from './apt-archive.js';
import { withCoalescedRestarts } from './apt-service-restarts.js';
import { refreshAptLists } from './observe.js';
import { lastLines } from '../core/last-lines.js';
import { aptFailureExplanation, aptRecoveryFor, type AptRecovery } from './apt-recovery.js';
import { exactPinClosure } from './apt-pin-closure.js';
import type { FileOperation, Operation, Plan, PlannedChange, PlanProblem } from './operation.js';
import { FILE_BATCH_MAX_OPERATIONS, runFileBatch, type FileChange } from '../targets/file-batch.js';
import { PENDING_REFRESH_PATH, pendingRefreshChanges, writePendingRefresh, writeRecords } from './pending-refresh.js';
import type { Resource } from './resource.js';

export type OutcomeStatus = 'changed' | 'unchanged' | 'failed' | 'skipped';

export interface ResourceOutcome {
  ref: string;
  status: OutcomeStatus;
  changes: string[];
  diff?: string;
  error?: string;
}

export interface ApplyOptions {
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
  /** apt installs Recommends (the profile's apt.install_recommends; default: Debian's, yes). */
  installRecommends?: boolean;
  /**
   * The own archive's wheels in the environment (see src/manifest/archive-offer.ts): pip looks
   * there first, and with `noIndex` only there (every pin of the run is archived, so
   * no package index is needed, or reachable).
   */
  pipFindLinks?: { dir: string; noIndex: boolean };
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

/** Unit files: writing one calls for a daemon-reload before services are touched. */
const SYSTEMD_UNIT_PATH = /^\/(etc|lib|usr\/lib)\/systemd\/system\//;

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
const APT_INSTALL_SAFE = [
  'apt-get', 'install', '-y', '-q', '--allow-downgrades',
  '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
];

/**
 * One service operation in one round trip. `--no-reload`: enabling only links the
 * unit into its targets, and an implicit daemon-reload per enable cost ~0.25 s each
 * (units devenv wrote are reloaded before, explicitly: $6, in the same round trip).
 * A package's maintainer script may have started the service already, with the
 * configuration of that moment: then it is not started again but refreshed at the
 * end if it must be.
 */
const SERVICE_SCRIPT = `set -e
unit=$1
if [ "$6" = 1 ]; then systemctl daemon-reload; fi
if [ "$2" = 1 ]; then systemctl enable --no-reload -- "$unit"; fi
if [ "$3" = 1 ]; then systemctl disable --no-reload -- "$unit"; fi
if [ "$4" = 1 ] && ! systemctl is-active --quiet -- "$unit"; then systemctl start -- "$unit"; echo started; fi
if [ "$5" = 1 ]; then systemctl stop -- "$unit"; fi`;

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
    const batch = batchKey(change.operation);
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

function batchKey(operation: Operation | undefined): string | undefined {
  if (operation?.kind === 'apt') return 'apt';
  if (operation?.kind === 'pip') return `pip:${operation.venv}`;
  return undefined;
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
  // The record of owed refreshes on the target is written before the first change that
  // can earn one, and cleared at the end: a run that fails halfway still refreshes
  // next time. Each write is a round trip, so none is made where nothing can be earned
  // (a first pass that only installs packages) or where the record already says it.
  const owed = planned.changes.filter((c) => c.refresh !== undefined).map((c) => c.ref);
  const causes = new Set(planned.changes.flatMap((c) => c.refresh?.because.filter((ref) => ref !== 'pending') ?? []));
  let onTarget: readonly string[] = options.pendingOnTarget ?? [];
  let owedRecorded = false;
  /** The record's file changes when, before `refs` change, the owed list must be recorded; else none. */
  const recordBefore = (refs: readonly string[]): FileChange[] => {
    if (owedRecorded || !refs.some((ref) => causes.has(ref))) return [];
    owedRecorded = true;
    if (sameRefs(owed, onTarget)) return [];
    onTarget = [...owed];
    return pendingRefreshChanges(owed);
  };
  /** Called before anything but files runs, with the refs about to change (files carry the record in their batch). */
  const beforeRunning = async (refs: readonly string[]): Promise<void> => {
    const changes = recordBefore(refs);
    if (changes.length > 0) await writeRecords(target, changes, `record pending refreshes in ${PENDING_REFRESH_PATH}`);
  };
  /** Files, in one round trip with the record when it must be written first. */
  const runFiles = async (refs: readonly string[], ops: readonly FileOperation[]): ReturnType<typeof runFileBatch> => {
    const prefix = recordBefore(refs);
    const result = await runFileBatch(target, [...prefix, ...ops]);
    if (result.failed && result.failed.index < prefix.length) {
      throw new RecordFailed(`could not record pending refreshes in ${PENDING_REFRESH_PATH}: ${result.failed.error}`);
    }
    return {
      done: Math.max(0, result.done - prefix.length),
      ...(result.failed ? { failed: { index: result.failed.index - prefix.length, error: result.failed.error } } : {}),
    };
  };

  let daemonReloadNeeded = false;
  const startedNow = new Set<string>();
  const blockedBy = (ref: string): string | undefined =>
    (predecessors.get(ref) ?? []).find((p) => {
      const status = outcomes.get(p)?.status;
      return status === 'failed' || status === 'skipped';
    });
  const succeed = (change: PlannedChange, extra: string[] = []): void => {
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
   * The file operations of the steps from `start` on that can share one round trip:
   * consecutive but for steps with nothing to do; each with its step's index.
   */
  const fileGroupFrom = (start: number): { change: PlannedChange; step: number }[] => {
    const group: { change: PlannedChange; step: number }[] = [];
    for (let i = start; i < steps.length && group.length < FILE_BATCH_MAX_OPERATIONS; i++) {
      const candidate = steps[i]!;
      if (candidate.changes.every((c) => !c.operation && !c.refresh)) continue;
      const only = candidate.changes.length === 1 ? candidate.changes[0]! : undefined;
      if (candidate.batch !== undefined || only?.operation?.kind !== 'file') break;
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
      } else if (change.operation || (change.type === 'exec' && change.refresh)) {
        runnable.push(change);
      }
    }
    if (runnable.length === 0) continue;
    if (batch === 'apt') {
      step(`apt: ${runnable.map((c) => c.ref.slice(4)).join(' ')}`);
      await beforeRunning(runnable.map((c) => c.ref));
      try {
        await runAptTransaction(target, runnable.map((c) => c.operation!).filter((op) => op.kind === 'apt'), options.installRecommends);
        for (const change of runnable) succeed(change);
      } catch (error) {
        for (const change of runnable) fail(change, error);
        continue;
      }
      if (options.stopAfterPackages && steps.slice(index + 1).some((later) => later.changes.some((c) => c.operation || c.refresh))) {
        stoppedAfterPackages = true;
        break;
      }
      continue;
    }
    if (batch?.startsWith('pip:')) {
      step(`pip in ${batch.slice(4)}`);
      await beforeRunning(runnable.map((c) => c.ref));
      try {
        await runPip(target, runnable.map((c) => c.operation!).filter((op) => op.kind === 'pip'), options.pipFindLinks);
        for (const change of runnable) succeed(change);
      } catch (error) {
        for (const change of runnable) fail(change, error);
      }
      continue;
    }
    const change = runnable[0]!;
    const group = fileGroupFrom(index);
    if (group.length > 1) {
      step(`${group.length} files: ${group.map((m) => m.change.ref.slice(5)).join(' ')}`);
      const ops = group.map((m) => m.change.operation as FileOperation);
      const { done, failed } = await runFiles(group.map((m) => m.change.ref), ops);
      for (const [i, member] of group.entries()) {
        if (i < done) {
          succeed(member.change);
          if (SYSTEMD_UNIT_PATH.test(ops[i]!.path)) daemonReloadNeeded = true;
        } else if (failed && i === failed.index) {
          fail(member.change, new OperationError(`could not apply ${ops[i]!.path}: ${failed.error}`));
        }
      }
      // After a failure the rest go on one by one (and what needed the failed file is skipped).
      index = group[failed ? failed.index : group.length - 1]!.step;
      continue;
    }
    const resource = catalog.byRef.get(change.ref)!;
    step(change.ref);
    if (change.operation?.kind !== 'file') await beforeRunning([change.ref]);
    try {
      const extra: string[] = [];
      const operation = change.operation;
      if (operation?.kind === 'file') {
        // One operation is a batch of one: content, owner, mode, link in one round trip.
        const { failed } = await runFiles([change.ref], [operation]);
        if (failed) throw new OperationError(`could not apply ${operation.path}: ${failed.error}`);
        if (SYSTEMD_UNIT_PATH.test(operation.path)) daemonReloadNeeded = true;
      } else if (operation?.kind === 'commands') {
        for (const command of operation.commands) await must(target, command.argv, command.user ? { user: command.user } : {});
      } else if (operation?.kind === 'service') {
        const flags = [operation.enable, operation.disable, operation.start, operation.stop, daemonReloadNeeded].map((on) => (on ? '1' : '0'));
        const result = await target.exec(['sh', '-c', SERVICE_SCRIPT, 'devenv-service', operation.unit, ...flags]);
        if (result.exitCode !== 0) throw new OperationError(`systemctl on ${operation.unit} exited ${result.exitCode}: ${tail(result)}`);
        daemonReloadNeeded = false;
        if (/^started$/m.test(result.stdout)) startedNow.add(change.ref);
      } else if (resource.type === 'exec') {
        const refreshNow = change.refresh?.because.some((ref) => ref === 'pending' || outcomes.get(ref)?.status === 'changed');
        if (operation?.kind === 'exec' || refreshNow) {
          await runExec(target, resource);
          if (!operation && refreshNow) extra.push(`ran on refresh (${change.refresh!.because.join(', ')})`);
        } else {
          continue;
        }
      }
      succeed(change, extra);
    } catch (error) {
      // Without its record of what is owed, the run must not go on changing things.
      if (error instanceof RecordFailed) throw error;
      fail(change, error);
    }
  }

  if (daemonReloadNeeded) await target.exec(['systemctl', 'daemon-reload']);
  if (stoppedAfterPackages) {
    // The next plan sees the packages as unchanged: what they (or anything before them)
    // earned is handed to it as owed. The target's record already holds it: either the
    // owed list written before the first cause ran, or, when none ran, the record as it
    // was (all that could be earned then was owed by an earlier run).
    const earned = planned.changes.filter((c) => c.refresh?.because.some((ref) => ref === 'pending' || outcomes.get(ref)?.status === 'changed')).map((c) => c.ref);
    // What was not reached keeps no diff: the next plan says what it really changes.
    for (const outcome of outcomes.values()) if (outcome.status === 'unchanged') delete outcome.diff;
    return { outcomes: planned.changes.map((c) => outcomes.get(c.ref)!), stoppedAfterPackages, owed: earned };
  }
  const stillOwed: string[] = [];
  const refreshes: { change: PlannedChange; outcome: ResourceOutcome; unit: string; verb: string; because: string[] }[] = [];
  for (const change of planned.changes) {
    if (!change.refresh) continue;
    if (change.type === 'exec') {
      // A refreshonly exec ran (or failed) in order; one that did not succeed stays owed.
      const status = outcomes.get(change.ref)!.status;
      if (status === 'failed' || status === 'skipped') stillOwed.push(change.ref);
      continue;
    }
    if (change.type !== 'service') continue;
    const outcome = outcomes.get(change.ref)!;
    if (outcome.status === 'failed' || outcome.status === 'skipped') {
      stillOwed.push(change.ref);
      continue;
    }
    const because = change.refresh.because.filter((ref) => ref === 'pending' || outcomes.get(ref)?.status === 'changed');
    if (because.length === 0 || startedNow.has(change.ref)) continue;
    const resource = catalog.byRef.get(change.ref)!;
    if (resource.type !== 'service') continue;
    const unit = (change.operation?.kind === 'service' ? change.operation.unit : undefined) ?? unitOf(resource);
    const running = resource.attrs.ensure === 'running';
    const verb =
      change.refresh.action === 'reload' ? (running ? 'reload-or-restart' : 'try-reload-or-restart') : running ? 'restart' : 'try-restart';
    refreshes.push({ change, outcome, unit, verb, because });
  }
  if (refreshes.length > 0) {
    // Every refresh in one round trip, in order; each succeeds or fails alone.
    step(refreshes.map((r) => `${r.change.refresh!.action} ${r.unit}`).join(', '));
    const results = await runRefreshes(target, refreshes);
    for (const [i, { change, outcome, unit, verb, because }] of refreshes.entries()) {
      const result = results[i]!;
      if (result.ok) {
        outcome.status = 'changed';
        outcome.changes.push(`${change.refresh!.action === 'reload' ? 'reloaded' : 'restarted'} (${describeCauses(because)})`);
      } else {
        outcome.status = 'failed';
        outcome.error = `systemctl ${verb} ${unit} ${result.message}`;
        stillOwed.push(change.ref);
      }
    }
  }
  const final = planned.changes.map((c) => outcomes.get(c.ref)!);
  if (sameRefs(stillOwed, onTarget)) return { outcomes: final, stoppedAfterPackages };
  if (options.deferFinalRecord) return { outcomes: final, stoppedAfterPackages, record: stillOwed };
  await writePendingRefresh(target, stillOwed);
  return { outcomes: final, stoppedAfterPackages };
}

/** The record of owed refreshes could not be written: the run stops. */
class RecordFailed extends OperationError {}

function sameRefs(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((ref) => right.has(ref));
}

function describeCauses(because: readonly string[]): string {
  const changed = because.filter((ref) => ref !== 'pending');
  const parts = changed.length ? [`${changed.join(', ')} changed`] : [];
  if (because.includes('pending')) parts.push('owed by an earlier run');
  return parts.join('; ');
}

function unitOf(resource: Resource): string {
  return /\.[a-z]+$/.test(resource.name) ? resource.name : `${resource.name}.service`;
}

/**
 * Runs `systemctl <verb> <unit>` for each pair, in order and whatever the others do,
 * and says for each "<index> 0" or "<index> <exit> <its last 3 lines of output, on one line>".
 */
export const REFRESH_SCRIPT = `i=0
while [ "$#" -ge 2 ]; do
  out=$(systemctl "$1" "$2" 2>&1); code=$?
  if [ "$code" -eq 0 ]; then echo "$i 0"; else printf '%s %s %s\\n' "$i" "$code" "$(printf '%s' "$out" | tail -n 3 | tr '\\n' ' ')"; fi
  i=$((i + 1)); shift 2
done`;

async function runRefreshes(target: Target, refreshes: readonly { unit: string; verb: string }[]): Promise<{ ok: boolean; message: string }[]> {
  const argv = ['sh', '-c', REFRESH_SCRIPT, 'devenv-refresh', ...refreshes.flatMap((r) => [r.verb, r.unit])];
  const result = await target.exec(argv);
  const said = new Map<number, { ok: boolean; message: string }>();
  for (const line of result.stdout.split('\n')) {
    const match = /^(\d+) (\d+)(?: (.*))?$/.exec(line);
    if (match) said.set(Number(match[1]), { ok: match[2] === '0', message: `exited ${match[2]}${match[3] ? `: ${match[3]}` : ''}` });
  }
  // A refresh the script never answered for (it did not run to the end) failed.
  return refreshes.map((_, i) => said.get(i) ?? { ok: false, message: `did not run (exit ${result.exitCode}): ${tail(result)}` });
}

async function must(target: Target, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const result = await target.exec(argv, options);
  if (result.exitCode !== 0) throw new OperationError(`${argv.join(' ')} exited ${result.exitCode}: ${tail(result)}`);
  return result;
}

function tail(result: ExecResult): string {
  return lastLines(result.stderr.trim() || result.stdout);
}

/**
 * dpkg without an fsync per file: an environment devenv made is rebuilt with
 * `destroy && up`, not repaired after a power cut, and the syncs cost ~0.3 s of a
 * cold apply. Never on an SSH host.
 */
const APT_UNSAFE_IO = ['-o', 'Dpkg::Options::=--force-unsafe-io'];

export interface AptTransactionOptions {
  /** The target is an environment devenv made (a container, a Vagrant machine). */
  disposable?: boolean;
  /** The profile's apt.install_recommends (said explicitly: a box or host may configure either). */
  installRecommends?: boolean;
}

/** The argv of one apt transaction (or two, when both plain removals and purges are asked for). */
export function aptTransactions(operations: readonly Extract<Operation, { kind: 'apt' }>[], options: AptTransactionOptions = {}): string[][] {
  const recommends = ['-o', `APT::Install-Recommends=${options.installRecommends === false ? 'false' : 'true'}`];
  const install = [...APT_INSTALL_SAFE, ...recommends, ...(options.disposable ? APT_UNSAFE_IO : [])];
  const installs = operations.flatMap((op) => (op.install ? [op.install] : []));
  const removals = operations.filter((op) => op.remove === 'remove').map((op) => `${op.name}-`);
  const purges = operations.filter((op) => op.remove === 'purge').map((op) => `${op.name}-`);
  // `--purge` applies to every removal of a transaction, so plain removals and purges cannot share one.
  if (removals.length > 0 && purges.length > 0) {
    return [
      [...install, ...installs, ...removals],
      [...install, '--purge', ...purges],
    ];
  }
  return [[...install, ...(purges.length ? ['--purge'] : []), ...installs, ...removals, ...purges]];
}

async function runAptTransaction(target: Target, operations: Extract<Operation, { kind: 'apt' }>[], installRecommends: boolean | undefined): Promise<void> {
  const { kind } = target.describe();
  for (const transaction of aptTransactions(operations, { disposable: kind === 'docker' || kind === 'vagrant', ...(installRecommends !== undefined ? { installRecommends } : {}) })) {
    let argv = transaction;
    const run = (): Promise<ExecResult> => target.exec(withSharedAptArchive(withCoalescedRestarts(argv)), { env: APT_ENV, timeout: 1_800_000 });
    let result = await run();
    // Each kind of recovery at most once: a second failure of the same kind is the answer.
    const tried = new Set<AptRecovery['kind']>();
    for (let recovery = aptRecoveryFor(result.stderr); result.exitCode !== 0 && recovery && !tried.has(recovery.kind); recovery = aptRecoveryFor(result.stderr)) {
      tried.add(recovery.kind);
      if (recovery.kind === 'closure') {
        // apt resolves nothing before it changes something: adding the pins' siblings and retrying is safe.
        const siblings = await exactPinClosure(target, argv);
        if (siblings.length === 0) break;
        argv = [...argv, ...siblings];
      } else {
        await recoverApt(target, recovery);
      }
      result = await run();
    }
    if (result.exitCode !== 0) throw new OperationError(`apt-get install failed (exit ${result.exitCode}): ${aptFailureExplanation(result.stdout, result.stderr)}`);
  }
}

/** Waits for the apt-get a killed run left behind (never fights it), repairs dpkg, or refreshes the lists. */
async function recoverApt(target: Target, recovery: Exclude<AptRecovery, { kind: 'closure' }>): Promise<void> {
  if (recovery.kind === 'refresh-lists') return refreshAptLists(target);
  if (recovery.kind === 'configure') {
    await must(target, ['dpkg', '--configure', '-a'], { env: APT_ENV, timeout: 1_800_000 });
    return;
  }
  // `kill -0` from inside the environment: the holder is a process there, not here.
  await target.exec(['sh', '-c', 'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done', 'devenv-wait-apt', String(recovery.pid)], { timeout: 1_800_000 });
  // It may itself have been killed halfway: dpkg then needs finishing first.
  const audit = await target.exec(['dpkg', '--audit']);
  if (audit.stdout.trim()) await must(target, ['dpkg', '--configure', '-a'], { env: APT_ENV, timeout: 1_800_000 });
}

async function runPip(target: Target, operations: Extract<Operation, { kind: 'pip' }>[], findLinks?: ApplyOptions['pipFindLinks']): Promise<void> {
  const first = operations[0];
  if (!first) return;
  const python = `${first.venv}/bin/python`;
  const options = { ...(first.runAs ? { user: first.runAs } : {}), env: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' }, timeout: 1_800_000 };
  const uninstall = operations.flatMap((op) => (op.uninstall ? [op.uninstall] : []));
  const install = operations.flatMap((op) => (op.install ? [op.install] : []));
  if (uninstall.length) await must(target, pipUninstallArgv(python, uninstall), options);
  if (install.length) await must(target, pipInstallArgv(python, install, findLinks), options);
}

export function pipInstallArgv(python: string, specs: readonly string[], findLinks?: ApplyOptions['pipFindLinks']): string[] {
  const archive = findLinks ? [...(findLinks.noIndex ? ['--no-index'] : []), '--find-links', findLinks.dir] : [];
  return [python, '-m', 'pip', 'install', '--no-cache-dir', ...archive, ...specs];
}

export function pipUninstallArgv(python: string, names: readonly string[]): string[] {
  return [python, '-m', 'pip', 'uninstall', '-y', ...names];
}

async function runExec(target: Target, resource: Resource): Promise<void> {
  if (resource.type !== 'exec') return;
  const { attrs } = resource;
  await must(target, attrs.command, {
    user: attrs.user ?? 'root',
    ...(attrs.env ? { env: attrs.env } : {}),
    ...(attrs.cwd ? { cwd: attrs.cwd } : {}),
    timeout: attrs.timeout * 1000,
  });
}
