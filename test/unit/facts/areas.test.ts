import { describe, expect, it } from 'vitest';
import type { FactArea, ParseContext } from '../../../src/facts/areas/area.js';
import { FACT_AREAS, parseOrder } from '../../../src/facts/areas/index.js';
import { COLLECTOR_SECTIONS, FIRST_SECTIONS, collectorLanes, renderCollectorScript } from '../../../src/facts/collector-script.js';
import { FactsSchema } from '../../../src/facts/schema.js';
import { FACT_SECTIONS } from '../../../src/facts/sections.js';

/**
 * The fact areas in the pyinfra manner: per area, rows of {collector output →
 * facts}, fed to that area's own parser. The whole-document tests over real
 * collector output are parse.test.ts and wave2-parse.test.ts.
 */
const T = '\t';
const H = (c: string): string => c.repeat(64);
const area = (section: string): FactArea => {
  const found = FACT_AREAS.find((a) => a.section === section);
  if (!found) throw new Error(`no fact area ${section}`);
  return found;
};
const context = (): ParseContext => ({
  meta: { shellPid: 99 },
  processUsers: new Map([
    [410, 'root'],
    [777, 'app'],
  ]),
  errors: {},
});
const parse = (section: string, lines: string[], ctx = context()): unknown => area(section).parse({ lines, errors: [], exitCode: 0 }, ctx);

interface Row {
  section: string;
  name: string;
  lines: string[];
  facts: unknown;
}

const ROWS: Row[] = [
  {
    section: 'platform',
    name: 'a Debian VM',
    lines: [
      'ID=debian',
      'VERSION_ID="12"',
      'VERSION_CODENAME=bookworm',
      'kernel=6.1.0-18-amd64',
      'machine=x86_64',
      'hostname=web1',
      'virt_container=none',
      'virt_vm=kvm',
      'pid1=systemd',
    ],
    facts: {
      platform: {
        os: { id: 'debian', version_id: '12', codename: 'bookworm' },
        kernel: '6.1.0-18-amd64',
        arch: 'amd64',
        hostname: 'web1',
        virtualization: { kind: 'vm', tech: 'kvm' },
        pid1: 'systemd',
      },
    },
  },
  {
    section: 'platform',
    name: 'a docker container without systemd-detect-virt',
    lines: ['ID=debian', 'VERSION_ID=12', 'kernel=6.1', 'dpkg_arch=arm64', 'machine=aarch64', 'hostname=c', 'dockerenv=1', 'pid1=systemd'],
    facts: {
      platform: {
        os: { id: 'debian', version_id: '12' },
        kernel: '6.1',
        arch: 'arm64',
        hostname: 'c',
        virtualization: { kind: 'container', tech: 'docker' },
        pid1: 'systemd',
      },
    },
  },
  {
    section: 'resources',
    name: 'a cgroup limit below MemTotal wins',
    lines: ['cpus=4', 'MemTotal:       2000 kB', 'cgroup_memory_max=1024000'],
    facts: { resources: { cpus: 4, memory_bytes: 1024000 } },
  },
  {
    section: 'apt_sources',
    name: 'a one-line file and a deb822 file',
    lines: [
      'file /etc/apt/sources.list',
      '| deb http://deb.example/debian bookworm main',
      '',
      'file /etc/apt/sources.list.d/x.sources',
      '| Types: deb',
      '| URIs: http://deb.example/debian-security',
      '| Suites: bookworm-security',
      '| Components: main',
    ],
    facts: {
      apt_sources: [
        { type: 'deb', archive: 'debian', suites: ['bookworm'], components: ['main'] },
        { type: 'deb', archive: 'debian-security', suites: ['bookworm-security'], components: ['main'] },
      ],
    },
  },
  {
    section: 'packages',
    name: 'installed packages, a removed one left out, auto-installed marked',
    lines: [
      'native=amd64',
      "recommends=r='true'",
      `P${T}nginx${T}1.22${T}amd64${T}ii ${T}`,
      `P${T}gone${T}1${T}amd64${T}rc ${T}`,
      `P${T}libc6${T}2.36${T}i386${T}ii ${T}`,
      `A${T}libc6${T}i386`,
    ],
    facts: {
      packages: {
        deb: {
          nginx: { version: '1.22', arch: 'amd64', status: 'ii', manual: true },
          'libc6:i386': { version: '2.36', arch: 'i386', status: 'ii', manual: false },
        },
        install_recommends: true,
      },
    },
  },
  {
    section: 'python',
    name: 'a venv with PEP 503 names, its interpreter from home',
    lines: [`V${T}/srv/app/venv`, `C${T}home${T}/usr/bin`, `C${T}version${T}3.11.2`, `D${T}Flask_Login${T}0.6.3`],
    facts: { runtimes: { python: { '/srv/app/venv': { python: '/usr/bin/python3.11', packages: { 'flask-login': '0.6.3' } } } } },
  },
  {
    section: 'accounts',
    name: 'a user with its primary and a supplementary group',
    lines: ['U:app:x:998:998::/srv/app:/usr/sbin/nologin', 'G:app:x:998:', 'G:www-data:x:33:app'],
    facts: {
      accounts: {
        users: { app: { uid: 998, gid: 998, home: '/srv/app', shell: '/usr/sbin/nologin', groups: ['app', 'www-data'] } },
        groups: { app: { gid: 998, members: [] }, 'www-data': { gid: 33, members: ['app'] } },
      },
    },
  },
  {
    section: 'services',
    name: 'a running service, a not-found one left out',
    lines: [
      'Id=app.service',
      'LoadState=loaded',
      'UnitFileState=enabled',
      'ActiveState=active',
      'SubState=running',
      'User=app',
      'Restart=always',
      'MainPID=777',
      '',
      'Id=ghost.service',
      'LoadState=not-found',
      '',
    ],
    facts: { services: { app: { enabled: 'enabled', active: 'active', sub: 'running', user: 'app', restart: 'always', main_pid: 777 } } },
  },
  {
    section: 'listeners',
    name: 'a tcp listener named by its process user, a unix socket with its mode',
    lines: [
      'N tcp LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=777,fd=6))',
      'X u_str LISTEN 0 4096 /run/app.sock 1234 * 0 users:(("gunicorn",pid=777,fd=5))',
      `S${T}660${T}app${T}www-data${T}/run/app.sock`,
    ],
    facts: {
      listeners: {
        sockets: [{ protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx', pid: 777, user: 'app' }],
        unix: [{ path: '/run/app.sock', mode: '0660', owner: 'app', group: 'www-data', process: 'gunicorn', user: 'app' }],
      },
    },
  },
  {
    section: 'processes',
    name: 'the collector shell and its children left out',
    lines: ['    1     0 root     systemd /sbin/init', '   99     1 root     sh sh -s', '  100    99 root     ps ps -eo'],
    facts: { processes: [{ pid: 1, ppid: 0, user: 'root', comm: 'systemd', args: '/sbin/init' }] },
  },
  {
    section: 'files',
    name: 'an absent file, a hashed one with a devenv header, a secret by fingerprint',
    lines: [
      `A${T}/etc/none`,
      `S${T}regular file${T}644${T}root${T}root${T}10${T}/etc/a`,
      `H${T}${H('a')}${T}/etc/a`,
      `U${T}${H('b')}${T}/etc/a`,
      `D${T}/etc/a`,
      `S${T}regular file${T}640${T}root${T}shadow${T}5${T}/etc/shadow`,
      `P${T}${H('c')}${T}/etc/shadow`,
    ],
    facts: {
      files: {
        '/etc/a': { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 10, sha256: H('a'), sha256_unmanaged: H('b'), devenv_header: true },
        '/etc/none': { type: 'absent' },
        '/etc/shadow': { type: 'file', mode: '0640', owner: 'root', group: 'shadow', size: 5, fingerprint: H('c') },
      },
    },
  },
  {
    section: 'conffiles',
    name: 'an edited conffile with its hash and a deleted one',
    lines: [
      `C${T}/etc/x.conf${T}x${T}dpkg`,
      `X${T}/etc/y.conf${T}y${T}ucf`,
      `S${T}f${T}644${T}root${T}root${T}3${T}/etc/x.conf${T}`,
      `H${T}${H('d')}${T}/etc/x.conf`,
    ],
    facts: {
      conffiles: {
        '/etc/x.conf': { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 3, sha256: H('d'), package: 'x', via: 'dpkg' },
        '/etc/y.conf': { type: 'absent', package: 'y', via: 'ucf' },
      },
    },
  },
  {
    section: 'unowned_files',
    name: 'a file, a link and a secret (owner and mode only)',
    lines: [
      `S${T}f${T}644${T}root${T}root${T}3${T}/etc/app.conf${T}`,
      `H${T}${H('e')}${T}/etc/app.conf`,
      `S${T}l${T}777${T}root${T}root${T}9${T}/etc/link${T}/etc/app.conf`,
      `Q${T}f${T}600${T}root${T}root${T}9${T}/etc/app.key${T}`,
    ],
    facts: {
      unowned_files: {
        '/etc/app.conf': { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 3, sha256: H('e') },
        '/etc/app.key': { type: 'file', mode: '0600', owner: 'root', group: 'root', size: 9, secret: true },
        '/etc/link': { type: 'link', mode: '0777', owner: 'root', group: 'root', link_target: '/etc/app.conf' },
      },
    },
  },
  {
    section: 'trees',
    name: 'a large tree by count and listing digest',
    lines: [`B${T}/opt/big${T}5000`, `S${T}d${T}755${T}root${T}root${T}4096${T}/opt/big${T}`, `D${T}${H('f')}${T}/opt/big`],
    facts: {
      trees: {
        '/opt/big': {
          type: 'directory',
          mode: '0755',
          owner: 'root',
          group: 'root',
          count: 5000,
          digest: H('f'),
          content: false,
          entries: {},
          truncated: true,
        },
      },
    },
  },
  {
    section: 'cron',
    name: 'an unreadable crontab folder: no crontabs, said in errors',
    lines: [`R${T}/var/spool/cron/crontabs`],
    facts: { cron: {} },
  },
  {
    section: 'sysctl',
    name: 'whitespace in values normalized',
    lines: ['net.ipv4.ip_local_port_range = 32768\t60999', 'kernel.sysrq = 0'],
    facts: { sysctl: { 'kernel.sysrq': '0', 'net.ipv4.ip_local_port_range': '32768 60999' } },
  },
  {
    section: 'time',
    name: 'timesyncd not yet synchronized',
    lines: ['timezone=Europe/Paris', 'ntp=systemd-timesyncd'],
    facts: { time: { timezone: 'Europe/Paris', ntp_services: ['systemd-timesyncd'], synchronized: false } },
  },
  { section: 'time', name: 'nothing configured: UTC, no daemon', lines: ['timezone='], facts: { time: { timezone: 'Etc/UTC', ntp_services: [] } } },
  { section: 'locale', name: 'nothing configured: the C locale', lines: [], facts: { locale: { lang: 'C' } } },
  {
    section: 'locale',
    name: 'quoted LANG and LC_ALL',
    lines: ['LANG="en_US.UTF-8"', "LC_ALL='C.UTF-8'"],
    facts: { locale: { lang: 'en_US.UTF-8', lc_all: 'C.UTF-8' } },
  },
  {
    section: 'ssh',
    name: 'repeated keys joined',
    lines: ['permitrootlogin no', 'port 22', 'port 2222'],
    facts: { ssh: { permitrootlogin: 'no', port: '22,2222' } },
  },
  {
    section: 'firewall',
    name: 'no firewall tool',
    lines: ['backend=none'],
    facts: { firewall: { backend: 'none', default_input: 'unknown', readable: false } },
  },
  {
    section: 'firewall',
    name: 'nft unreadable without root',
    lines: ['unreadable=nft: Operation not permitted'],
    facts: { firewall: { backend: 'nftables', default_input: 'unknown', readable: false } },
  },
  {
    section: 'env',
    name: 'names sorted, the last fingerprint wins',
    lines: [`E${T}app.service${T}PORT${T}${H('1')}`, `E${T}app.service${T}DB${T}${H('2')}`, `E${T}app.service${T}PORT${T}${H('3')}`],
    facts: { env: { app: { names: ['DB', 'PORT'], fingerprints: { PORT: H('3'), DB: H('2') } } } },
  },
  {
    section: 'security_updates',
    name: 'unattended-upgrades installed and enabled',
    lines: ['unattended=ii ', "periodic='1'"],
    facts: { security_updates: { unattended_upgrades_installed: true, periodic_unattended_upgrade: '1' } },
  },
  {
    section: 'fail2ban',
    name: 'active with two jails',
    lines: ['installed=yes', 'active=active', 'jails=sshd, nginx'],
    facts: { fail2ban: { installed: true, active: true, jails: ['sshd', 'nginx'] } },
  },
  {
    section: 'logging',
    name: 'journald and logrotate with its configs',
    lines: ['journald=active', 'logrotate=yes', `C${T}/etc/logrotate.d/apt`],
    facts: { logging: { journald_active: true, logrotate_installed: true, logrotate_configs: ['/etc/logrotate.d/apt'] } },
  },
];

describe('each fact area parses its own collector output', () => {
  it.each(ROWS.map((row) => [`${row.section}: ${row.name}`, row] as const))('%s', (_name, row) => {
    expect(parse(row.section, row.lines)).toEqual(row.facts);
  });

  it('has rows for every area', () => {
    expect(new Set(ROWS.map((r) => r.section))).toEqual(new Set(FACT_AREAS.map((a) => a.section)));
  });

  it('cron says an unreadable crontab folder in errors', () => {
    const ctx = context();
    parse('cron', [`R${T}/var/spool/cron/crontabs`], ctx);
    expect(ctx.errors).toEqual({ 'cron:crontabs': '/var/spool/cron/crontabs is not readable (collect as root)' });
  });

  it('processes tell the listeners who runs each process', () => {
    const ctx: ParseContext = { meta: {}, processUsers: new Map(), errors: {} };
    parse('processes', ['  777     1 app      gunicorn gunicorn app'], ctx);
    expect(ctx.processUsers.get(777)).toBe('app');
  });
});

describe('the one list of fact areas', () => {
  it('names every section of devenv.facts/v1 once', () => {
    const header = new Set(['schema', 'collected_at', 'source', 'target', 'errors', 'missing']);
    const keys = Object.keys(FactsSchema.shape).filter((k) => !header.has(k));
    expect([...FACT_SECTIONS].sort()).toEqual(keys.sort());
    expect(new Set(FACT_SECTIONS).size).toBe(FACT_SECTIONS.length);
  });

  it('is the collector: each area defines its section function, each run once — meta and processes first, the rest in lanes', () => {
    const script = renderCollectorScript({ marker: '@@m', fingerprintKey: 'k', managedPaths: [], secretPaths: [] });
    for (const a of FACT_AREAS) expect(a.script).toContain(`section_${a.section}() {`);
    expect(COLLECTOR_SECTIONS).toEqual(['meta', ...FACT_AREAS.map((a) => a.section)]);
    const run = /\nrun_sections ([a-z0-9_ ]+)\nrun_lanes ((?:'[a-z0-9_ ]+' ?)+)\n\} <\/dev\/null\n$/.exec(script);
    expect(run, 'the script ends in its run lines').not.toBeNull();
    const first = run![1]!.split(' ');
    const lanes = [...run![2]!.matchAll(/'([a-z0-9_ ]+)'/g)].map(([, lane]) => lane!.split(' '));
    expect(first).toEqual([...FIRST_SECTIONS]);
    expect(lanes).toEqual(collectorLanes());
    expect([...first, ...lanes.flat()].sort()).toEqual([...COLLECTOR_SECTIONS].sort());
    // What a lane reads from an earlier section of the same lane.
    const laneOf = (s: string): number => lanes.findIndex((lane) => lane.includes(s));
    for (const [before, after] of [
      ['services', 'env'],
      ['services', 'cron'],
      ['packages', 'security_updates'],
      ['time', 'logging'],
    ] as const) {
      expect(laneOf(after)).toBe(laneOf(before));
      expect(lanes[laneOf(before)]!.indexOf(before)).toBeLessThan(lanes[laneOf(after)]!.indexOf(after));
    }
    // One script, one round trip: every function once.
    for (const a of FACT_AREAS) expect(script.split(`section_${a.section}() {`).length).toBe(2);
  });

  it('parses processes before listeners, otherwise in collector order', () => {
    const order = parseOrder().map((a) => a.section);
    expect(order.indexOf('processes')).toBeLessThan(order.indexOf('listeners'));
    expect(order.filter((s) => s !== 'processes')).toEqual(FACT_AREAS.map((a) => a.section).filter((s) => s !== 'processes'));
  });

  it('refuses areas that wait for each other', () => {
    const a: FactArea = { section: 'a', key: 'platform', script: '', parse: () => ({}), parseAfter: ['b'] };
    const b: FactArea = { section: 'b', key: 'resources', script: '', parse: () => ({}), parseAfter: ['a'] };
    expect(() => parseOrder([a, b])).toThrow(/cycle/);
  });
});
