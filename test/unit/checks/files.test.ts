import { describe, expect, it } from 'vitest';
import { runCheck, sectionFailed } from './fixtures.js';

describe('secrets-permissions', () => {
  it('passes for 0640 root-owned', () => {
    expect(runCheck('secrets-permissions').status).toBe('pass');
  });
  it('fails for a world-readable secret, naming the file and mode', () => {
    const result = runCheck('secrets-permissions', (input) => {
      input.facts.files!['/etc/mysite/secrets.env']!.mode = '644';
    });
    expect(result).toMatchObject({ status: 'fail', message: '/etc/mysite/secrets.env is mode 0644, open to every user' });
  });
  it('fails for a foreign owner', () => {
    const result = runCheck('secrets-permissions', (input) => {
      input.facts.files!['/etc/mysite/secrets.env']!.owner = 'deploy';
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('owned by deploy') });
  });
  it('warns when the secret file was not collected', () => {
    const result = runCheck('secrets-permissions', (input) => {
      delete input.facts.files!['/etc/mysite/secrets.env'];
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('no facts for /etc/mysite/secrets.env') });
  });
  it('is n/a without declared secrets', () => {
    const result = runCheck('secrets-permissions', (input) => {
      input.checklist.secrets = [];
    });
    expect(result.status).toBe('na');
  });
});

describe('code-not-writable', () => {
  it('passes for root-owned code without group/other write', () => {
    expect(runCheck('code-not-writable').status).toBe('pass');
  });
  it('fails when the app user owns the code', () => {
    const result = runCheck('code-not-writable', (input) => {
      input.facts.files!['/srv/mysite/app']!.owner = 'mysite';
    });
    expect(result).toMatchObject({ status: 'fail', message: '/srv/mysite/app is owned by mysite' });
  });
  it('fails when a group of the app user can write', () => {
    const result = runCheck('code-not-writable', (input) => {
      Object.assign(input.facts.files!['/srv/mysite/app']!, { group: 'mysite', mode: '775' });
    });
    expect(result).toMatchObject({ status: 'fail', message: '/srv/mysite/app is group-writable by mysite, a group of mysite' });
  });
  it('passes when the writable group is not one of the app user', () => {
    const result = runCheck('code-not-writable', (input) => {
      Object.assign(input.facts.files!['/srv/mysite/app']!, { group: 'ops', mode: '775' });
    });
    expect(result.status).toBe('pass');
  });
  it('is n/a without app_paths', () => {
    expect(
      runCheck('code-not-writable', (input) => {
        input.checklist.app_paths = [];
      }).status,
    ).toBe('na');
  });
  it('warns when files are missing', () => {
    expect(runCheck('code-not-writable', (input) => sectionFailed(input, 'files')).status).toBe('warn');
  });
});

describe('system-file-perms', () => {
  it('passes with standard Debian modes', () => {
    expect(runCheck('system-file-perms').status).toBe('pass');
  });
  it('fails for a world-readable /etc/shadow', () => {
    const result = runCheck('system-file-perms', (input) => {
      input.facts.files!['/etc/shadow']!.mode = '644';
    });
    expect(result).toMatchObject({ status: 'fail', message: '/etc/shadow is mode 0644, more than 0640' });
  });
  it('fails for /etc/passwd not owned by root', () => {
    const result = runCheck('system-file-perms', (input) => {
      input.facts.files!['/etc/passwd']!.owner = 'ops';
    });
    expect(result).toMatchObject({ status: 'fail', message: '/etc/passwd is owned by ops, not root' });
  });
  it('passes a stricter /etc/shadow (0000)', () => {
    expect(
      runCheck('system-file-perms', (input) => {
        input.facts.files!['/etc/shadow']!.mode = '0';
      }).status,
    ).toBe('pass');
  });
  it('warns when /etc/shadow was not collected', () => {
    const result = runCheck('system-file-perms', (input) => {
      delete input.facts.files!['/etc/shadow'];
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('/etc/shadow') });
  });
});

describe('managed-header', () => {
  it('passes when managed files carry the header', () => {
    expect(runCheck('managed-header').status).toBe('pass');
  });
  it('fails naming a managed file without its header', () => {
    const result = runCheck('managed-header', (input) => {
      input.facts.files!['/etc/nginx/sites-available/mysite']!.devenv_header = false;
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('/etc/nginx/sites-available/mysite') });
  });
  it('is n/a when the manifests manage no file with a header', () => {
    const result = runCheck('managed-header', (input) => {
      input.declared!.managedFiles = [];
    });
    expect(result.status).toBe('na');
  });
  it('does not ask a managed secret for its header (its content is never read)', () => {
    const result = runCheck('managed-header', (input) => {
      input.declared!.managedFiles.push('/etc/mysite/secrets.env');
    });
    expect(result).toMatchObject({ status: 'pass', message: 'the managed file /etc/nginx/sites-available/mysite carries the devenv header' });
  });
  it('warns when a managed file is absent', () => {
    const result = runCheck('managed-header', (input) => {
      input.facts.files!['/etc/nginx/sites-available/mysite'] = { type: 'absent' };
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('does not exist') });
  });
  it('is n/a without manifests', () => {
    const result = runCheck('managed-header', (input) => {
      delete input.declared;
    });
    expect(result.status).toBe('na');
  });
});
