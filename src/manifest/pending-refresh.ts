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

export async function writePendingRefresh(target: Target, refs: readonly string[]): Promise<void> {
  await target.exec(['mkdir', '-p', '/var/lib/devenv']);
  await target.copy(renderPendingRefresh(refs), PENDING_REFRESH_PATH, { mode: '0644', owner: 'root', group: 'root' });
}
