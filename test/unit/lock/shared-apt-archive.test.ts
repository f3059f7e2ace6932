import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSharedAptArchive } from '../../../src/lock/shared-apt-archive.js';

function run(argv: string[]): number {
  const [cmd, ...args] = argv;
  try {
    execFileSync(cmd!, args, { stdio: 'pipe' });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('apt with the machine-wide archive', () => {
  const root = mkdtempSync(join(tmpdir(), 'devenv-apt-archive-'));
  const shared = join(root, 'shared');
  const own = join(root, 'own');
  mkdirSync(shared);
  mkdirSync(own);

  it('seeds the environment from the archive, then gives back what apt downloaded', () => {
    writeFileSync(join(shared, 'cached_1.0_all.deb'), 'cached');
    // Stands in for apt: it sees the seeded .deb and "downloads" another.
    const fakeApt = ['sh', '-c', 'test -e "$0/cached_1.0_all.deb" && echo new > "$0/fresh_2.0_all.deb"', own];
    expect(run(withSharedAptArchive(fakeApt, shared, own))).toBe(0);
    expect(readFileSync(join(shared, 'fresh_2.0_all.deb'), 'utf8')).toBe('new\n');
    // No temporary name is left behind.
    expect(readdirSync(shared).sort()).toEqual(['cached_1.0_all.deb', 'fresh_2.0_all.deb']);
  });

  it("passes the command's exit status through and gives nothing back from a failed run", () => {
    const failing = ['sh', '-c', 'echo partial > "$0/broken_3.0_all.deb"; exit 100', own];
    expect(run(withSharedAptArchive(failing, shared, own))).toBe(100);
    expect(existsSync(join(shared, 'broken_3.0_all.deb'))).toBe(false);
  });

  it('is just the command where there is no archive (a VM, production)', () => {
    const missing = join(root, 'no-such-archive');
    expect(run(withSharedAptArchive(['sh', '-c', 'exit 0'], missing, own))).toBe(0);
    expect(existsSync(missing)).toBe(false);
  });
});
