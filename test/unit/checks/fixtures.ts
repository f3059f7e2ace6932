import type { Facts } from '../../../src/facts/schema.js';
import type { CheckId } from '../../../src/core/checklist-ids.js';
import { runChecklist } from '../../../src/checks/runner.js';
import type { CheckInput, CheckResult } from '../../../src/checks/types.js';

/**
 * A hardened staging host that passes every check. Tests weaken exactly one
 * thing through `mutate` and assert the matching check notices.
 */
export function hardenedFacts(): Facts {
  return {
    schema: 'devenv.facts/v1',
    collected_at: '2024-05-01T12:00:00Z',
    source: 'devenv',
    target: { kind: 'ssh', name: 'ops@staging.example.com', container: false },
    errors: {},
    missing: [],
    platform: {
      os: { id: 'debian', version_id: '12', codename: 'bookworm' },
      kernel: '6.1.0-21-amd64',
      arch: 'amd64',
      hostname: 'staging',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: 'systemd',
    },
    packages: {
      deb: {
        'openssh-server': { version: '1:9.2p1-2+deb12u2', arch: 'amd64', status: 'ii' },
        nginx: { version: '1.22.1-9', arch: 'amd64', status: 'ii' },
        python3: { version: '3.11.2-1+b1', arch: 'amd64', status: 'ii' },
        'unattended-upgrades': { version: '2.9.1+nmu3', arch: 'all', status: 'ii' },
        fail2ban: { version: '1.0.2-2', arch: 'all', status: 'ii' },
        logrotate: { version: '3.21.0-1', arch: 'amd64', status: 'ii' },
        // Removed with config files left behind: not installed, must not count.
        gcc: { version: '4:12.2.0-3', arch: 'amd64', status: 'rc' },
      },
    },
    runtimes: {
      python: {
        '/srv/mysite/venv': { python: '/usr/bin/python3', packages: { django: '4.2.16', gunicorn: '22.0.0', pip: '23.0.1', setuptools: '66.1.1' } },
      },
    },
    accounts: {
      users: {
        root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: ['root'] },
        mysite: { uid: 998, gid: 998, home: '/srv/mysite', shell: '/usr/sbin/nologin', groups: ['mysite'] },
        'www-data': { uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', groups: ['www-data'] },
        ops: { uid: 1000, gid: 1000, home: '/home/ops', shell: '/bin/bash', groups: ['ops', 'sudo'] },
      },
      groups: {
        root: { gid: 0, members: [] },
        sudo: { gid: 27, members: ['ops'] },
        docker: { gid: 120, members: [] },
        'www-data': { gid: 33, members: [] },
        mysite: { gid: 998, members: [] },
        ops: { gid: 1000, members: [] },
      },
    },
    services: {
      mysite: { enabled: 'enabled', active: 'active', user: 'mysite', restart: 'on-failure', main_pid: 200 },
      nginx: { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure', main_pid: 100 },
      ssh: { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure', main_pid: 50 },
      fail2ban: { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure', main_pid: 60 },
      'systemd-journald': { enabled: 'static', active: 'active', user: 'root', restart: 'always', main_pid: 20 },
      'systemd-timesyncd': { enabled: 'enabled', active: 'active', user: 'systemd-timesync', restart: 'always', main_pid: 30 },
    },
    listeners: {
      sockets: [
        { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', pid: 50, user: 'root' },
        { protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx', pid: 100, user: 'root' },
        { protocol: 'tcp', address: '[::]', port: 443, process: 'nginx', pid: 100, user: 'root' },
        { protocol: 'tcp', address: '127.0.0.1', port: 5432, process: 'postgres', pid: 300, user: 'postgres' },
        { protocol: 'udp', address: '127.0.0.53%lo', port: 53, process: 'systemd-resolve', pid: 40, user: 'systemd-resolve' },
      ],
      unix: [{ path: '/run/mysite/gunicorn.sock', mode: '0660', owner: 'mysite', group: 'www-data', process: 'gunicorn', user: 'mysite' }],
    },
    processes: [
      { pid: 1, ppid: 0, user: 'root', comm: 'systemd', args: '/sbin/init' },
      { pid: 20, ppid: 1, user: 'root', comm: 'systemd-journal', args: '/lib/systemd/systemd-journald' },
      { pid: 50, ppid: 1, user: 'root', comm: 'sshd', args: 'sshd: /usr/sbin/sshd -D' },
      { pid: 100, ppid: 1, user: 'root', comm: 'nginx', args: 'nginx: master process /usr/sbin/nginx' },
      { pid: 101, ppid: 100, user: 'www-data', comm: 'nginx', args: 'nginx: worker process' },
      { pid: 200, ppid: 1, user: 'mysite', comm: 'gunicorn', args: '/srv/mysite/venv/bin/python /srv/mysite/venv/bin/gunicorn mysite.wsgi' },
      { pid: 201, ppid: 200, user: 'mysite', comm: 'gunicorn', args: '/srv/mysite/venv/bin/python /srv/mysite/venv/bin/gunicorn mysite.wsgi' },
      { pid: 300, ppid: 1, user: 'postgres', comm: 'postgres', args: '/usr/lib/postgresql/15/bin/postgres' },
    ],
    files: {
      '/etc/passwd': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/shadow': { type: 'file', mode: '640', owner: 'root', group: 'shadow' },
      '/etc/group': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/gshadow': { type: 'file', mode: '640', owner: 'root', group: 'shadow' },
      '/etc/mysite/secrets.env': { type: 'file', mode: '640', owner: 'root', group: 'mysite', fingerprint: 'fp:staging-secrets-file' },
      '/srv/mysite/app': { type: 'directory', mode: '755', owner: 'root', group: 'root' },
      '/etc/nginx/sites-available/mysite': { type: 'file', mode: '644', owner: 'root', group: 'root', devenv_header: true },
    },
    sysctl: {
      'net.ipv4.conf.all.accept_redirects': '0',
      'net.ipv4.conf.default.accept_redirects': '0',
      'net.ipv6.conf.all.accept_redirects': '0',
      'net.ipv4.conf.all.secure_redirects': '0',
      'net.ipv4.conf.all.send_redirects': '0',
      'net.ipv4.conf.all.accept_source_route': '0',
      'net.ipv6.conf.all.accept_source_route': '0',
      'net.ipv4.tcp_syncookies': '1',
      'net.ipv4.conf.all.rp_filter': '2',
      'net.ipv4.icmp_echo_ignore_broadcasts': '1',
      'kernel.kptr_restrict': '1',
      'kernel.dmesg_restrict': '1',
      'kernel.randomize_va_space': '2',
      'kernel.yama.ptrace_scope': '1',
      'kernel.unprivileged_bpf_disabled': '2',
      'fs.protected_hardlinks': '1',
      'fs.protected_symlinks': '1',
      'fs.suid_dumpable': '0',
    },
    time: { timezone: 'Etc/UTC', ntp_services: ['systemd-timesyncd'], synchronized: true },
    locale: { lang: 'C.UTF-8' },
    ssh: {
      permitrootlogin: 'no',
      passwordauthentication: 'no',
      kbdinteractiveauthentication: 'no',
      maxauthtries: '3',
      x11forwarding: 'no',
    },
    firewall: { backend: 'nftables', default_input: 'drop', rules_sha256: 'abc', readable: true },
    env: {
      // Settings are fingerprinted too and are meant to equal production's.
      mysite: {
        names: ['DJANGO_SETTINGS_MODULE', 'SECRET_KEY'],
        fingerprints: { DJANGO_SETTINGS_MODULE: 'fp:settings-module', SECRET_KEY: 'fp:staging-secret-key' },
      },
    },
    security_updates: { unattended_upgrades_installed: true, periodic_unattended_upgrade: '1' },
    fail2ban: { installed: true, active: true, jails: ['sshd'] },
    logging: { journald_active: true, logrotate_installed: true, logrotate_configs: ['/etc/logrotate.d/nginx', '/etc/logrotate.d/mysite'] },
  };
}

/** Production: the same system with its own secrets. */
export function productionFacts(): Facts {
  const facts = hardenedFacts();
  facts.target = { kind: 'ssh', name: 'ops@prod.example.com', container: false };
  facts.files!['/etc/mysite/secrets.env']!.fingerprint = 'fp:production-secrets-file';
  facts.env!['mysite']!.fingerprints['SECRET_KEY'] = 'fp:production-secret-key';
  return facts;
}

export function hardenedInput(mutate?: (input: CheckInput) => void): CheckInput {
  const input: CheckInput = {
    facts: hardenedFacts(),
    checklist: {
      app_user: 'mysite',
      allowed_ports: [22, 80, 443],
      datastore_ports: [3306, 5432, 6379, 11211, 27017, 9200],
      secrets: ['/etc/mysite/secrets.env'],
      app_services: [],
      app_paths: ['/srv/mysite/app'],
      skip: {},
    },
    appName: 'mysite',
    declared: {
      managedFiles: ['/etc/nginx/sites-available/mysite'],
      filePaths: ['/etc/nginx/sites-available/mysite', '/etc/nginx/sites-enabled/mysite'],
      pythonPins: [
        { venv: '/srv/mysite/venv', name: 'Django', ensure: '4.2.16' },
        { venv: '/srv/mysite/venv', name: 'gunicorn', ensure: '22.0.0' },
      ],
      aptPins: [
        { name: 'nginx', ensure: '1.22.1-9' },
        { name: 'python3', ensure: 'present' },
      ],
      services: ['mysite', 'nginx'],
    },
    production: productionFacts(),
    parity: { summary: { error: 0 }, drift: [] },
    target: { kind: 'ssh', name: 'ops@staging.example.com', container: false },
  };
  mutate?.(input);
  return input;
}

/** The result of one check over the hardened input, weakened by `mutate`. */
export function runCheck(id: CheckId, mutate?: (input: CheckInput) => void): CheckResult {
  const report = runChecklist(hardenedInput(mutate), { only: [id] });
  const result = report.results[0];
  if (!result || report.results.length !== 1) throw new Error(`expected exactly one result for ${id}`);
  return result;
}

/** Marks a section as failed by the collector, the way facts record it. */
export function sectionFailed(input: CheckInput, section: keyof Facts, reason = 'permission denied'): void {
  input.facts.errors[section] = reason;
  delete (input.facts as Partial<Facts>)[section];
}
