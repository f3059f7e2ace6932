import type { Facts } from '../../../src/facts/schema.js';
import type { CompareOptions } from '../../../src/parity/compare.js';

/** A small production-like system; tests copy it and change one thing. */
export function hostFacts(): Facts {
  return {
    schema: 'devenv.facts/v1',
    collected_at: '2025-01-01T00:00:00Z',
    source: 'devenv',
    target: { kind: 'ssh', name: 'ops@web1', container: false },
    errors: {},
    missing: [],
    platform: {
      os: { id: 'debian', version_id: '12', codename: 'bookworm' },
      kernel: '6.1.0-18-amd64',
      arch: 'amd64',
      hostname: 'web1',
      machine_id: 'aaaa',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: 'systemd',
    },
    resources: { cpus: 4, memory_bytes: 8 * 1024 ** 3 },
    apt_sources: [
      { type: 'deb', archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { type: 'deb', archive: 'debian-security', suites: ['bookworm-security'], components: ['main'] },
    ],
    packages: {
      deb: {
        nginx: { version: '1.22.1-9', arch: 'amd64', status: 'ii', manual: true },
        'python3-venv': { version: '3.11.2-1+b1', arch: 'amd64', status: 'ii', manual: true },
        'linux-image-amd64': { version: '6.1.76-1', arch: 'amd64', status: 'ii', manual: true },
      },
    },
    runtimes: { python: { '/srv/mysite/venv': { python: '/usr/bin/python3.11', packages: { django: '4.2.16', gunicorn: '22.0.0' } } } },
    accounts: {
      users: {
        root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: ['root'] },
        mysite: { uid: 998, gid: 998, home: '/srv/mysite', shell: '/usr/sbin/nologin', groups: ['mysite'] },
        ops: { uid: 1000, gid: 1000, home: '/home/ops', shell: '/bin/bash', groups: ['ops', 'sudo'] },
      },
      groups: { root: { gid: 0, members: [] }, mysite: { gid: 998, members: [] }, ops: { gid: 1000, members: [] }, sudo: { gid: 27, members: ['ops'] } },
    },
    services: {
      nginx: { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure', unit_sha256: 'n1' },
      mysite: { enabled: 'enabled', active: 'active', user: 'mysite', restart: 'always', unit_sha256: 'm1' },
      'systemd-timesyncd': { enabled: 'enabled', active: 'active', user: 'root', restart: 'always' },
      'getty@tty1': { enabled: 'enabled', active: 'active', user: 'root', restart: 'always' },
      'user@1000': { enabled: 'static', active: 'active', user: 'root', restart: 'no' },
    },
    listeners: {
      sockets: [
        { protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx', user: 'root' },
        { protocol: 'tcp', address: '10.0.0.5', port: 22, process: 'sshd', user: 'root' },
        { protocol: 'udp', address: '0.0.0.0', port: 68, process: 'dhclient', user: 'root' },
      ],
      unix: [
        { path: '/run/mysite/gunicorn.sock', mode: '0660', owner: 'mysite', group: 'www-data', process: 'gunicorn' },
        { path: '/run/user/1000/bus', mode: '0666', owner: 'ops', group: 'ops' },
      ],
    },
    files: {
      '/etc/nginx/sites-available/mysite': { type: 'file', sha256: 'h-puppet', sha256_unmanaged: 'same', mode: '0644', owner: 'root', group: 'root' },
      '/etc/mysite/secrets.env': { type: 'file', mode: '0640', owner: 'root', group: 'mysite', fingerprint: 'fp-prod' },
      '/etc/ssh/sshd_config': { type: 'file', sha256: 's1', sha256_unmanaged: 's1', mode: '0644', owner: 'root', group: 'root' },
      '/etc/passwd': { type: 'file', sha256: 'p1', sha256_unmanaged: 'p1', mode: '0644', owner: 'root', group: 'root' },
    },
    sysctl: { 'net.ipv4.tcp_syncookies': '1', 'kernel.randomize_va_space': '2' },
    time: { timezone: 'Europe/Paris', ntp_services: ['systemd-timesyncd'], synchronized: true },
    locale: { lang: 'en_US.UTF-8' },
    ssh: { permitrootlogin: 'no', passwordauthentication: 'no' },
    firewall: { backend: 'nftables', default_input: 'drop', rules_sha256: 'r1', readable: true },
    env: { mysite: { names: ['DJANGO_SETTINGS_MODULE', 'SECRET_KEY'], fingerprints: { DJANGO_SETTINGS_MODULE: 'a', SECRET_KEY: 'b' } } },
    security_updates: { unattended_upgrades_installed: true, periodic_unattended_upgrade: '1' },
    fail2ban: { installed: true, active: true, jails: ['sshd'] },
    logging: { journald_active: true, logrotate_installed: true, logrotate_configs: ['/etc/logrotate.d/nginx'] },
  };
}

/** The same system as a Docker container: what must differ does. */
export function containerFacts(): Facts {
  const facts = hostFacts();
  facts.target = { kind: 'docker', name: 'mysite', container: true };
  facts.platform = {
    ...facts.platform!,
    kernel: '6.8.0-generic',
    hostname: 'c0ffee',
    machine_id: 'bbbb',
    virtualization: { kind: 'container', tech: 'docker' },
  };
  facts.resources = { cpus: 16, memory_bytes: 64 * 1024 ** 3 };
  facts.files!['/etc/nginx/sites-available/mysite'] = { ...facts.files!['/etc/nginx/sites-available/mysite']!, sha256: 'h-devenv', sha256_unmanaged: 'same' };
  facts.files!['/etc/mysite/secrets.env'] = { ...facts.files!['/etc/mysite/secrets.env']!, fingerprint: 'fp-dev' };
  facts.listeners = {
    sockets: [
      { protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx', user: 'root' },
      { protocol: 'tcp', address: '172.17.0.2', port: 22, process: 'sshd', user: 'root' },
    ],
    unix: [{ path: '/run/mysite/gunicorn.sock', mode: '0660', owner: 'mysite', group: 'www-data', process: 'gunicorn' }],
  };
  facts.services = { ...facts.services! };
  facts.services['systemd-timesyncd'] = { enabled: 'enabled', active: 'inactive', user: 'root', restart: 'always', condition_failed: true };
  facts.services['getty@tty1'] = { enabled: 'enabled', active: 'inactive', user: 'root', restart: 'always', condition_failed: true };
  delete facts.services['user@1000'];
  facts.sysctl = { 'net.ipv4.tcp_syncookies': '1', 'kernel.randomize_va_space': '0' };
  facts.time = { timezone: 'Europe/Paris', ntp_services: [] };
  facts.firewall = { backend: 'nftables', default_input: 'unknown', readable: false };
  return facts;
}

export const OPTIONS: CompareOptions = {
  ignore: [],
  declaredUsers: ['mysite'],
  secretPaths: ['/etc/mysite/secrets.env'],
  managedPaths: ['/etc/nginx/sites-available/mysite'],
};
