import { OperationError } from '../core/errors.js';
import { runFileBatch, type FileChange } from '../targets/file-batch.js';
import type { Target } from '../targets/target.js';

/**
 * Refreshes (service restarts, refreshonly execs) owed by a run are written
 * on the target before anything changes and cleared when they are done, so a
 * run that fails halfway still restarts nginx the next time.
 */
export const PENDING_REFRESH_PATH = '/var/lib/devenv/pending-refresh.json';

export function parsePendingRefresh(text: string): string[] {
  try {
    const data = JSON.parse(text) as { refresh?: unknown };
    return Array.isArray(data.refresh) ? data.refresh.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    // A damaged file owes nothing we can read; the next successful run rewrites it.
    return [];
  }
}

export function renderPendingRefresh(refs: readonly string[]): string {
  return `${JSON.stringify({ refresh: [...refs].sort() }, null, 2)}\n`;
}

/**
 * Writing a record, as file changes (the folder, then the file through a temp file and
 * a rename): they can ride in the same round trip as the files an apply writes.
 */
export function recordChanges(path: string, content: string): FileChange[] {
  return [
    { path: path.slice(0, path.lastIndexOf('/')), mkdir: true },
    { path, write: { content, mode: '0644', owner: 'root', group: 'root' } },
  ];
}

export function pendingRefreshChanges(refs: readonly string[]): FileChange[] {
  return recordChanges(PENDING_REFRESH_PATH, renderPendingRefresh(refs));
}

/** Writes records (recordChanges, one or several) in one round trip; throws "could not <what>" when the target refuses. */
export async function writeRecords(target: Target, changes: readonly FileChange[], what: string): Promise<void> {
  const { failed } = await runFileBatch(target, changes);
  if (failed) throw new OperationError(`could not ${what}: ${failed.error}`);
}

/** Records what is owed, alone in its round trip. */
export function writePendingRefresh(target: Target, refs: readonly string[]): Promise<void> {
  return writeRecords(target, pendingRefreshChanges(refs), `record pending refreshes in ${PENDING_REFRESH_PATH}`);
}
