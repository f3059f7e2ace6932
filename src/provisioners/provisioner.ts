import type { Progress } from '../core/progress.js';
import type { Target } from '../targets/target.js';

/**
 * One provisioner (Puppet, Ansible, devenv's own manifests) behind the three
 * questions every one of them answers the same way:
 * - apply: run it (a failure names the failing resource and the last lines);
 * - wouldChange: what a run would change, changing nothing (`plan`);
 * - changedOnRerun: run it again after an apply; anything it changes is an
 *   idempotence defect, reported by resource name.
 */
export interface Provisioner {
  readonly kind: 'puppet' | 'ansible' | 'devenv';
  /** How the user names it: "puppet ops/puppet/site.pp". */
  readonly label: string;
  /** Everything its result depends on, hashed into its image-cache stage key. */
  inputs(): unknown;
  apply(run: ProvisionerRun): Promise<ProvisionerOutcome>;
  wouldChange(run: ProvisionerRun): Promise<ProvisionerOutcome>;
  changedOnRerun(run: ProvisionerRun): Promise<ProvisionerOutcome>;
}

export interface ProvisionerRun {
  target: Target;
  progress: Progress;
  /** The environment's name (Ansible's inventory host). */
  environment: string;
  signal?: AbortSignal;
}

/** A resource (Puppet's `File[/etc/x]`, Ansible's task name, devenv's `file:/etc/x`) that changed or would. */
export interface ProvisionerChange {
  resource: string;
  /** One line: what changed (Puppet's property message, Ansible's module). */
  detail?: string;
  diff?: string;
}

export interface ProvisionerFailure {
  /** The failing resource or task, when the tool named one. */
  resource?: string;
  message: string;
  /** The tool's last lines of output. */
  lastLines: string;
}

export interface ProvisionerOutcome {
  kind: Provisioner['kind'];
  label: string;
  changes: ProvisionerChange[];
  failure?: ProvisionerFailure;
}

/** A run with no change to report. */
export function outcomeOf(provisioner: Pick<Provisioner, 'kind' | 'label'>, changes: ProvisionerChange[], failure?: ProvisionerFailure): ProvisionerOutcome {
  return { kind: provisioner.kind, label: provisioner.label, changes, ...(failure ? { failure } : {}) };
}
