import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { debFileName, LockSchema, lockKey, readLock, renderLock, writeLock, type LockData } from '../../../src/lock/lock-file.js';

const SHA = 'ab'.repeat(32);
const lock: LockData = {
  schema: 'devenv.lock/v1',
  box: 'debian-12',
  apt: {
    nginx: { version: '1.22.1-9+deb12u9', arch: 'amd64', sha256: SHA },
    'nginx-common': { version: '1.22.1-9+deb12u9', arch: 'all', sha256: SHA },
    'libc6:i386': { version: '2.36-9+deb12u7', arch: 'i386' },
    openssh: { version: '1:9.2p1-2+deb12u3' },
  },
  pip: { '/srv/mysite/venv': { django: { version: '4.2.16', sha256: SHA } } },
};

describe('devenv.lock', () => {
  it('round-trips: rendered, read back, the same data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-lock-'));
    const profile = join(dir, 'devenv.yaml');
    await writeLock(profile, lock);
    const read = await readLock(profile, 'debian-12');
    expect(read?.data).toEqual(lock);
  });

  it('writes one line per package, sorted, with the header', () => {
    const text = renderLock(lock);
    expect(text.startsWith('# devenv.lock')).toBe(true);
    const lines = text.split('\n');
    const nginx = lines.findIndex((line) => line.startsWith('  nginx:'));
    expect(lines[nginx]).toBe(`  nginx: { version: 1.22.1-9+deb12u9, arch: amd64, sha256: ${SHA} }`);
    expect(lines.findIndex((line) => line.startsWith('  libc6:i386:'))).toBeLessThan(nginx);
    expect(text).toContain('    django: { version: 4.2.16, sha256: ');
    expect(LockSchema.parse(parse(text))).toEqual(lock);
  });

  it('is a profile error at file:line:column for a bad entry or another box', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-lock-'));
    const profile = join(dir, 'devenv.yaml');
    await writeFile(join(dir, 'devenv.lock'), 'schema: devenv.lock/v1\nbox: debian-12\napt:\n  nginx: { version: "not a version!" }\n');
    const bad = await readLock(profile, 'debian-12').catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(ConfigError);
    expect(String((bad as Error).message)).toMatch(/exact Debian version/);
    expect((bad as ConfigError).position).toMatchObject({ line: 4 });
    await writeFile(join(dir, 'devenv.lock'), 'schema: devenv.lock/v1\nbox: debian-12\n');
    const other = await readLock(profile, 'debian-13').catch((error: unknown) => error);
    expect(String((other as Error).message)).toMatch(/written for box "debian-12" but the profile uses "debian-13"/);
  });

  it('names files as dpkg does and keys foreign architectures', () => {
    expect(debFileName('openssh-server', '1:9.2p1-2+deb12u3', 'amd64')).toBe('openssh-server_1%3a9.2p1-2+deb12u3_amd64.deb');
    expect(lockKey('libc6', 'i386', 'amd64')).toBe('libc6:i386');
    expect(lockKey('libc6', 'amd64', 'amd64')).toBe('libc6');
    expect(lockKey('tzdata', 'all', 'amd64')).toBe('tzdata');
  });
});
