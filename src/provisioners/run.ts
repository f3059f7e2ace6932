import { OperationError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { ProvisioningProfile } from './entries.js';
import type { Target } from '../targets/target.js';
import type { Provisioner, ProvisionerOutcome, ProvisionerRun } from './provisioner.js';

/** What every command needs to run a provisioner. */
export function runOf(target: Target, progress: Progress, environment: string, signal?: AbortSignal): ProvisionerRun {
  return { target, progress, environment, ...(signal ? { signal } : {}) };
}

/** Applies one provisioner; a failure is exit 4 with the failing resource, and the tool's last lines shown first. */
export async function applyOrFail(provisioner: Provisioner, run: ProvisionerRun): Promise<ProvisionerOutcome> {
  const outcome = await provisioner.apply(run);
  if (outcome.failure) {
    if (outcome.failure.lastLines) run.progress.explain(`${outcome.failure.lastLines.trimEnd()}\n`);
    throw provisionerFailed(outcome);
  }
  return outcome;
}

/** A failed run as the error `up` and `provision` exit 4 with. */
export function provisionerFailed(outcome: ProvisionerOutcome): OperationError {
  const failure = outcome.failure!;
  const at = failure.resource ? ` at ${failure.resource}` : '';
  return new OperationError(`${outcome.label} failed${at}: ${failure.message}`, {
    hint: 'fix the code and run `devenv up` (or `devenv provision`) again',
  });
}

/**
 * One block per provisioner: what changed (apply), would change (plan) or
 * changed on the second run (idempotence), each resource with its diff.
 */
export function renderOutcomesText(outcomes: readonly ProvisionerOutcome[], mode: 'apply' | 'plan' | 'rerun', target: string): string {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    const count = outcome.changes.length;
    const verb = mode === 'plan' ? 'to change' : mode === 'rerun' ? 'changed on the second run' : 'changed';
    lines.push(`${outcome.label}: ${count} ${verb}${outcome.failure ? ', failed' : ''}`);
    for (const change of outcome.changes) {
      lines.push(`~ ${change.resource}${change.detail ? `: ${change.detail}` : ''}`);
      if (change.diff) for (const line of change.diff.trimEnd().split('\n')) lines.push(`    ${line}`);
    }
    if (outcome.failure) {
      lines.push(`✗ ${outcome.failure.resource ?? outcome.label}: ${outcome.failure.message}`);
    }
  }
  const total = outcomes.reduce((sum, outcome) => sum + outcome.changes.length, 0);
  if (mode === 'plan' && total === 0 && !outcomes.some((o) => o.failure))
    lines.push(`No changes: ${target} matches ${outcomes.map((o) => o.label).join(', ')}.`);
  if (mode === 'rerun')
    lines.push(total === 0 ? `Idempotent: a second run changed nothing on ${target}.` : `Not idempotent: a second run changed ${total} on ${target} (above).`);
  return `${lines.join('\n')}\n`;
}

/** For --json: the outcomes as data. */
export function outcomesJson(outcomes: readonly ProvisionerOutcome[]): Record<string, unknown>[] {
  return outcomes.map((outcome) => ({
    kind: outcome.kind,
    label: outcome.label,
    changes: outcome.changes,
    ...(outcome.failure ? { failure: outcome.failure } : {}),
  }));
}

/**
 * What the profile's provisioners need on this machine, checked before any
 * engine is touched: ansible-playbook for an ansible entry (exit 3 with the fix).
 */
export async function requireHostTools(profile: ProvisioningProfile): Promise<void> {
  if (!profile.provisioners.some((entry) => entry.kind === 'ansible')) return;
  const { requireAnsible } = await import('./ansible.js');
  await requireAnsible();
}
