/**
 * What a failed apt-get says, read as data: whether the next try can succeed
 * after waiting, repairing or refreshing (a run killed mid-transaction leaves
 * its apt-get running, or dpkg half-configured), and the lines that explain a
 * failure that cannot (the unmet dependency, the held package) instead of its
 * last line alone. Pure: the actor is runAptTransaction.
 */
import { lastLines } from '../core/last-lines.js';

export type AptRecovery =
  /** Another apt-get or dpkg holds the lock (often the one a killed devenv left running): wait for it. */
  | { kind: 'wait'; pid: number; holder: string }
  /** dpkg was interrupted: `dpkg --configure -a` finishes what it was doing. */
  | { kind: 'configure' }
  /** The lists name files the mirror has since replaced: `apt-get update`, once. */
  | { kind: 'refresh-lists' }
  /** apt could not resolve the request: exact pins may need their siblings at the same version (apt-closure.ts). */
  | { kind: 'closure' };

export function aptRecoveryFor(stderr: string): AptRecovery | undefined {
  const lock = /Could not get lock \S+?\.? It is held by process (\d+)(?: \(([^)]*)\))?/.exec(stderr);
  if (lock) return { kind: 'wait', pid: Number(lock[1]), holder: lock[2] ?? 'unknown' };
  if (/dpkg was interrupted, you must manually run '?dpkg --configure -a'?/.test(stderr)) return { kind: 'configure' };
  if (/Unable to fetch|404\s+Not Found|Failed to fetch/.test(stderr)) return { kind: 'refresh-lists' };
  if (/held broken packages|Unable to correct problems/.test(stderr)) return { kind: 'closure' };
  return undefined;
}

/**
 * apt's own explanation of a failure: the unmet dependencies it lists and its
 * E: lines, joined on one line; the last lines when it gave neither.
 */
export function aptFailureExplanation(stdout: string, stderr: string, maxChars = 900): string {
  const lines = `${stdout}\n${stderr}`.split('\n');
  const explained: string[] = [];
  let inDependencies = false;
  for (const line of lines) {
    if (/^The following packages have unmet dependencies:/.test(line)) {
      inDependencies = true;
      continue;
    }
    if (inDependencies && /^\s+\S/.test(line)) {
      explained.push(line.trim().replace(/\s+/g, ' '));
      continue;
    }
    inDependencies = false;
    if (/^E: /.test(line)) explained.push(line.trim());
  }
  return explained.length
    ? [...new Set(explained)].join('; ').slice(0, maxChars)
    : lastLines(lines.map((l) => l.trim()).join('\n'), { max: maxChars, separator: ' | ' });
}
