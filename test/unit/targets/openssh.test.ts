import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperationError, UnavailableError } from '../../../src/core/errors.js';
import { SshTarget } from '../../../src/targets/ssh-target.js';
import type { Target } from '../../../src/targets/target.js';
import { VagrantTarget } from '../../../src/targets/vagrant-target.js';

/** A stand-in for the ssh binary: prints to stderr and exits as told, so the failure chain of both targets is seen end to end. */
function fakeSsh(stderr: string, exitCode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'devenv-fake-ssh-'));
  const path = join(dir, 'ssh');
  writeFileSync(path, `#!/bin/sh\ncat >/dev/null\nprintf '%b\\n' ${JSON.stringify(stderr)} >&2\nprintf 'out'\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
  return path;
}

const targets: [string, (ssh: string) => Target, RegExp][] = [
  ['SshTarget', (ssh) => new SshTarget('ops@web1', { sshCommand: ssh, sudo: true }), /the OpenSSH client is needed/],
  [
    'VagrantTarget',
    (ssh) =>
      new VagrantTarget(
        { configFile: '/dev/null', host: 'default', loginUser: 'vagrant', controlPath: '/nonexistent/s.sock' },
        { name: 'box', container: false, sshCommand: ssh },
      ),
    /reaches Vagrant machines/,
  ],
];

describe.each(targets)('%s over the one OpenSSH transport', (_name, make, missing) => {
  it('a remote exit code is data', async () => {
    const result = await make(fakeSsh('oops', 7)).exec(['false']);
    expect(result).toEqual({ exitCode: 7, stdout: 'out', stderr: 'oops\n' });
  });

  it('ssh failing itself (255) is an operation error with its last meaningful line', async () => {
    const error = await make(fakeSsh('Permission denied (publickey).\nWarning: Permanently added x', 255))
      .exec(['true'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toMatch(/^ssh to \S+ failed: Permission denied \(publickey\)\.$/);
  });

  it('sudo wanting a password is said as such', async () => {
    const error = await make(fakeSsh('sudo: a password is required', 1))
      .exec(['id'], { user: 'root' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/needs a password; devenv only uses non-interactive sudo -n/);
  });

  it('no ssh client is "unavailable" (exit 3)', async () => {
    const error = await make('/nonexistent/ssh')
      .exec(['true'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(missing);
  });
});
