import { provisionInputsHash } from './stages.js';
import type { ApplyReport } from '../manifest/report.js';
import type { DevenvEntry, ProvisioningProfile } from './entries.js';
import { outcomeOf, type Provisioner, type ProvisionerChange, type ProvisionerOutcome, type ProvisionerRun } from './provisioner.js';

/**
 * devenv's own manifests behind the same three questions: an entry applies the
 * profile's manifests up to its last one (one catalog, so references across
 * entries hold), which leaves what earlier entries applied unchanged.
 */
export class DevenvProvisioner implements Provisioner {
  readonly kind = 'devenv';
  readonly label: string;
  private readonly staged: ProvisioningProfile;

  constructor(entry: DevenvEntry, profile: ProvisioningProfile) {
    this.staged = { ...profile, manifests: profile.manifests.slice(0, entry.to) };
    const files = profile.manifests.slice(entry.from, entry.to).map((manifest) => manifest.source.file);
    this.label = `devenv ${files.join(', ')}`;
  }

  inputs(): unknown {
    return { kind: 'devenv', inputs: provisionInputsHash(this.staged) };
  }

  async apply(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    const { provisionEnvironment } = await import('../manifest/provision.js');
    const report = await provisionEnvironment(this.staged, run.target, run.progress, { ...(run.signal ? { signal: run.signal } : {}) });
    return this.outcome(report);
  }

  async wouldChange(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    const { planEnvironmentReport } = await import('../manifest/provision.js');
    const { report } = await planEnvironmentReport(this.staged, run.target, run.progress);
    return this.outcome(report);
  }

  changedOnRerun(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    return this.apply(run);
  }

  private outcome(report: ApplyReport): ProvisionerOutcome {
    const changes: ProvisionerChange[] = report.resources
      .filter((resource) => resource.status === 'changed' || resource.status === 'pending')
      .map((resource) => ({ resource: resource.ref, detail: resource.changes.join('; '), ...(resource.diff ? { diff: resource.diff } : {}) }));
    const failed = report.resources.find((resource) => resource.status === 'failed' || resource.status === 'skipped');
    const problem = report.problems?.[0];
    if (failed) return outcomeOf(this, changes, { resource: failed.ref, message: failed.error ?? failed.status, lastLines: failed.error ?? '' });
    if (problem) return outcomeOf(this, changes, { resource: problem.ref, message: problem.message, lastLines: problem.message });
    return outcomeOf(this, changes);
  }
}
