import type { ResourceOutcome } from './apply.js';
import type { Plan } from './operation.js';

export const APPLY_SCHEMA_ID = 'devenv.apply/v1';

export interface ApplySummary {
  changed: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

/** devenv.apply/v1. `plan` writes the same shape with mode "plan" and status "pending" for what would change. */
export interface ApplyReport {
  schema: typeof APPLY_SCHEMA_ID;
  target: string;
  mode: 'apply' | 'plan';
  summary: ApplySummary;
  durationMs: number;
  resources: (Omit<ResourceOutcome, 'status'> & { status: ResourceOutcome['status'] | 'pending' })[];
  /** Only for plan: what would stop an apply before it changes anything. */
  problems?: { ref: string; message: string }[];
}

export function applyReport(target: string, outcomes: readonly ResourceOutcome[], durationMs: number): ApplyReport {
  const summary: ApplySummary = { changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const outcome of outcomes) summary[outcome.status]++;
  return { schema: APPLY_SCHEMA_ID, target, mode: 'apply', summary, durationMs: Math.round(durationMs), resources: outcomes.map((o) => ({ ...o })) };
}

export function planReport(target: string, planned: Plan, durationMs: number): ApplyReport {
  const resources: ApplyReport['resources'] = planned.changes.map((change) => {
    const changes = [...change.changes];
    if (change.refresh) {
      const verb = change.refresh.action === 'run' ? 'run' : change.refresh.action;
      changes.push(`${verb} on refresh (${change.refresh.because.map((b) => (b === 'pending' ? 'owed by an earlier run' : b)).join(', ')})`);
    }
    const pending = change.operation !== undefined || change.refresh !== undefined;
    return { ref: change.ref, status: pending ? 'pending' : 'unchanged', changes, ...(change.diff !== undefined ? { diff: change.diff } : {}) };
  });
  const changed = resources.filter((r) => r.status === 'pending').length;
  return {
    schema: APPLY_SCHEMA_ID,
    target,
    mode: 'plan',
    summary: { changed, unchanged: resources.length - changed, failed: 0, skipped: 0 },
    durationMs: Math.round(durationMs),
    resources,
    problems: planned.problems,
  };
}

const MARK: Record<ApplyReport['resources'][number]['status'], string> = {
  changed: '~',
  pending: '~',
  unchanged: ' ',
  failed: '✗',
  skipped: '-',
};

/** Only what failed or was skipped, with its cause: what `up` shows when provisioning did not converge. */
export function renderFailuresText(report: ApplyReport): string {
  const lines: string[] = [];
  for (const resource of report.resources) {
    if (resource.status !== 'failed' && resource.status !== 'skipped') continue;
    lines.push(`${MARK[resource.status]} ${resource.ref} (${resource.status})${resource.error ? `: ${resource.error}` : ''}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The readable report: one block per resource that changed (or would), then totals and time. */
export function renderReportText(report: ApplyReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const resource of report.resources) {
    if (resource.status === 'unchanged' && !options.verbose) continue;
    lines.push(`${MARK[resource.status]} ${resource.ref}${resource.status === 'unchanged' ? '' : ` (${resource.status})`}`);
    for (const change of resource.changes) lines.push(`    ${change}`);
    if (resource.error) lines.push(`    error: ${resource.error}`);
    if (resource.diff) for (const line of resource.diff.trimEnd().split('\n')) lines.push(`    ${line}`);
  }
  for (const problem of report.problems ?? []) lines.push(`✗ ${problem.ref}: ${problem.message}`);
  const { changed, unchanged, failed, skipped } = report.summary;
  const seconds = (report.durationMs / 1000).toFixed(1);
  const verb = report.mode === 'plan' ? 'to change' : 'changed';
  if (report.mode === 'plan' && changed === 0 && !(report.problems ?? []).length) lines.push(`No changes: ${report.target} matches the manifests.`);
  lines.push(
    `${report.mode === 'plan' ? 'Plan' : 'Applied'} on ${report.target}: ${changed} ${verb}, ${unchanged} unchanged, ${failed} failed, ${skipped} skipped in ${seconds}s`,
  );
  return `${lines.join('\n')}\n`;
}
