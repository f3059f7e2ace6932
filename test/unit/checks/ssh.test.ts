import { describe, expect, it } from 'vitest';
import { runCheck, sectionFailed } from './fixtures.js';

describe('ssh-no-root-login', () => {
  it('passes with permitrootlogin no', () => {
    expect(runCheck('ssh-no-root-login').status).toBe('pass');
  });
  it('fails with prohibit-password, naming the value', () => {
    const result = runCheck('ssh-no-root-login', (input) => {
      input.facts.ssh!['permitrootlogin'] = 'prohibit-password';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'sshd has permitrootlogin prohibit-password' });
  });
  it('is n/a without openssh-server', () => {
    const result = runCheck('ssh-no-root-login', (input) => {
      delete input.facts.packages!.deb['openssh-server'];
      delete input.facts.ssh;
    });
    expect(result).toMatchObject({ status: 'na', message: expect.stringContaining('openssh-server is not installed') });
  });
  it('warns when sshd -T could not run', () => {
    const result = runCheck('ssh-no-root-login', (input) => sectionFailed(input, 'ssh', 'sshd -T needs root'));
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('sshd -T needs root') });
  });
});

describe('ssh-no-password-auth', () => {
  it('passes with both off', () => {
    expect(runCheck('ssh-no-password-auth').status).toBe('pass');
  });
  it('fails with password authentication on', () => {
    const result = runCheck('ssh-no-password-auth', (input) => {
      input.facts.ssh!['passwordauthentication'] = 'yes';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'sshd has passwordauthentication yes' });
  });
  it('fails with the older challengeresponseauthentication on', () => {
    const result = runCheck('ssh-no-password-auth', (input) => {
      delete input.facts.ssh!['kbdinteractiveauthentication'];
      input.facts.ssh!['challengeresponseauthentication'] = 'yes';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'sshd has challengeresponseauthentication yes' });
  });
  it('warns when a setting is absent from sshd -T', () => {
    const result = runCheck('ssh-no-password-auth', (input) => {
      delete input.facts.ssh!['kbdinteractiveauthentication'];
    });
    expect(result.status).toBe('warn');
  });
});

describe('ssh-limits', () => {
  it('passes with maxauthtries 3 and no X11', () => {
    expect(runCheck('ssh-limits').status).toBe('pass');
  });
  it('fails with the default maxauthtries 6 and x11forwarding yes, naming both', () => {
    const result = runCheck('ssh-limits', (input) => {
      input.facts.ssh!['maxauthtries'] = '6';
      input.facts.ssh!['x11forwarding'] = 'yes';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'sshd has maxauthtries 6 (at most 4) and x11forwarding yes' });
  });
  it('warns when the ssh section is missing', () => {
    expect(runCheck('ssh-limits', (input) => sectionFailed(input, 'ssh')).status).toBe('warn');
  });
});
