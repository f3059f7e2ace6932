import { OperationError } from '../core/errors.js';
import { runFileBatch, type FileChange } from '../targets/file-batch.js';
import type { Target } from '../targets/target.js';
import type { PlannedChange } from './operation.js';

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

/** The record of owed refreshes could not be written: the run stops (it must not go on changing things without it). */
export class RecordFailed extends OperationError {}

/** Records what is owed, alone in its round trip. */
export function writePendingRefresh(target: Target, refs: readonly string[]): Promise<void> {
  return writeRecords(target, pendingRefreshChanges(refs), `record pending refreshes in ${PENDING_REFRESH_PATH}`);
}

/**
 * The record of owed refreshes through one apply: written before the first change
 * that can earn one, and cleared at the end, so a run that fails halfway still
 * refreshes next time. Each write is a round trip, so none is made where nothing
 * can be earned (a first pass that only installs packages) or where the record
 * already says it.
 */
export class OwedRefreshRecord {
  private readonly owed: string[];
  private readonly causes: Set<string>;
  private recorded = false;

  constructor(
    private readonly target: Target,
    changes: readonly PlannedChange[],
    /** What the target's record holds now (as observed). */
    private onTarget: readonly string[],
  ) {
    this.owed = changes.filter((c) => c.refresh !== undefined).map((c) => c.ref);
    this.causes = new Set(changes.flatMap((c) => c.refresh?.because.filter((ref) => ref !== 'pending') ?? []));
  }

  /** The record's file changes when, before `refs` change, the owed list must be recorded; else none (to ride with files). */
  changesBefore(refs: readonly string[]): FileChange[] {
    if (this.recorded || !refs.some((ref) => this.causes.has(ref))) return [];
    this.recorded = true;
    if (sameRefs(this.owed, this.onTarget)) return [];
    this.onTarget = [...this.owed];
    return pendingRefreshChanges(this.owed);
  }

  /** Writes the record in its own round trip when it must be, before `refs` change. */
  async writeBefore(refs: readonly string[]): Promise<void> {
    const changes = this.changesBefore(refs);
    if (changes.length > 0) await writeRecords(this.target, changes, `record pending refreshes in ${PENDING_REFRESH_PATH}`);
  }

  /** Whether the record must be written again to say `stillOwed` at the end. */
  mustChangeTo(stillOwed: readonly string[]): boolean {
    return !sameRefs(stillOwed, this.onTarget);
  }
}

function sameRefs(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((ref) => right.has(ref));
}
