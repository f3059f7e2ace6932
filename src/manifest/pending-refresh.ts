import { OperationError } from '../core/errors.js';
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

/** One round trip (it runs around every apply): create the folder, write a temp file, rename it into place. */
export async function writePendingRefresh(target: Target, refs: readonly string[]): Promise<void> {
  const script = 'set -e; mkdir -p "${1%/*}"; cat > "$1.tmp"; chmod 0644 "$1.tmp"; mv -f "$1.tmp" "$1"';
  const result = await target.exec(['sh', '-c', script, 'devenv-pending', PENDING_REFRESH_PATH], { stdin: renderPendingRefresh(refs), user: 'root' });
  if (result.exitCode !== 0) throw new OperationError(`could not record pending refreshes in ${PENDING_REFRESH_PATH}: ${result.stderr.trim().split('\n').pop() ?? ''}`);
}
