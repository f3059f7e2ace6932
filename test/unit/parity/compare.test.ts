import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/schema.js';
import { compareFacts, hasDriftAtOrAbove, type Drift } from '../../../src/parity/compare.js';
import { OPTIONS, containerFacts, hostFacts } from './fixtures.js';

/** Production as reference, the container as actual, after one planted change. */
function driftOf(mutate: (reference: Facts, actual: Facts) => void, options = OPTIONS): Drift[] {
  const reference = hostFacts();
  const actual = containerFacts();
  mutate(reference, actual);
  return compareFacts(reference, actual, options).drift;
}

function find(drift: Drift[], path: string): Drift | undefined {
  return drift.find((d) => d.path === path);
}

describe('compareFacts: a container built from the same manifests', () => {
  const result = compareFacts(hostFacts(), containerFacts(), OPTIONS);

  it('has no error-level drift: what must differ between a container and a host is info', () => {
    expect(result.drift.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.summary.error).toBe(0);
  });

  it.each([
    ['platform.hostname'],
    ['platform.machine_id'],
    ['platform.kernel'],
    ['platform.virtualization'],
    ['resources.cpus'],
    ['resources.memory_bytes'],
    ['sysctl.kernel.randomize_va_space'],
    ['time.ntp_services'],
    ['firewall.readable'],
    ['services.systemd-timesyncd.active'],
    ['services.getty@tty1.active'],
    ['services.user@1000'],
    ['listeners.tcp.10.0.0.5:22'],
    ['listeners.udp.0.0.0.0:68'],
    ['listeners.unix./run/user/1000/bus'],
  ])('reports %s as info, never as a pass or an error', (path) => {
    expect(find(result.drift, path)).toMatchObject({ severity: 'info' });
  });

  it('does not compare secret contents or files whose only difference is a management header', () => {
    expect(result.drift.filter((d) => d.path.startsWith('files.'))).toEqual([]);
  });
});

describe('compareFacts: one planted difference, one severity rule each', () => {
  const cases: [string, (r: Facts, a: Facts) => void, Partial<Drift>][] = [
    [
      'OS id',
      (_r, a) => {
        a.platform!.os.id = 'ubuntu';
      },
      { path: 'platform.os.id', kind: 'changed', severity: 'error' },
    ],
    [
      'OS major version',
      (_r, a) => {
        a.platform!.os.version_id = '13';
        a.platform!.os.codename = 'trixie';
      },
      { path: 'platform.os.version_id', severity: 'error', expected: '12', actual: '13' },
    ],
    [
      'OS point release',
      (r, a) => {
        r.platform!.os.version_id = '12.5';
        a.platform!.os.version_id = '12.7';
      },
      { path: 'platform.os.version_id', severity: 'warning' },
    ],
    [
      'architecture',
      (_r, a) => {
        a.platform!.arch = 'arm64';
      },
      { path: 'platform.arch', severity: 'error' },
    ],
    [
      'PID 1',
      (_r, a) => {
        a.platform!.pid1 = 'tini';
      },
      { path: 'platform.pid1', severity: 'warning' },
    ],
    [
      'an apt source only in production',
      (_r, a) => {
        a.apt_sources!.pop();
      },
      { path: 'apt_sources.deb.debian-security/bookworm-security/main', kind: 'missing', severity: 'error' },
    ],
    [
      'a package at another version',
      (_r, a) => {
        a.packages!.deb['nginx']!.version = '1.22.1-9+deb12u1';
      },
      { path: 'packages.deb.nginx', kind: 'changed', expected: '1.22.1-9', actual: '1.22.1-9+deb12u1', severity: 'error' },
    ],
    [
      'a package only in production',
      (_r, a) => {
        delete a.packages!.deb['python3-venv'];
      },
      { path: 'packages.deb.python3-venv', kind: 'missing', severity: 'error' },
    ],
    [
      'a package only here',
      (_r, a) => {
        a.packages!.deb['gcc'] = { version: '4:12.2.0-3', arch: 'amd64', status: 'ii' };
      },
      { path: 'packages.deb.gcc', kind: 'extra', severity: 'error' },
    ],
    [
      'a held package (other skew)',
      (_r, a) => {
        a.packages!.deb['nginx']!.status = 'hi';
      },
      { path: 'packages.deb.nginx.status', severity: 'warning' },
    ],
    [
      'a venv package at another version',
      (_r, a) => {
        a.runtimes!.python!['/srv/mysite/venv']!.packages['django'] = '4.2.17';
      },
      { path: 'runtimes.python./srv/mysite/venv.django', kind: 'changed', severity: 'error' },
    ],
    [
      'a venv interpreter',
      (_r, a) => {
        a.runtimes!.python!['/srv/mysite/venv']!.python = '/usr/local/bin/python3.12';
      },
      { path: 'runtimes.python./srv/mysite/venv.python', severity: 'warning' },
    ],
    [
      'a declared user with another shell',
      (_r, a) => {
        a.accounts!.users['mysite']!.shell = '/bin/bash';
      },
      { path: 'accounts.users.mysite.shell', kind: 'changed', severity: 'error' },
    ],
    [
      'a declared user with another uid',
      (_r, a) => {
        a.accounts!.users['mysite']!.uid = 999;
      },
      { path: 'accounts.users.mysite.uid', severity: 'error' },
    ],
    [
      'a declared user missing',
      (_r, a) => {
        delete a.accounts!.users['mysite'];
      },
      { path: 'accounts.users.mysite', kind: 'missing', severity: 'error' },
    ],
    [
      'a declared user in another home',
      (_r, a) => {
        a.accounts!.users['mysite']!.home = '/home/mysite';
      },
      { path: 'accounts.users.mysite.home', severity: 'warning' },
    ],
    [
      'an undeclared user with another uid',
      (_r, a) => {
        a.accounts!.users['ops']!.uid = 1001;
      },
      { path: 'accounts.users.ops.uid', severity: 'warning' },
    ],
    [
      'an undeclared user with another shell',
      (_r, a) => {
        a.accounts!.users['ops']!.shell = '/bin/sh';
      },
      { path: 'accounts.users.ops.shell', severity: 'warning' },
    ],
    [
      'an extra undeclared user',
      (_r, a) => {
        a.accounts!.users['intruder'] = { uid: 1002, gid: 1002, home: '/home/intruder', shell: '/bin/bash', groups: [] };
      },
      { path: 'accounts.users.intruder', kind: 'extra', severity: 'warning' },
    ],
    [
      'a declared group with another gid',
      (_r, a) => {
        a.accounts!.groups['mysite']!.gid = 990;
      },
      { path: 'accounts.groups.mysite.gid', severity: 'error' },
    ],
    [
      'a stopped service',
      (_r, a) => {
        a.services!['nginx']!.active = 'inactive';
      },
      { path: 'services.nginx.active', kind: 'changed', expected: 'active', actual: 'inactive', severity: 'error' },
    ],
    [
      'a disabled service',
      (_r, a) => {
        a.services!['mysite']!.enabled = 'disabled';
      },
      { path: 'services.mysite.enabled', severity: 'error' },
    ],
    [
      'a service running as another user',
      (_r, a) => {
        a.services!['mysite']!.user = 'root';
      },
      { path: 'services.mysite.user', severity: 'error' },
    ],
    [
      'a service missing',
      (_r, a) => {
        delete a.services!['mysite'];
      },
      { path: 'services.mysite', kind: 'missing', severity: 'error' },
    ],
    [
      'a unit file edited',
      (_r, a) => {
        a.services!['nginx']!.unit_sha256 = 'n2';
      },
      { path: 'services.nginx.unit_sha256', severity: 'warning' },
    ],
    [
      'an extra listening port',
      (_r, a) => {
        a.listeners!.sockets.push({ protocol: 'tcp', address: '0.0.0.0', port: 8080, process: 'python3' });
      },
      { path: 'listeners.tcp.0.0.0.0:8080', kind: 'extra', severity: 'error' },
    ],
    [
      'an IPv6 wildcard listener in a container without IPv6',
      (r) => {
        r.listeners!.sockets.push({ protocol: 'tcp', address: '::', port: 80, process: 'nginx' });
      },
      { path: 'listeners.tcp.[::]:80', kind: 'missing', severity: 'info' },
    ],
    [
      'a port no longer listening',
      (_r, a) => {
        a.listeners!.sockets.shift();
      },
      { path: 'listeners.tcp.0.0.0.0:80', kind: 'missing', severity: 'error' },
    ],
    [
      'an app socket missing',
      (_r, a) => {
        a.listeners!.unix = [];
      },
      { path: 'listeners.unix./run/mysite/gunicorn.sock', kind: 'missing', severity: 'error' },
    ],
    [
      'an app socket with another mode',
      (_r, a) => {
        a.listeners!.unix[0]!.mode = '0666';
      },
      { path: 'listeners.unix./run/mysite/gunicorn.sock.mode', severity: 'warning' },
    ],
    [
      'a managed file changed',
      (_r, a) => {
        a.files!['/etc/nginx/sites-available/mysite']!.sha256_unmanaged = 'other';
      },
      { path: 'files./etc/nginx/sites-available/mysite.sha256', kind: 'changed', severity: 'error' },
    ],
    [
      'a managed file with another mode',
      (_r, a) => {
        a.files!['/etc/nginx/sites-available/mysite']!.mode = '0600';
      },
      { path: 'files./etc/nginx/sites-available/mysite.mode', severity: 'error' },
    ],
    [
      'a managed file missing',
      (_r, a) => {
        a.files!['/etc/nginx/sites-available/mysite'] = { type: 'absent' };
      },
      { path: 'files./etc/nginx/sites-available/mysite', kind: 'missing', severity: 'error' },
    ],
    [
      'a secret readable by all',
      (_r, a) => {
        a.files!['/etc/mysite/secrets.env']!.mode = '0644';
      },
      { path: 'files./etc/mysite/secrets.env.mode', severity: 'warning' },
    ],
    [
      'an unmanaged sensitive file changed',
      (_r, a) => {
        a.files!['/etc/ssh/sshd_config']!.sha256_unmanaged = 's2';
      },
      { path: 'files./etc/ssh/sshd_config.sha256', severity: 'warning' },
    ],
    [
      '/etc/passwd content (accounts say what)',
      (_r, a) => {
        a.files!['/etc/passwd']!.sha256_unmanaged = 'p2';
      },
      { path: 'files./etc/passwd.sha256', severity: 'info' },
    ],
    [
      'a namespaced sysctl',
      (_r, a) => {
        a.sysctl!['net.ipv4.tcp_syncookies'] = '0';
      },
      { path: 'sysctl.net.ipv4.tcp_syncookies', severity: 'warning' },
    ],
    [
      'another timezone',
      (_r, a) => {
        a.time!.timezone = 'Etc/UTC';
      },
      { path: 'time.timezone', kind: 'changed', expected: 'Europe/Paris', actual: 'Etc/UTC', severity: 'error' },
    ],
    [
      'another locale',
      (_r, a) => {
        a.locale!.lang = 'C.UTF-8';
      },
      { path: 'locale.lang', severity: 'error' },
    ],
    [
      'an sshd setting',
      (_r, a) => {
        a.ssh!['permitrootlogin'] = 'yes';
      },
      { path: 'ssh.permitrootlogin', severity: 'warning' },
    ],
    [
      'an env name missing',
      (_r, a) => {
        a.env!['mysite'] = { names: ['DJANGO_SETTINGS_MODULE'], fingerprints: {} };
      },
      { path: 'env.mysite.SECRET_KEY', kind: 'missing', severity: 'error' },
    ],
    [
      'an extra env name',
      (_r, a) => {
        a.env!['mysite']!.names.push('DEBUG');
      },
      { path: 'env.mysite.DEBUG', kind: 'extra', severity: 'warning' },
    ],
    [
      'unattended upgrades off',
      (_r, a) => {
        a.security_updates!.unattended_upgrades_installed = false;
      },
      { path: 'security_updates.unattended_upgrades_installed', severity: 'warning' },
    ],
    [
      'fail2ban without its jail',
      (_r, a) => {
        a.fail2ban!.jails = [];
      },
      { path: 'fail2ban.jails', severity: 'warning' },
    ],
    [
      'a section the environment could not collect',
      (_r, a) => {
        delete a.packages;
        a.errors['packages'] = 'dpkg-query not found';
      },
      { path: 'packages', kind: 'missing', severity: 'warning' },
    ],
    [
      'a section the reference has no data for (importer)',
      (r) => {
        delete r.packages;
        r.missing.push('packages');
        r.source = 'facter';
      },
      { path: 'packages', kind: 'extra', severity: 'info' },
    ],
  ];

  it.each(cases)('%s', (_name, mutate, expected) => {
    const drift = driftOf(mutate);
    expect(find(drift, expected.path!)).toMatchObject(expected);
    expect(find(drift, expected.path!)!.message).toMatch(/\S/);
  });

  it('reports a secret by owner and mode only, never its content or fingerprint', () => {
    const drift = driftOf((_r, a) => {
      a.files!['/etc/mysite/secrets.env']!.fingerprint = 'fp-same-as-prod?';
      a.files!['/etc/mysite/secrets.env']!.sha256 = 'leak';
    });
    expect(drift.filter((d) => d.path.startsWith('files./etc/mysite/secrets.env'))).toEqual([]);
  });

  it('between two hosts, firewall, time sync and sizing are warnings, not info', () => {
    const actual = hostFacts();
    actual.firewall!.default_input = 'accept';
    actual.time!.ntp_services = [];
    actual.resources!.cpus = 2;
    const drift = compareFacts(hostFacts(), actual, OPTIONS).drift;
    expect(find(drift, 'firewall.default_input')?.severity).toBe('warning');
    expect(find(drift, 'time.ntp_services')?.severity).toBe('warning');
    expect(find(drift, 'resources.cpus')?.severity).toBe('warning');
  });
});

describe('parity.ignore', () => {
  it('drops matching drift and counts it', () => {
    const actual = containerFacts();
    actual.packages!.deb['linux-image-amd64']!.version = '6.1.90-1';
    const plain = compareFacts(hostFacts(), actual, OPTIONS);
    const ignored = compareFacts(hostFacts(), actual, { ...OPTIONS, ignore: ['packages.deb.linux-image-*', 'kernel.*'] });
    expect(find(plain.drift, 'packages.deb.linux-image-amd64')).toBeDefined();
    expect(find(ignored.drift, 'packages.deb.linux-image-amd64')).toBeUndefined();
    expect(find(ignored.drift, 'sysctl.kernel.randomize_va_space')).toBeUndefined();
    expect(ignored.summary.ignored).toBe(2);
    expect(ignored.drift.length).toBe(plain.drift.length - 2);
  });

  it('accepts the short packages.NAME form of DESIGN.md', () => {
    const actual = containerFacts();
    actual.packages!.deb['linux-image-amd64']!.version = '6.1.90-1';
    expect(compareFacts(hostFacts(), actual, { ...OPTIONS, ignore: ['packages.linux-image-*'] }).summary.ignored).toBe(1);
  });
});

describe('the fail-on threshold', () => {
  it('is crossed by an error for error, by a warning for warning', () => {
    const warningOnly = compareFacts(
      hostFacts(),
      (() => {
        const a = hostFacts();
        a.ssh!['x11forwarding'] = 'yes';
        return a;
      })(),
      OPTIONS,
    );
    expect(hasDriftAtOrAbove(warningOnly, 'error')).toBe(false);
    expect(hasDriftAtOrAbove(warningOnly, 'warning')).toBe(true);
    expect(compareFacts(hostFacts(), hostFacts(), OPTIONS)).toEqual({ summary: { error: 0, warning: 0, info: 0, ignored: 0 }, drift: [] });
  });
});

describe('speed', () => {
  it('compares two systems of 5,000 packages each in well under 100 ms', () => {
    const reference = hostFacts();
    const actual = containerFacts();
    for (let i = 0; i < 5000; i++) {
      reference.packages!.deb[`pkg-${i}`] = { version: `1.${i}`, arch: 'amd64', status: 'ii' };
      actual.packages!.deb[`pkg-${i}`] = { version: i % 100 === 0 ? `2.${i}` : `1.${i}`, arch: 'amd64', status: 'ii' };
    }
    compareFacts(reference, actual, OPTIONS);
    const started = performance.now();
    const result = compareFacts(reference, actual, OPTIONS);
    const elapsed = performance.now() - started;
    console.info(`compareFacts, 5,000 + 5,000 packages: ${elapsed.toFixed(1)} ms`);
    expect(result.drift.filter((d) => d.path.startsWith('packages.deb.pkg-'))).toHaveLength(50);
    expect(elapsed).toBeLessThan(100);
  });
});
