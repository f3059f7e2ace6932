import { describe, expect, it } from 'vitest';
import { runCheck, sectionFailed } from './fixtures.js';

describe('sysctl-network', () => {
  it('passes with hardened values (rp_filter 2 is loose mode, accepted)', () => {
    expect(runCheck('sysctl-network')).toMatchObject({ status: 'pass', message: '10 of 10 hardening sysctls present, all hardened' });
  });
  it('fails naming the key, value and what is wanted', () => {
    const result = runCheck('sysctl-network', (input) => {
      input.facts.sysctl!['net.ipv4.conf.all.accept_redirects'] = '1';
      input.facts.sysctl!['net.ipv4.conf.all.rp_filter'] = '0';
    });
    expect(result.status).toBe('fail');
    expect(result.message).toContain('net.ipv4.conf.all.accept_redirects = 1 (want 0)');
    expect(result.message).toContain('net.ipv4.conf.all.rp_filter = 0 (want 1 or 2)');
  });
  it('judges only the keys present', () => {
    const result = runCheck('sysctl-network', (input) => {
      input.facts.sysctl = { 'net.ipv4.tcp_syncookies': '1' };
    });
    expect(result).toMatchObject({ status: 'pass', message: '1 of 10 hardening sysctls present, all hardened' });
  });
  it('warns when none is present', () => {
    expect(
      runCheck('sysctl-network', (input) => {
        input.facts.sysctl = {};
      }).status,
    ).toBe('warn');
  });
  it('still applies in a container (net.* is per namespace)', () => {
    const result = runCheck('sysctl-network', (input) => {
      input.target.container = true;
      input.facts.sysctl!['net.ipv4.tcp_syncookies'] = '0';
    });
    expect(result.status).toBe('fail');
  });
});

describe('sysctl-kernel', () => {
  it('passes with hardened values', () => {
    expect(runCheck('sysctl-kernel').status).toBe('pass');
  });
  it('fails naming the key', () => {
    const result = runCheck('sysctl-kernel', (input) => {
      input.facts.sysctl!['kernel.randomize_va_space'] = '0';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'kernel.randomize_va_space = 0 (want 2)' });
  });
  it('is n/a in a container even with weak values', () => {
    const result = runCheck('sysctl-kernel', (input) => {
      input.target.container = true;
      input.facts.sysctl!['kernel.randomize_va_space'] = '0';
    });
    expect(result).toMatchObject({ status: 'na', message: expect.stringContaining("host's kernel") });
  });
  it('warns when sysctl could not be read', () => {
    expect(runCheck('sysctl-kernel', (input) => sectionFailed(input, 'sysctl')).status).toBe('warn');
  });
});

describe('time-sync', () => {
  it('passes with one synchronized daemon', () => {
    expect(runCheck('time-sync')).toMatchObject({ status: 'pass', message: 'systemd-timesyncd keeps the clock synchronized' });
  });
  it('fails with two daemons, naming them', () => {
    const result = runCheck('time-sync', (input) => {
      input.facts.time!.ntp_services = ['chronyd', 'ntpd'];
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('chronyd, ntpd') });
  });
  it('fails when not synchronized', () => {
    const result = runCheck('time-sync', (input) => {
      input.facts.time!.synchronized = false;
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('not synchronized') });
  });
  it('fails without a daemon', () => {
    expect(
      runCheck('time-sync', (input) => {
        input.facts.time!.ntp_services = [];
      }).status,
    ).toBe('fail');
  });
  it('is n/a in a container', () => {
    expect(
      runCheck('time-sync', (input) => {
        input.target.container = true;
      }).status,
    ).toBe('na');
  });
  it('warns when time is missing', () => {
    expect(runCheck('time-sync', (input) => sectionFailed(input, 'time')).status).toBe('warn');
  });
});

describe('logging', () => {
  it('passes with journald and a logrotate entry for the app', () => {
    expect(runCheck('logging')).toMatchObject({ status: 'pass', message: expect.stringContaining('/etc/logrotate.d/mysite') });
  });
  it('fails when journald is not active', () => {
    expect(
      runCheck('logging', (input) => {
        input.facts.logging!.journald_active = false;
      }),
    ).toMatchObject({ status: 'fail', message: 'systemd-journald is not active' });
  });
  it('fails when logrotate is missing', () => {
    expect(
      runCheck('logging', (input) => {
        input.facts.logging!.logrotate_installed = false;
      }).status,
    ).toBe('fail');
  });
  it('warns when there is no app entry and no app service', () => {
    const result = runCheck('logging', (input) => {
      input.facts.logging!.logrotate_configs = ['/etc/logrotate.d/nginx'];
      delete input.facts.services!['mysite'];
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('no /etc/logrotate.d entry') });
  });
  it('warns when logging facts are missing', () => {
    expect(runCheck('logging', (input) => sectionFailed(input, 'logging')).status).toBe('warn');
  });
});
