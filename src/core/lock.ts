import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { InterruptedError, UnavailableError } from './errors.js';

/**
 * One writer at a time: a lock file per environment (and per box being built).
 * Created with O_EXCL, it names its holder; a second run waits for it, naming
 * the holder, or exits 3 with --no-wait. A lock whose holder is dead (same host,
 * no such process, or the pid now belongs to a process started later) is taken
 * over, never deleted blindly: it is moved aside and checked to be the stale one.
 */
export interface LockHolder {
  pid: number;
  /** The process's start time as /proc reports it, against pid reuse; absent off Linux. */
  started?: string;
  host: string;
  command: string;
  since: string;
}

export interface LockOptions {
  /** What is locked, for messages: "the environment mysite". */
  what: string;
  command: string;
  wait: boolean;
  signal?: AbortSignal;
  /** Told once when the lock is held by someone else and we wait. */
  onWait?: (holder: LockHolder) => void;
  pollMs?: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

/** A process's start time (field 22 of /proc/PID/stat), or undefined where there is no /proc. */
export function processStarted(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Pure: is this recorded holder certainly gone? (Only decidable on the same host.) */
export function holderIsDead(holder: LockHolder, here: { host: string; alive(pid: number): boolean; started(pid: number): string | undefined }): boolean {
  if (holder.host !== here.host) return false;
  if (!here.alive(holder.pid)) return true;
  // The pid is in use again, by a process that started after the holder did.
  const now = here.started(holder.pid);
  return holder.started !== undefined && now !== undefined && now !== holder.started;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const HERE = { host: hostname(), alive, started: processStarted };

export function describeHolder(holder: LockHolder): string {
  const where = holder.host === HERE.host ? '' : ` on ${holder.host}`;
  return `pid ${holder.pid}${where} (\`devenv ${holder.command}\`, since ${holder.since})`;
}

async function readHolder(path: string): Promise<{ text: string; holder: LockHolder } | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, holder: JSON.parse(text) as LockHolder };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Half-written by a writer killed between create and write: as good as stale.
    return { text: '', holder: { pid: -1, host: HERE.host, command: '?', since: '?' } };
  }
}

export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  try {
    return await acquire(path, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC' || code === 'EPERM' || code === 'ENOTDIR') {
      throw new UnavailableError(`cannot write the lock for ${options.what} at ${path} (${code})`, {
        hint: 'point DEVENV_CACHE_DIR at a folder you can write',
        cause: error,
      });
    }
    throw error;
  }
}

async function acquire(path: string, options: LockOptions): Promise<HeldLock> {
  await mkdir(dirname(path), { recursive: true });
  const mine: LockHolder = {
    pid: process.pid,
    ...(processStarted(process.pid) ? { started: processStarted(process.pid)! } : {}),
    host: HERE.host,
    command: options.command,
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(mine)}\n`;
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(text);
      await handle.close();
      return { release: () => releaseIfMine(path, text) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readHolder(path);
    if (!current) continue;
    if (current.holder.pid === -1 || holderIsDead(current.holder, HERE)) {
      await takeOver(path, current.text);
      continue;
    }
    if (!options.wait) {
      throw new UnavailableError(`${options.what} is in use by ${describeHolder(current.holder)}`, {
        hint: 'wait for it to finish, or run again without --no-wait to wait',
      });
    }
    if (!told) {
      options.onWait?.(current.holder);
      told = true;
    }
    if (options.signal?.aborted) throw new InterruptedError(`interrupted while waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

/** Moves the stale lock aside; if what moved is not the stale one (another run took it over meanwhile), puts it back. */
async function takeOver(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== staleText) {
    // Someone else's fresh lock: back where it was (link fails if a third run made one meanwhile).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseIfMine(path: string, text: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) await unlink(path).catch(() => undefined);
}
