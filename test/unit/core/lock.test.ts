import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../src/core/errors.js';
import { acquireLock, holderIsDead, processStarted, type LockHolder } from '../../../src/core/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devenv-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { what: 'the environment mysite', command: 'up', pollMs: 20 };

/** A pid that certainly ran and is now gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('holderIsDead (pure)', () => {
  const holder: LockHolder = { pid: 42, started: '1000', host: 'laptop', command: 'up', since: 'x' };
  const here = (alive: boolean, started?: string) => ({ host: 'laptop', alive: () => alive, started: () => started });
  it('a live process with the same start time holds the lock', () => expect(holderIsDead(holder, here(true, '1000'))).toBe(false));
  it('no such process: dead', () => expect(holderIsDead(holder, here(false))).toBe(true));
  it('the pid reused by a later process: dead', () => expect(holderIsDead(holder, here(true, '2000'))).toBe(true));
  it('another host: never judged dead from here', () => expect(holderIsDead({ ...holder, host: 'ci-runner' }, here(false))).toBe(false));
});

describe('acquireLock', () => {
  it('one holder at a time; released, the next one gets it', async () => {
    const path = join(dir, 'env.lock');
    const first = await acquireLock(path, { ...base, wait: false });
    const holder = JSON.parse(await readFile(path, 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'up' });
    expect(holder.started).toBe(processStarted(process.pid));
    await first.release();
    expect(existsSync(path)).toBe(false);
    const second = await acquireLock(path, { ...base, wait: false });
    await second.release();
  });

  it('--no-wait on a held lock: exit 3 naming the holder', async () => {
    const path = join(dir, 'env.lock');
    const first = await acquireLock(path, { ...base, wait: false });
    const error = await acquireLock(path, { ...base, command: 'provision', wait: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`^the environment mysite is in use by pid ${process.pid} \\(\`devenv up\`, since `));
    await first.release();
  });

  it('a waiter is told once who holds it, and gets the lock when it is released', async () => {
    const path = join(dir, 'env.lock');
    const first = await acquireLock(path, { ...base, wait: false });
    const told: LockHolder[] = [];
    const waiting = acquireLock(path, { ...base, wait: true, onWait: (h) => told.push(h) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(told).toHaveLength(1);
    await first.release();
    const second = await waiting;
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await second.release();
  });

  it('a lock left by a dead process is taken over; a lock of another host is not', async () => {
    const path = join(dir, 'env.lock');
    await writeFile(path, JSON.stringify({ pid: await deadPid(), host: hostname(), command: 'up', since: 'then' }));
    const taken = await acquireLock(path, { ...base, wait: false });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await taken.release();
    await writeFile(path, JSON.stringify({ pid: await deadPid(), host: 'elsewhere', command: 'up', since: 'then' }));
    await expect(acquireLock(path, { ...base, wait: false })).rejects.toThrow(/on elsewhere/);
  });

  it('a folder it cannot write: exit 3 in one line with the fix, not a stack', async () => {
    // A file where the lock folder should be (as root, a mode would not stop us).
    await writeFile(join(dir, 'not-a-folder'), '');
    const path = join(dir, 'not-a-folder', 'locks', 'env.lock');
    const error = await acquireLock(path, { ...base, wait: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).hint).toMatch(/DEVENV_CACHE_DIR/);
  });

  it('release never removes a lock someone else holds now', async () => {
    const path = join(dir, 'env.lock');
    const mine = await acquireLock(path, { ...base, wait: false });
    await writeFile(path, JSON.stringify({ pid: 1, host: 'other', command: 'up', since: 'now' }));
    await mine.release();
    expect(existsSync(path)).toBe(true);
  });
});
