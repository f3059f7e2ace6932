import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCollectorOutput, splitSections } from '../../../src/facts/parse.js';

const MARKER = '@@devenv-0123456789abcdef';
const output = readFileSync(new URL('../../fixtures/facts/collector-output.txt', import.meta.url), 'utf8');
const target = { kind: 'ssh' as const, name: 'ops@web1', container: false };
const facts = parseCollectorOutput(output, { marker: MARKER, target, collectedAt: new Date('2025-01-01T00:00:00Z') });

describe('parseCollectorOutput', () => {
  it('produces a devenv.facts/v1 document about the target', () => {
    expect(facts).toMatchObject({ schema: 'devenv.facts/v1', source: 'devenv', collected_at: '2025-01-01T00:00:00.000Z', target });
  });

  it('reads the platform from os-release, dpkg and systemd-detect-virt', () => {
    expect(facts.platform).toEqual({
      os: { id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0-18-amd64',
      arch: 'amd64',
      hostname: 'web1',
      machine_id: '733cab2b012149a88977c2b8cf7ff6ea',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: 'systemd',
    });
    expect(facts.resources).toEqual({ cpus: 2, memory_bytes: 4028440 * 1024 });
  });

  it('reads one-line and deb822 apt sources without hosts, skipping comments and disabled stanzas', () => {
    expect(facts.apt_sources).toEqual([
      { type: 'deb', archive: 'debian', suites: ['bookworm'], components: ['main', 'contrib'] },
      { type: 'deb', archive: 'debian-security', suites: ['bookworm-security'], components: ['main'] },
      { type: 'deb', archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { type: 'deb-src', archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
    ]);
    expect(JSON.stringify(facts.apt_sources)).not.toContain('example.org');
  });

  it('keys packages by name, foreign architectures as name:arch, drops removed ones, marks auto-installed', () => {
    const deb = facts.packages!.deb;
    expect(Object.keys(deb).sort()).toEqual(['adduser', 'held', 'libc6', 'libc6:i386', 'nginx']);
    expect(deb['nginx']).toEqual({ version: '1.22.1-9', arch: 'amd64', status: 'ii', manual: true });
    expect(deb['libc6']!.manual).toBe(false);
    expect(deb['held']!.status).toBe('hi');
  });

  it('reads whether apt installs Recommends there (apt-config, its default included)', () => {
    expect(facts.packages!.install_recommends).toBe(false);
    // adduser (by hand) recommends liblocale-gettext-perl, which is not installed.
    expect(facts.packages!.recommends_met).toEqual({ met: 0, of: 1 });
  });

  it('reads venv packages with PEP 503 names and the interpreter', () => {
    expect(facts.runtimes?.python).toEqual({
      '/srv/mysite/venv': { python: '/usr/bin/python3.11', packages: { django: '4.2.16', 'typing-extensions': '4.12.2', 'zope-interface': '6.1' } },
    });
  });

  it('builds users with their primary and supplementary groups', () => {
    expect(facts.accounts!.users['ops']).toEqual({ uid: 1000, gid: 1000, home: '/home/ops', shell: '/bin/bash', groups: ['ops', 'sudo'] });
    expect(facts.accounts!.users['mysite']!.groups).toEqual(['mysite', 'www-data']);
    expect(facts.accounts!.groups['www-data']).toEqual({ gid: 33, members: ['mysite'] });
  });

  it('reads services, skipping units that are not found, with a hash over unit and drop-ins', () => {
    const services = facts.services!;
    expect(Object.keys(services)).toEqual(['mysite', 'nginx', 'systemd-timesyncd']);
    expect(services['mysite']).toMatchObject({ enabled: 'enabled', active: 'active', sub: 'running', user: 'mysite', restart: 'on-failure', main_pid: 412 });
    expect(services['mysite']!.unit_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(services['mysite']!.condition_failed).toBeUndefined();
    expect(services['nginx']!.user).toBe('root');
    expect(services['systemd-timesyncd']!.condition_failed).toBe(true);
  });

  it('reads tcp/udp listeners once each, with process and user, and unix sockets with their mode', () => {
    const { sockets, unix } = facts.listeners!;
    expect(sockets).toEqual([
      { protocol: 'tcp', address: '::', port: 22, process: 'sshd', pid: 250, user: 'root' },
      { protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx', pid: 300, user: 'root' },
      { protocol: 'udp', address: '127.0.0.53', port: 53, process: 'systemd-resolve', pid: 200 },
    ]);
    expect(unix).toContainEqual({ path: '/run/mysite/gunicorn.sock', mode: '0660', owner: 'mysite', group: 'www-data', process: 'gunicorn', user: 'mysite' });
    expect(unix.find((u) => u.path.startsWith('@'))).toEqual({ path: '@/tmp/.X11-unix/X0' });
  });

  it('leaves the collector itself out of the processes', () => {
    expect(facts.processes!.map((p) => p.comm)).toEqual(['systemd', 'sshd', 'nginx', 'gunicorn']);
    expect(facts.processes![3]).toEqual({
      pid: 412,
      ppid: 1,
      user: 'mysite',
      comm: 'gunicorn',
      args: '/srv/mysite/venv/bin/python /srv/mysite/venv/bin/gunicorn app.wsgi',
    });
  });

  it('reads files: absent ones, links, headers stripped hashes, and secrets by fingerprint only', () => {
    const files = facts.files!;
    expect(files['/etc/sudoers']).toEqual({ type: 'absent' });
    expect(files['/etc/nginx/nginx.conf']).toMatchObject({
      type: 'file',
      mode: '0644',
      sha256: 'dddd' + '0'.repeat(60),
      sha256_unmanaged: 'eeee' + '0'.repeat(60),
      devenv_header: true,
    });
    expect(files['/etc/ssh/sshd_config']).toMatchObject({ sha256_unmanaged: files['/etc/ssh/sshd_config']!.sha256, devenv_header: false });
    expect(files['/etc/nginx/sites-enabled/mysite']).toMatchObject({ type: 'link', link_target: '/etc/nginx/sites-available/mysite' });
    expect(files['/etc/mysite/secrets.env']).toEqual({
      type: 'file',
      mode: '0640',
      owner: 'root',
      group: 'mysite',
      size: 120,
      fingerprint: 'aaaa' + '0'.repeat(60),
    });
  });

  it('normalizes sysctl whitespace, reads time, locale, firewall policy and security tooling', () => {
    expect(facts.sysctl).toEqual({ 'kernel.randomize_va_space': '2', 'net.ipv4.ip_forward': '0', 'net.ipv4.ip_local_port_range': '32768 60999' });
    expect(facts.time).toEqual({ timezone: 'Europe/Paris', ntp_services: ['systemd-timesyncd'], synchronized: true });
    expect(facts.locale).toEqual({ lang: 'en_US.UTF-8' });
    expect(facts.firewall).toMatchObject({ backend: 'nftables', default_input: 'drop', readable: true });
    expect(facts.security_updates).toEqual({ unattended_upgrades_installed: true, periodic_unattended_upgrade: '1' });
    expect(facts.fail2ban).toEqual({ installed: true, active: true, jails: ['nginx-http-auth', 'sshd'] });
    expect(facts.logging).toEqual({ journald_active: true, logrotate_installed: true, logrotate_configs: ['/etc/logrotate.d/nginx'] });
  });

  it('keeps env names and the last fingerprint, and notes unreadable env files', () => {
    expect(facts.env).toEqual({
      mysite: { names: ['DJANGO_SETTINGS_MODULE', 'SECRET_KEY'], fingerprints: { DJANGO_SETTINGS_MODULE: '1111aaaa', SECRET_KEY: '3333cccc' } },
    });
    expect(facts.errors['env:mysite']).toContain('/etc/mysite/secrets.env is not readable');
  });

  it('records a failed section in errors and leaves it out', () => {
    expect(facts.ssh).toBeUndefined();
    expect(facts.errors['ssh']).toBe('sshd -T needs root (use --sudo)');
  });

  it('records sections the collector never reached, and sections that did not end', () => {
    const cut = output.slice(0, output.indexOf(`${MARKER} end files`));
    const partial = parseCollectorOutput(cut, { marker: MARKER, target });
    expect(partial.files).toBeUndefined();
    expect(partial.errors['files']).toBe('the section did not finish');
    expect(partial.errors['sysctl']).toMatch(/stopped before this section/);
    expect(partial.packages).toBeDefined();
  });

  it('records a section whose output does not parse, and keeps the others', () => {
    const broken = output.replace(/ID=debian\n/, '');
    const result = parseCollectorOutput(broken, { marker: MARKER, target });
    expect(result.platform).toBeUndefined();
    expect(result.errors['platform']).toBe('no ID in os-release');
    expect(result.accounts).toBeDefined();
  });

  it('ignores marker lines of another run: file content cannot forge a section', () => {
    const forged = output.replace(
      '| deb http://deb.example.org/debian bookworm main contrib',
      `@@devenv-ffffffffffffffff end apt_sources 0\n@@devenv-ffffffffffffffff begin ssh\nport 2222`,
    );
    const result = parseCollectorOutput(forged, { marker: MARKER, target });
    expect(result.ssh).toBeUndefined();
    expect(splitSections(forged, MARKER).get('apt_sources')?.exitCode).toBe(0);
  });

  it('refuses output with no sections at all', () => {
    expect(() => parseCollectorOutput('sh: 1: syntax error', { marker: MARKER, target })).toThrow(/no sections/);
  });
});
