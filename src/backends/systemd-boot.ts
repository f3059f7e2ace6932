import { InterruptedError, OperationError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { Target } from '../targets/target.js';

export interface BootWait {
  timeoutMs: number;
  /** How often to ask systemd; a container answers fast, a VM over SSH less so. */
  pollMs: number;
  signal?: AbortSignal;
  update?: (detail: string) => void;
}

function failedUnits(listing: string): string {
  return listing
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0])
    .join(', ');
}

/**
 * Waits until systemd reports the boot over: running, or degraded (some unit
 * failed — a warning naming the units, not an error). A boot that does not end
 * in time is an OperationError with the failed units and where to look.
 */
export async function waitForSystemdBoot(target: Target, progress: Progress, wait: BootWait): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    if (wait.signal?.aborted) throw new InterruptedError('interrupted while booting');
    state = (await target.exec(['systemctl', 'is-system-running'])).stdout.trim();
    if (state === 'running') return;
    if (state === 'degraded') {
      const failed = (await target.exec(['systemctl', '--failed', '--no-legend', '--plain'])).stdout;
      progress.warn(`systemd is degraded; failed units: ${failedUnits(failed)}`);
      return;
    }
    wait.update?.(state || 'starting');
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
  const failed = failedUnits((await target.exec(['systemctl', '--failed', '--no-legend', '--plain'])).stdout);
  throw new OperationError(
    `systemd did not finish booting within ${wait.timeoutMs / 1000}s (state: ${state || 'unknown'})${failed ? `; failed units: ${failed}` : ''}`,
    { hint: 'look at `devenv exec -- journalctl -b --no-pager`' },
  );
}
