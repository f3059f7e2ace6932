import { join } from 'node:path';
import { cacheDir } from '../core/cache-dir.js';
import { hashOf } from '../core/hash.js';
import { acquireLock, describeHolder } from '../core/lock.js';
import type { LoadedProfile } from '../environment/load.js';
import type { CommandContext } from './context.js';

async function withLock<T>(ctx: CommandContext, file: string, what: string, command: string, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(join(cacheDir(), 'locks', file), {
    what,
    command,
    wait: ctx.options.wait,
    signal: ctx.signal,
    onWait: (holder) => ctx.progress.info(`waiting for ${describeHolder(holder)}, which is using ${what} (--no-wait to give up at once)`),
  });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/**
 * Runs a command that changes the environment (up, provision, halt, destroy) as its
 * only writer: a second one waits, naming the first, or exits 3 with --no-wait.
 */
export function withEnvironmentLock<T>(ctx: CommandContext, profile: LoadedProfile, command: string, work: () => Promise<T>): Promise<T> {
  // Each machine of a `machines:` profile is an environment of its own: independent machines provision side by side.
  const key = profile.machine ? hashOf(`${profile.path}#${profile.machine.name}`, 16) : hashOf(profile.path, 16);
  return withLock(ctx, `env-${key}.lock`, `the environment ${profile.data.name}`, command, work);
}
