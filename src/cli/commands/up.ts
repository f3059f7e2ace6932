import type { CachedImage, ProvisionedImageCache } from '../../backends/image-cache.js';
import { createBackend } from '../../backends/open.js';
import type { CheckReport } from '../../checks/types.js';
import { InterruptedError, OperationError } from '../../core/errors.js';
import { provisionInputsHash, provisionStages, readProvisionedMarker, writeProvisionedMarker, type ProvisionStage } from '../../manifest/inputs.js';
import type { LoadedProfile } from '../../profile/load.js';
import type { Target } from '../../targets/target.js';
import { externalProvisioner, isExternal } from '../../provisioners/external.js';
import type { Provisioner } from '../../provisioners/provisioner.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { loadProfileFor } from '../load-profile.js';
import { renderStatusText, statusDocument } from '../render-status.js';

type Provisioned = 'skipped' | 'unchanged' | 'applied' | 'verified';

export async function run(args: { rebuild: boolean; provision: boolean }, ctx: CommandContext): Promise<number> {
  const started = performance.now();
  const profile = await loadProfileFor(ctx);
  if (args.provision) await (await import('../../provisioners/run.js')).requireHostTools(profile);
  return withEnvironmentLock(ctx, profile, 'up', () => bringUp(args, profile, started, ctx));
}

async function bringUp(args: { rebuild: boolean; provision: boolean }, profile: LoadedProfile, started: number, ctx: CommandContext): Promise<number> {
  const backend = await createBackend(profile, ctx);
  const stages = args.provision ? provisionStages(profile) : [];
  const cache = stages.length > 0 && backend.imageCache ? await backend.imageCache() : undefined;
  // --rebuild means from the box, as the profile says: the cache is not consulted (it is refreshed).
  const hit = cache && !args.rebuild ? await cache.find(stages.map((stage) => stage.key)) : undefined;
  const result = await backend.up({ rebuild: args.rebuild, signal: ctx.signal, ...(hit ? { image: hit.image } : {}) });
  const fresh = result.action === 'created' || result.action === 'recreated';

  let provisioned: Provisioned = 'skipped';
  let checklist: CheckReport | undefined;
  if (stages.length > 0) {
    const target = await backend.target();
    const runChecklist = async (): Promise<CheckReport> => (await import('./check.js')).environmentChecklist(profile, target);
    try {
      // From a fully saved image, the verifying plan and the checklist both only read the
      // environment: run them side by side (the checklist is redone if verification had to apply).
      const early = fresh && hit?.stage === stages.length ? runChecklist() : undefined;
      early?.catch(() => undefined);
      provisioned = fresh
        ? await provisionFresh(profile, stages, hit, target, cache, ctx)
        : await provisionIfStale(profile, target, ctx);
      stopIfInterrupted(ctx);
      // What was just provisioned is locked (devenv.lock), and what apt fetched kept in the own archive.
      if (provisioned === 'applied' || (provisioned === 'verified' && !profile.lock)) await (await import('../../environment/record-lock.js')).recordLock(profile, target, ctx.progress);
      // Only for a new or just-provisioned environment: starting a halted one, or finding
      // it running, changes nothing the checklist looks at, and `up` stays fast.
      if (early && provisioned === 'verified') checklist = await early;
      else if (fresh || provisioned === 'applied') checklist = await ctx.progress.step('checklist', runChecklist);
    } finally {
      await target.close();
    }
  }

  const seconds = (performance.now() - started) / 1000;
  const cacheUse = fresh && hit ? { from_stage: hit.stage, of: stages.length, image: hit.image } : undefined;
  if (ctx.options.format === 'json') {
    writeJson(
      ctx,
      statusDocument(result.status, {
        action: result.action,
        provisioned,
        ...(cacheUse ? { cache: cacheUse } : {}),
        ...(checklist ? { checklist: checklist.summary } : {}),
        seconds: Number(seconds.toFixed(3)),
      }),
    );
  } else if (!ctx.options.quiet) {
    const verb = { created: 'created', recreated: 'recreated', started: 'started', running: 'already running' }[result.action];
    const from = cacheUse ? ` from its saved image (${cacheUse.from_stage} of ${cacheUse.of} ${profile.provisioners.some(isExternal) ? 'stages' : 'manifests'} applied)` : '';
    ctx.progress.info(`${profile.data.name} ${verb}${from} in ${seconds.toFixed(1)}s`);
    ctx.out(renderStatusText(result.status));
    if (checklist) {
      const { checklistSummaryLine } = await import('../../checks/render.js');
      ctx.out(`${checklistSummaryLine(checklist)}\n`);
    }
  }
  return 0;
}

/** Ctrl-C stops `up` before it marks or saves anything: the next `up` finds the work unfinished and does it. */
function stopIfInterrupted(ctx: CommandContext): void {
  if (ctx.signal.aborted) throw new InterruptedError('interrupted: the environment is kept, and the next `devenv up` finishes provisioning it');
}

async function applyOrThrow(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<void> {
  const { provisionEnvironment } = await import('../../manifest/provision.js');
  const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal });
  stopIfInterrupted(ctx);
  if (report.summary.failed > 0 || report.summary.skipped > 0) {
    // Where the user is looking: what broke and why, not a pointer to another command.
    const { renderFailuresText } = await import('../../manifest/report.js');
    ctx.progress.explain(renderFailuresText(report));
    throw new OperationError(`provisioning ${profile.data.name} failed: ${report.summary.failed} failed, ${report.summary.skipped} skipped (above)`, {
      hint: 'fix the cause and run `devenv up` again: it goes on from there (`devenv provision` shows the whole report)',
    });
  }
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
  ctx: CommandContext,
): Promise<Provisioned> {
  const from = hit?.stage ?? 0;
  if (from === stages.length) {
    const { planEnvironment } = await import('../../manifest/provision.js');
    const { hasWork } = await import('../../manifest/operation.js');
    const planned = await ctx.progress.step('verify the saved image against the manifests', () => planEnvironment(profile, target, ctx.progress));
    stopIfInterrupted(ctx);
    // Puppet and Ansible stages verify the same way: their would-change must be empty too.
    const externalPending = await externalsWouldChange(stages, target, profile, ctx);
    if (!planned.plan.changes.some(hasWork) && planned.plan.problems.length === 0 && !externalPending) {
      // The saved image carries the marker its last stage wrote; the same inputs give the same hash.
      const inputs = provisionInputsHash(profile);
      if (planned.observed.provisionedMarker !== inputs) await writeProvisionedMarker(target, inputs);
      return 'verified';
    }
    ctx.progress.warn('the saved image does not match the manifests: applying them');
    await applyAll(profile, target, ctx);
    await writeProvisionedMarker(target, provisionInputsHash(profile));
    return 'applied';
  }
  for (let index = from; index < stages.length; index++) {
    const stage = stages[index]!;
    if (stage.provisioner) await applyExternal(stage.provisioner, profile, target, ctx);
    else await applyOrThrow(stage.profile, target, ctx);
    await writeProvisionedMarker(target, provisionInputsHash(stage.profile));
    if (cache) await ctx.progress.step(`save stage ${index + 1} of ${stages.length}`, () => cache.save(index + 1, stage.key));
  }
  return 'applied';
}

/**
 * An existing environment: apply only when its inputs changed since it was last
 * provisioned. Not saved to the cache: a long-lived environment may hold manual
 * changes, and only what was built from the box and the inputs is reused.
 */
async function provisionIfStale(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<Provisioned> {
  // The marker makes an interrupted or failed provision visible: the next `up` finishes it.
  const wanted = provisionInputsHash(profile);
  if ((await readProvisionedMarker(target)) === wanted) return 'unchanged';
  await applyAll(profile, target, ctx);
  await writeProvisionedMarker(target, wanted);
  return 'applied';
}

/** Every provisioner in order: devenv's manifests as far as each devenv entry, Puppet and Ansible in between. */
async function applyAll(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<void> {
  if (!profile.provisioners.some(isExternal)) return applyOrThrow(profile, target, ctx);
  for (const entry of profile.provisioners) {
    if (isExternal(entry)) await applyExternal(externalProvisioner(entry, profile), profile, target, ctx);
    else await applyOrThrow({ ...profile, manifests: profile.manifests.slice(0, entry.to) }, target, ctx);
  }
}

async function applyExternal(provisioner: Provisioner, profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<void> {
  const { applyOrFail, runOf } = await import('../../provisioners/run.js');
  await applyOrFail(provisioner, runOf(target, ctx.progress, profile.data.name, ctx.signal));
  stopIfInterrupted(ctx);
}

/** True when a saved image's Puppet or Ansible stage would change something (or could not be planned). */
async function externalsWouldChange(stages: readonly ProvisionStage[], target: Target, profile: LoadedProfile, ctx: CommandContext): Promise<boolean> {
  const { runOf } = await import('../../provisioners/run.js');
  for (const stage of stages) {
    if (!stage.provisioner) continue;
    const outcome = await stage.provisioner.wouldChange(runOf(target, ctx.progress, profile.data.name, ctx.signal));
    stopIfInterrupted(ctx);
    if (outcome.changes.length > 0 || outcome.failure) return true;
  }
  return false;
}
