import { OperationError } from '../core/errors.js';
import { readProvisionedMarker, writeProvisionedMarker } from '../manifest/provisioned-marker.js';
import { provisionInputsHash, provisionStages, type ProvisionStage } from '../provisioners/stages.js';
import type { ManifestProfile } from '../manifest/provision.js';
import type { LoadedProfile } from './load.js';
import { externalProvisioner, isExternal } from '../provisioners/external.js';
import type { Provisioner } from '../provisioners/provisioner.js';
import type { Target } from '../targets/target.js';
import { stopIfInterrupted, type LifecycleContext, type ProvisioningSteps } from './lifecycle.js';

/**
 * The lifecycle's real steps: devenv's manifests, Puppet and Ansible, the
 * provisioned marker, devenv.lock and the checklist. The heavy modules are
 * loaded when a step runs, so `up` of a running environment stays fast.
 */
export function provisioningSteps(ctx: LifecycleContext): ProvisioningSteps {
  const applyExternal = async (provisioner: Provisioner, profile: LoadedProfile, target: Target): Promise<void> => {
    const { applyOrFail, runOf } = await import('../provisioners/run.js');
    await applyOrFail(provisioner, runOf(target, ctx.progress, profile.data.name, ctx.signal));
    stopIfInterrupted(ctx.signal);
  };
  const applyManifests = async (profile: ManifestProfile, target: Target): Promise<void> => {
    const { provisionEnvironment } = await import('../manifest/provision.js');
    const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal });
    stopIfInterrupted(ctx.signal);
    if (report.summary.failed > 0 || report.summary.skipped > 0) {
      // Where the user is looking: what broke and why, not a pointer to another command.
      const { renderFailuresText } = await import('../manifest/report.js');
      ctx.progress.explain(renderFailuresText(report));
      throw new OperationError(`provisioning ${profile.data.name} failed: ${report.summary.failed} failed, ${report.summary.skipped} skipped (above)`, {
        hint: 'fix the cause and run `devenv up` again: it goes on from there (`devenv provision` shows the whole report)',
      });
    }
  };
  return {
    stages: provisionStages,
    inputsHash: (profile) => provisionInputsHash(profile),
    readMarker: readProvisionedMarker,
    writeMarker: writeProvisionedMarker,
    applyStage: (stage, profile, target) => (stage.provisioner ? applyExternal(stage.provisioner, profile, target) : applyManifests(stage.profile, target)),
    async applyAll(profile, target) {
      // devenv's manifests as far as each devenv entry, Puppet and Ansible in between.
      if (!profile.provisioners.some(isExternal)) return applyManifests(profile, target);
      for (const entry of profile.provisioners) {
        if (isExternal(entry)) await applyExternal(externalProvisioner(entry, profile), profile, target);
        else await applyManifests({ ...profile, manifests: profile.manifests.slice(0, entry.to) }, target);
      }
    },
    async verify(profile, stages, target) {
      const { planEnvironment } = await import('../manifest/provision.js');
      const { hasWork } = await import('../manifest/operation.js');
      const planned = await planEnvironment(profile, target, ctx.progress);
      stopIfInterrupted(ctx.signal);
      // Puppet and Ansible stages verify the same way: their would-change must be empty too.
      const clean = !planned.plan.changes.some(hasWork) && planned.plan.problems.length === 0 && !(await externalsWouldChange(stages, target, profile));
      return { clean, marker: planned.observed.provisionedMarker };
    },
    async recordLock(profile, target) {
      await (await import('./record-lock.js')).recordLock(profile, target, ctx.progress);
    },
    checklist: async (profile, target) => (await import('./checklist.js')).environmentChecklist(profile, target),
  };

  /** True when a saved image's Puppet or Ansible stage would change something (or could not be planned). */
  async function externalsWouldChange(stages: readonly ProvisionStage[], target: Target, profile: LoadedProfile): Promise<boolean> {
    const { runOf } = await import('../provisioners/run.js');
    for (const stage of stages) {
      if (!stage.provisioner) continue;
      const outcome = await stage.provisioner.wouldChange(runOf(target, ctx.progress, profile.data.name, ctx.signal));
      stopIfInterrupted(ctx.signal);
      if (outcome.changes.length > 0 || outcome.failure) return true;
    }
    return false;
  }
}
