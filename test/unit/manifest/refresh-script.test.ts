import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFRESH_SCRIPT } from '../../../src/manifest/resources/service.js';

describe('the refreshes of a run, in one round trip', () => {
  it('runs each in order, goes on after a failure, and answers for each', () => {
    const bin = mkdtempSync(join(tmpdir(), 'devenv-refresh-'));
    // A systemctl that records its calls and fails for ssh.service, saying why on stderr.
    writeFileSync(
      join(bin, 'systemctl'),
      `#!/bin/sh\necho "$*" >> ${bin}/calls\n[ "$2" != ssh.service ] || { echo "Job for ssh.service failed." >&2; echo "See journalctl -xeu ssh.service" >&2; exit 1; }\n`,
    );
    chmodSync(join(bin, 'systemctl'), 0o755);
    const result = spawnSync(
      'sh',
      ['-c', REFRESH_SCRIPT, 'devenv-refresh', 'reload-or-restart', 'nginx.service', 'restart', 'ssh.service', 'try-restart', 'mysite.service'],
      {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(readFileSync(join(bin, 'calls'), 'utf8')).toBe('reload-or-restart nginx.service\nrestart ssh.service\ntry-restart mysite.service\n');
    expect(result.stdout).toBe('0 0\n1 1 Job for ssh.service failed. See journalctl -xeu ssh.service\n2 0\n');
  });
});
