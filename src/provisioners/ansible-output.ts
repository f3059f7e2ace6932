import { unifiedDiff } from '../manifest/unified-diff.js';
import type { ProvisionerChange, ProvisionerFailure } from './provisioner.js';

/**
 * Reading the task results devenv's `devenv_events` callback wrote (one JSON
 * object a line): what changed, by task name, and the failing task. Pure.
 */
export interface AnsibleEvent {
  status: 'ok' | 'failed' | 'ignored' | 'unreachable';
  task: string;
  action?: string;
  handler?: boolean;
  host?: string;
  changed: boolean;
  msg?: unknown;
  stderr?: unknown;
  diff?: unknown;
}

export function parseAnsibleEvents(text: string): AnsibleEvent[] {
  const events: AnsibleEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const event = JSON.parse(line) as AnsibleEvent;
      if (typeof event.task === 'string' && typeof event.status === 'string') events.push(event);
    } catch {
      // A line cut short by a killed run: the rest still counts.
    }
  }
  return events;
}

/** Changed tasks (and handlers), one entry per task name, in order. */
export function ansibleChanges(events: readonly AnsibleEvent[]): ProvisionerChange[] {
  const byTask = new Map<string, ProvisionerChange>();
  for (const event of events) {
    if (!event.changed || event.status === 'failed' || event.status === 'unreachable') continue;
    const resource = event.handler ? `handler ${event.task}` : event.task;
    const diff = renderAnsibleDiff(event.diff);
    const existing = byTask.get(resource);
    if (existing) {
      if (diff) existing.diff = existing.diff ? `${existing.diff}\n${diff}` : diff;
      continue;
    }
    byTask.set(resource, { resource, ...(event.action ? { detail: event.action } : {}), ...(diff ? { diff } : {}) });
  }
  return [...byTask.values()];
}

export function ansibleFailure(events: readonly AnsibleEvent[]): Omit<ProvisionerFailure, 'lastLines'> | undefined {
  const failed = events.find((event) => event.status === 'failed' || event.status === 'unreachable');
  if (!failed) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  const message = [text(failed.msg), text(failed.stderr)]
    .filter((part) => part.trim() !== '')
    .join(': ')
    .trim();
  return { resource: failed.task, message: message || (failed.status === 'unreachable' ? 'the environment was unreachable' : 'the task failed') };
}

/** Ansible's diff shapes: {before, after, before_header, after_header}, {prepared}, or a list of them. */
export function renderAnsibleDiff(diff: unknown): string | undefined {
  if (diff === undefined || diff === null) return undefined;
  if (Array.isArray(diff)) {
    const parts = diff.map(renderAnsibleDiff).filter((part): part is string => part !== undefined && part !== '');
    return parts.length > 0 ? parts.join('\n') : undefined;
  }
  if (typeof diff !== 'object') return undefined;
  const record = diff as Record<string, unknown>;
  if (typeof record.prepared === 'string') return record.prepared.trimEnd() || undefined;
  const before = record.before;
  const after = record.after;
  if (typeof before === 'string' || typeof after === 'string') {
    const from = typeof record.before_header === 'string' ? record.before_header : 'before';
    const to = typeof record.after_header === 'string' ? record.after_header : 'after';
    const text = unifiedDiff(typeof before === 'string' ? before : '', typeof after === 'string' ? after : '', { fromLabel: from, toLabel: to });
    return text.trimEnd() || undefined;
  }
  if (before !== undefined || after !== undefined) {
    return `- ${JSON.stringify(before ?? null)}\n+ ${JSON.stringify(after ?? null)}`;
  }
  return undefined;
}
