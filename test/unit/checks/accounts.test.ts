import { describe, expect, it } from 'vitest';
import { runCheck, sectionFailed } from './fixtures.js';

describe('app-user', () => {
  it('passes for a system user with nologin', () => {
    expect(runCheck('app-user')).toMatchObject({ status: 'pass', message: expect.stringContaining('mysite') });
  });
  it('fails when the user has a login shell, naming user and shell', () => {
    const result = runCheck('app-user', (input) => {
      input.facts.accounts!.users['mysite']!.shell = '/bin/bash';
    });
    expect(result.status).toBe('fail');
    expect(result.message).toContain('mysite has the login shell /bin/bash');
  });
  it('fails when the user has uid 0', () => {
    const result = runCheck('app-user', (input) => {
      input.facts.accounts!.users['mysite']!.uid = 0;
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('mysite has uid 0') });
  });
  it('fails when the app user is a regular login uid', () => {
    const result = runCheck('app-user', (input) => {
      input.facts.accounts!.users['mysite']!.uid = 1001;
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('uid 1001') });
  });
  it('fails when the app uses a shared account', () => {
    const result = runCheck('app-user', (input) => {
      input.checklist.app_user = 'www-data';
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('www-data is an account shared') });
  });
  it('fails when the user does not exist', () => {
    const result = runCheck('app-user', (input) => {
      delete input.facts.accounts!.users['mysite'];
    });
    expect(result).toMatchObject({ status: 'fail', message: 'the app user mysite does not exist' });
  });
  it('warns without checklist.app_user', () => {
    const result = runCheck('app-user', (input) => {
      delete input.checklist.app_user;
    });
    expect(result.status).toBe('warn');
    expect(result.remediation).toContain('checklist.app_user');
  });
  it('warns when accounts could not be collected, with the reason', () => {
    const result = runCheck('app-user', (input) => sectionFailed(input, 'accounts', 'getent not found'));
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('getent not found') });
  });
});

describe('app-not-root', () => {
  it('passes when app services run as the app user', () => {
    expect(runCheck('app-not-root')).toMatchObject({ status: 'pass', message: expect.stringContaining('mysite') });
  });
  it('fails when the app unit runs as root', () => {
    const result = runCheck('app-not-root', (input) => {
      input.facts.services!['mysite']!.user = 'root';
      for (const process of input.facts.processes!) if (process.comm === 'gunicorn') process.user = 'root';
    });
    expect(result.status).toBe('fail');
    expect(result.message).toContain('service mysite runs as root');
    expect(result.message).toContain('gunicorn (pid 200, user root)');
  });
  it('fails when a child of the app service runs as root', () => {
    const result = runCheck('app-not-root', (input) => {
      input.facts.processes!.push({ pid: 202, ppid: 200, user: 'root', comm: 'celery', args: 'celery worker' });
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('celery (pid 202, user root)') });
  });
  it('uses checklist.app_services and fails for a declared unit that is missing', () => {
    const result = runCheck('app-not-root', (input) => {
      input.checklist.app_services = ['mysite', 'mysite-worker'];
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('app service mysite-worker is not on the target') });
  });
  it('finds an app service by name even when it runs as root', () => {
    const result = runCheck('app-not-root', (input) => {
      input.facts.services!['mysite-worker'] = { enabled: 'enabled', active: 'active', user: 'root', restart: 'always' };
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('mysite-worker runs as root') });
  });
  it('warns when no service looks like the app', () => {
    const result = runCheck('app-not-root', (input) => {
      delete input.facts.services!['mysite'];
    });
    expect(result.status).toBe('warn');
  });
  it('warns when processes could not be collected', () => {
    expect(runCheck('app-not-root', (input) => sectionFailed(input, 'processes')).status).toBe('warn');
  });
});

describe('app-user-unprivileged', () => {
  it('passes for a user only in its own group', () => {
    expect(runCheck('app-user-unprivileged').status).toBe('pass');
  });
  it('fails for a supplementary privileged group, naming it', () => {
    const result = runCheck('app-user-unprivileged', (input) => {
      input.facts.accounts!.users['mysite']!.groups.push('docker');
    });
    expect(result).toMatchObject({ status: 'fail', message: 'mysite is in the privileged group docker' });
  });
  it('fails when the group lists the user as a member', () => {
    const result = runCheck('app-user-unprivileged', (input) => {
      input.facts.accounts!.groups['sudo']!.members.push('mysite');
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('sudo') });
  });
  it('warns when accounts are missing', () => {
    expect(runCheck('app-user-unprivileged', (input) => sectionFailed(input, 'accounts')).status).toBe('warn');
  });
});

describe('single-uid0', () => {
  it('passes with only root', () => {
    expect(runCheck('single-uid0').status).toBe('pass');
  });
  it('fails naming the other uid-0 account', () => {
    const result = runCheck('single-uid0', (input) => {
      input.facts.accounts!.users['toor'] = { uid: 0, gid: 0, home: '/root', shell: '/bin/sh', groups: [] };
    });
    expect(result).toMatchObject({ status: 'fail', message: 'besides root, uid 0 is held by toor' });
  });
  it('warns when an importer has no accounts', () => {
    const result = runCheck('single-uid0', (input) => {
      delete input.facts.accounts;
      input.facts.missing.push('accounts');
      input.facts.source = 'facter';
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('facter') });
  });
});
