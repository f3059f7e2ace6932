import type { Backend, UpResult } from '../backends/backend.js';
import type { ProvisionedImageCache } from '../backends/image-cache.js';
import type { CheckReport } from '../checks/types.js';
import { InterruptedError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { ProvisionStage } from '../provisioners/stages.js';
import type { ProvisioningProfile } from '../provisioners/entries.js';
import type { LoadedProfile } from './load.js';
import type { Target } from '../targets/target.js';

/**
 * An environment's lifecycle (issue 16): boot, provision stage by stage, save
 * each stage, verify a saved image, lock, checklist. Provisioning is a state
 * machine over the provisioned marker (UpState): a pure decider names the next
 * transition (nextUpStep), a thin actor performs it (performUpStep). The steps
 * that touch the environment are handed in (provisioning.ts has the real ones),
 * so the order and the decisions are tested over a fake backend, as Test
 * Kitchen's dummy driver does.
 */

export type Provisioned = 'skipped' | 'unchanged' | 'applied' | 'verified';

export interface LifecycleContext {
  progress: Progress;
  signal: AbortSignal;
}

/** What the lifecycle asks of provisioning; each step throws (OperationError, InterruptedError) when it fails. */
export interface ProvisioningSteps {
  /** Provisioning split at the points where it is saved (empty: nothing to provision). */
  stages(profile: LoadedProfile): ProvisionStage[];
  /** The hash of every input provisioning depends on (what the marker records). */
  inputsHash(profile: ProvisioningProfile): string;
  readMarker(target: Target): Promise<string | undefined>;
  writeMarker(target: Target, inputsHash: string): Promise<void>;
  /** One stage: its Puppet or Ansible run, or devenv's manifests as far as the stage. */
  applyStage(stage: ProvisionStage, profile: LoadedProfile, target: Target): Promise<void>;
  /** Every provisioner in order. */
  applyAll(profile: LoadedProfile, target: Target): Promise<void>;
  /** A saved image against its inputs: clean when nothing would change; the marker as observed. */
  verify(profile: LoadedProfile, stages: readonly ProvisionStage[], target: Target): Promise<{ clean: boolean; marker: string | undefined }>;
  /** devenv.lock from what the environment now holds. */
  recordLock(profile: LoadedProfile, target: Target): Promise<void>;
  checklist(profile: LoadedProfile, target: Target): Promise<CheckReport>;
}

export interface UpOptions {
  rebuild: boolean;
  provision: boolean;
}

export interface UpOutcome {
  profile: LoadedProfile;
  result: UpResult;
  provisioned: Provisioned;
  /** Set when a new environment started from a saved image. */
  cache?: { from_stage: number; of: number; image: string };
  checklist?: CheckReport;
  seconds: number;
}

/** Ctrl-C stops `up` before it marks or saves anything: the next `up` finds the work unfinished and does it. */
export function stopIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError('interrupted: the environment is kept, and the next `devenv up` finishes provisioning it');
}

/** `devenv up` of one environment. */
export async function bringUp(
  profile: LoadedProfile,
  backend: Backend,
  options: UpOptions,
  steps: ProvisioningSteps,
  ctx: LifecycleContext,
): Promise<UpOutcome> {
  const started = performance.now();
  const stages = options.provision ? steps.stages(profile) : [];
  const cache = stages.length > 0 && backend.imageCache ? await backend.imageCache() : undefined;
  // --rebuild means from the box, as the profile says: the cache is not consulted (it is refreshed).
  const hit = cache && !options.rebuild ? await cache.find(stages.map((stage) => stage.key)) : undefined;
  const result = await backend.up({ rebuild: options.rebuild, signal: ctx.signal, ...(hit ? { image: hit.image } : {}) });
  const fresh = result.action === 'created' || result.action === 'recreated';

  let provisioned: Provisioned = 'skipped';
  let checklist: CheckReport | undefined;
  if (stages.length > 0) {
    const target = await backend.target();
    const runChecklist = (): Promise<CheckReport> => steps.checklist(profile, target);
    try {
      const initial: UpState = fresh ? (hit?.stage === stages.length ? { at: 'saved' } : { at: 'building', done: hit?.stage ?? 0 }) : { at: 'existing' };
      // From a fully saved image, the verifying plan and the checklist both only read the
      // environment: run them side by side (the checklist is redone if verification had to apply).
      const early = initial.at === 'saved' ? runChecklist() : undefined;
      early?.catch(() => undefined);
      let state: UpState = initial;
      for (let step = nextUpStep(state, stages.length); step; step = nextUpStep(state, stages.length)) {
        state = await performUpStep(step, { profile, stages, target, cache, steps, ctx });
        stopIfInterrupted(ctx.signal);
      }
      provisioned = state.at === 'provisioned' ? state.how : 'skipped';
      const after = afterProvisioning(provisioned, { fresh, locked: profile.lock !== undefined });
      // What was just provisioned is locked (devenv.lock), and what apt fetched kept in the own archive.
      if (after.lock) await steps.recordLock(profile, target);
      // Only for a new or just-provisioned environment: starting a halted one, or finding
      // it running, changes nothing the checklist looks at, and `up` stays fast.
      if (after.checklist) checklist = early && provisioned === 'verified' ? await early : await ctx.progress.step('checklist', runChecklist);
    } finally {
      await target.close();
    }
  }
  const cacheUse = fresh && hit ? { from_stage: hit.stage, of: stages.length, image: hit.image } : undefined;
  return {
    profile,
    result,
    provisioned,
    ...(cacheUse ? { cache: cacheUse } : {}),
    ...(checklist ? { checklist } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Where provisioning stands during `up`, with the provisioned marker as the state
 * (Test Kitchen's instance states, for devenv):
 * - existing: an environment that was already there (started or running), marker not read yet;
 * - stale: its marker does not name the current inputs (or a run was interrupted);
 * - building: a new environment with its first `done` stages applied (0: the box; k: a saved image);
 * - saved: a new environment from the image saved after the last stage;
 * - mismatched: that image's verifying plan was not empty;
 * - provisioned: the marker names the inputs; how it got there.
 */
export type UpState =
  | { at: 'existing' }
  | { at: 'stale' }
  | { at: 'building'; done: number }
  | { at: 'saved' }
  | { at: 'mismatched' }
  | { at: 'provisioned'; how: 'unchanged' | 'applied' | 'verified' };

/** The transitions `up` takes from one state (pure). */
export type UpStep =
  | { do: 'read-marker' } // existing → provisioned (unchanged) | stale
  | { do: 'apply-stage'; index: number } // building k → building k+1 (applied, marked, saved) | provisioned (applied)
  | { do: 'verify' } // saved → provisioned (verified) | mismatched
  | { do: 'apply-all' }; // stale | mismatched → provisioned (applied)

export function nextUpStep(state: UpState, stageCount: number): UpStep | undefined {
  switch (state.at) {
    case 'existing':
      return { do: 'read-marker' };
    case 'building':
      return state.done < stageCount ? { do: 'apply-stage', index: state.done } : undefined;
    case 'saved':
      return { do: 'verify' };
    case 'stale':
    case 'mismatched':
      return { do: 'apply-all' };
    case 'provisioned':
      return undefined;
  }
}

/**
 * What follows provisioning (pure): the lock is written from what was just applied, or
 * from a verified image when the profile has no lock yet; the checklist runs on a new or
 * just-provisioned environment only.
 */
export function afterProvisioning(provisioned: Provisioned, environment: { fresh: boolean; locked: boolean }): { lock: boolean; checklist: boolean } {
  const lock = provisioned === 'applied' || (provisioned === 'verified' && !environment.locked);
  const checklist = provisioned !== 'skipped' && (environment.fresh || provisioned === 'applied');
  return { lock, checklist };
}

interface UpWork {
  profile: LoadedProfile;
  stages: readonly ProvisionStage[];
  target: Target;
  cache: ProvisionedImageCache | undefined;
  steps: ProvisioningSteps;
  ctx: LifecycleContext;
}

/** One transition, done (the actor): the state it leads to. */
async function performUpStep(step: UpStep, work: UpWork): Promise<UpState> {
  const { profile, stages, target, cache, steps, ctx } = work;
  switch (step.do) {
    case 'read-marker':
      // The marker makes an interrupted or failed provision visible: the next `up` finishes it.
      return (await steps.readMarker(target)) === steps.inputsHash(profile) ? { at: 'provisioned', how: 'unchanged' } : { at: 'stale' };
    case 'apply-stage': {
      const stage = stages[step.index]!;
      await steps.applyStage(stage, profile, target);
      stopIfInterrupted(ctx.signal);
      await steps.writeMarker(target, steps.inputsHash(stage.profile));
      // Only what was built from the box and the inputs is saved: never a long-lived environment, which may hold hand changes.
      if (cache) await ctx.progress.step(`save stage ${step.index + 1} of ${stages.length}`, () => cache.save(step.index + 1, stage.key));
      return step.index + 1 < stages.length ? { at: 'building', done: step.index + 1 } : { at: 'provisioned', how: 'applied' };
    }
    case 'verify': {
      const verified = await ctx.progress.step('verify the saved image against the manifests', () => steps.verify(profile, stages, target));
      stopIfInterrupted(ctx.signal);
      if (!verified.clean) {
        ctx.progress.warn('the saved image does not match the manifests: applying them');
        return { at: 'mismatched' };
      }
      // The saved image carries the marker its last stage wrote; the same inputs give the same hash.
      const inputs = steps.inputsHash(profile);
      if (verified.marker !== inputs) await steps.writeMarker(target, inputs);
      return { at: 'provisioned', how: 'verified' };
    }
    case 'apply-all':
      await steps.applyAll(profile, target);
      stopIfInterrupted(ctx.signal);
      await steps.writeMarker(target, steps.inputsHash(profile));
      return { at: 'provisioned', how: 'applied' };
  }
}

/**
 * Work over machines in dependency order: each starts once what it depends on
 * (among those given) is done, so independent machines run side by side. A
 * failure does not stop the machines that do not depend on it; those that do
 * are not started. Results in the order given; the first failure (in that
 * order) is thrown once everything has settled.
 */
export async function inDependencyOrder<M extends { name: string; dependsOn: readonly string[] }, T>(
  machines: readonly M[],
  work: (machine: M) => Promise<T>,
): Promise<T[]> {
  const running = new Map<string, Promise<T>>();
  for (const machine of machines) {
    const before = machine.dependsOn.flatMap((name) => {
      const dependency = running.get(name);
      return dependency ? [dependency] : [];
    });
    const done = Promise.all(before).then(() => work(machine));
    done.catch(() => undefined);
    running.set(machine.name, done);
  }
  const settled = await Promise.allSettled(machines.map((machine) => running.get(machine.name)!));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
