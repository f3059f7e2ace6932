import type { Backend, UpResult } from '../backends/backend.js';
import type { CachedImage, ProvisionedImageCache } from '../backends/image-cache.js';
import type { CheckReport } from '../checks/types.js';
import { InterruptedError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { ProvisionStage } from '../provisioners/stages.js';
import type { ProvisioningProfile } from '../provisioners/entries.js';
import type { LoadedProfile } from './load.js';
import type { Target } from '../targets/target.js';

/**
 * An environment's lifecycle (issue 16): boot, provision stage by stage, save
 * each stage, verify a saved image, lock, checklist. The steps that touch the
 * environment are handed in (provisioning.ts has the real ones), so the order
 * and the decisions are tested over a fake backend, as Test Kitchen's dummy
 * driver does.
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
      // From a fully saved image, the verifying plan and the checklist both only read the
      // environment: run them side by side (the checklist is redone if verification had to apply).
      const early = fresh && hit?.stage === stages.length ? runChecklist() : undefined;
      early?.catch(() => undefined);
      provisioned = fresh ? await provisionFresh(profile, stages, hit, target, cache, steps, ctx) : await provisionIfStale(profile, target, steps);
      stopIfInterrupted(ctx.signal);
      // What was just provisioned is locked (devenv.lock), and what apt fetched kept in the own archive.
      if (provisioned === 'applied' || (provisioned === 'verified' && !profile.lock)) await steps.recordLock(profile, target);
      // Only for a new or just-provisioned environment: starting a halted one, or finding
      // it running, changes nothing the checklist looks at, and `up` stays fast.
      if (early && provisioned === 'verified') checklist = await early;
      else if (fresh || provisioned === 'applied') checklist = await ctx.progress.step('checklist', runChecklist);
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
 * A new environment: from the furthest saved stage, apply the remaining stages
 * one by one and save each. When every stage was saved, only verify: the plan
 * must come out empty (if it does not, apply — the image was stale somehow).
 */
async function provisionFresh(
  profile: LoadedProfile,
  stages: readonly ProvisionStage[],
  hit: CachedImage | undefined,
  target: Target,
  cache: ProvisionedImageCache | undefined,
  steps: ProvisioningSteps,
  ctx: LifecycleContext,
): Promise<Provisioned> {
  const from = hit?.stage ?? 0;
  if (from === stages.length) {
    const verified = await ctx.progress.step('verify the saved image against the manifests', () => steps.verify(profile, stages, target));
    stopIfInterrupted(ctx.signal);
    const inputs = steps.inputsHash(profile);
    if (verified.clean) {
      // The saved image carries the marker its last stage wrote; the same inputs give the same hash.
      if (verified.marker !== inputs) await steps.writeMarker(target, inputs);
      return 'verified';
    }
    ctx.progress.warn('the saved image does not match the manifests: applying them');
    await steps.applyAll(profile, target);
    stopIfInterrupted(ctx.signal);
    await steps.writeMarker(target, inputs);
    return 'applied';
  }
  for (let index = from; index < stages.length; index++) {
    const stage = stages[index]!;
    await steps.applyStage(stage, profile, target);
    stopIfInterrupted(ctx.signal);
    await steps.writeMarker(target, steps.inputsHash(stage.profile));
    if (cache) await ctx.progress.step(`save stage ${index + 1} of ${stages.length}`, () => cache.save(index + 1, stage.key));
  }
  return 'applied';
}

/**
 * An existing environment: apply only when its inputs changed since it was last
 * provisioned. Not saved to the cache: a long-lived environment may hold manual
 * changes, and only what was built from the box and the inputs is reused.
 */
async function provisionIfStale(profile: LoadedProfile, target: Target, steps: ProvisioningSteps): Promise<Provisioned> {
  // The marker makes an interrupted or failed provision visible: the next `up` finishes it.
  const wanted = steps.inputsHash(profile);
  if ((await steps.readMarker(target)) === wanted) return 'unchanged';
  await steps.applyAll(profile, target);
  await steps.writeMarker(target, wanted);
  return 'applied';
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
