import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_PACKAGES, CONFIGURE_SCRIPT, bootstrapDockerfile } from '../../../src/box/engine-builder.js';
import { boxImageChanges } from '../../../src/box/image.js';
import type { BoxDefinition } from '../../../src/box/definition.js';

const box = { name: 'debian-12', hash: 'abc123' } as BoxDefinition;

describe('the bootstrap image', () => {
  it('unpacks each package by ADD, and runs only busybox to install its applets', () => {
    const dockerfile = bootstrapDockerfile([{ file: 'libc6.data.tar.xz', package: 'libc6', version: '2.36-9' }], 'bookworm');
    expect(dockerfile.split('\n')[0]).toBe('FROM scratch');
    expect(dockerfile).toContain('ADD libc6.data.tar.xz /');
    expect(dockerfile.match(/^RUN /gm)).toHaveLength(1);
    expect(dockerfile).toContain('LABEL devenv.managed=true devenv.bootstrap.suite=bookworm devenv.bootstrap.packages="libc6=2.36-9"');
    expect(BOOTSTRAP_PACKAGES).toContain('debian-archive-keyring');
    expect(BOOTSTRAP_PACKAGES).toContain('gpgv');
  });

  it('gives the box the same settings as the host builder', () => {
    expect(boxImageChanges(box)).toEqual([
      'CMD ["/sbin/init"]',
      'ENV container=docker',
      'LABEL devenv.managed=true',
      'LABEL devenv.box=debian-12',
      'LABEL devenv.box.hash=abc123',
    ]);
  });
});

describe('the configuration script', () => {
  it('writes its values as given, never as shell code', () => {
    const root = mkdtempSync(join(tmpdir(), 'devenv-configure-'));
    try {
      mkdirSync(join(root, 'etc/default'), { recursive: true });
      // Everything up to the chroot commands, run on a scratch tree (/target → root).
      const script = CONFIGURE_SCRIPT.replace(/^t=.*$/m, `t=${root}`).split('export DEBIAN_FRONTEND')[0]!;
      const sources = 'Types: deb\nURIs: file:///nowhere/debian\n$(touch pwned) `touch pwned2`\n';
      execFileSync('sh', ['-c', script, 'configure', sources, 'Etc/UTC', 'C.UTF-8', 'tmp.mount', 'x;touch pwned3.service'], { cwd: root, stdio: 'pipe' });
      expect(readFileSync(join(root, 'etc/apt/sources.list.d/debian.sources'), 'utf8')).toBe(sources);
      expect(readlinkSync(join(root, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Etc/UTC');
      expect(readFileSync(join(root, 'etc/timezone'), 'utf8')).toBe('Etc/UTC\n');
      expect(readFileSync(join(root, 'etc/default/locale'), 'utf8')).toBe('LANG=C.UTF-8\n');
      expect(readlinkSync(join(root, 'etc/systemd/system/tmp.mount'))).toBe('/dev/null');
      expect(readFileSync(join(root, 'etc/machine-id'), 'utf8')).toBe('');
      for (const f of ['pwned', 'pwned2', 'pwned3.service']) expect(existsSync(join(root, f))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
