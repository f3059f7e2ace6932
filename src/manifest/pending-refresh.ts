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

/** devenv's own records on a target live here, next to each other. */
const RECORDS_DIR = PENDING_REFRESH_PATH.slice(0, PENDING_REFRESH_PATH.lastIndexOf('/'));

/**
 * Writing a record, as file changes (the folder, then the file through a temp file and
 * a rename): they can ride in the same round trip as the files an apply writes.
 */
export function recordChanges(path: string, content: string): FileChange[] {
  return [
    { path: path.slice(0, path.lastIndexOf('/')) || RECORDS_DIR, mkdir: true },
    { path, write: { content, mode: '0644', owner: 'root', group: 'root' } },
  ];
}

export function pendingRefreshChanges(refs: readonly string[]): FileChange[] {
  return recordChanges(PENDING_REFRESH_PATH, renderPendingRefresh(refs));
}

/** Records what is owed, alone in its round trip; throws when the target refuses. */
export async function writePendingRefresh(target: Target, refs: readonly string[]): Promise<void> {
  const { failed } = await runFileBatch(target, pendingRefreshChanges(refs));
  if (failed) throw new OperationError(`could not record pending refreshes in ${PENDING_REFRESH_PATH}: ${failed.error}`);
}
