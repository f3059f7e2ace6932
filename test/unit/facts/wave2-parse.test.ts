import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCollectorOutput } from '../../../src/facts/parse.js';
import type { Facts } from '../../../src/facts/schema.js';

/**
 * Rows of collector output → facts for the wave-2 sections. The two fixtures
 * are real output of the collector (conffiles, unowned_files, trees, cron) on
 * the debian-12 box (129 packages, untouched) and on the box with nginx,
 * openssh-server, sudo, cron and logrotate (170 packages) after hand changes.
 */
const MARKER = '@@devenv-0123456789abcdef';
const target = { kind: 'docker' as const, name: 'box', container: true };
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/facts/${name}`, import.meta.url), 'utf8');
const parse = (text: string): Facts => parseCollectorOutput(text, { marker: MARKER, target });
const section = (name: string, ...lines: string[]): string => [`${MARKER} begin ${name}`, ...lines, `${MARKER} end ${name} 0`].join('\n');
const T = '\t';
const H = (c: string): string => c.repeat(64);

const bare = parse(fixture('wave2-bare-box.txt'));
const host = parse(fixture('wave2-nginx-host.txt'));

describe('wave-2 facts from a real box', () => {
  it('reads every section without an error', () => {
    for (const facts of [bare, host]) {
      // The fixtures hold the wave-2 sections only: the others are "not collected".
      expect(Object.keys(facts.errors).filter((k) => !/^not collected/.test(facts.errors[k]!))).toEqual([]);
      for (const key of ['conffiles', 'unowned_files', 'trees', 'cron']) expect(facts.errors[key]).toBeUndefined();
      for (const key of ['conffiles', 'unowned_files', 'trees', 'cron'] as const) expect(facts[key]).toBeDefined();
    }
  });

  it('an untouched box has no changed conffile; an edited and a deleted one are reported with their package', () => {
    expect(bare.conffiles).toEqual({});
    expect(host.conffiles).toEqual({
      '/etc/cron.daily/dpkg': { type: 'absent', package: 'dpkg', via: 'dpkg' },
      '/etc/logrotate.conf': {
        type: 'file',
        mode: '0644',
        owner: 'root',
        group: 'root',
        size: 24,
        sha256: '4158d673edac854744229c701cca664354258e712162ef8fb6b5b45bfc0869cd',
        package: 'logrotate',
        via: 'dpkg',
      },
    });
  });

  it('lists files no package owns under /etc, leaving out the certificate links update-ca-certificates derives', () => {
    const paths = Object.keys(bare.unowned_files!);
    expect(paths).toContain('/etc/hostname');
    expect(paths).toContain('/etc/apt/sources.list.d/debian.sources');
    expect(paths.filter((p) => p.startsWith('/etc/ssl/certs/'))).toEqual(['/etc/ssl/certs/ca-certificates.crt']);
    // dpkg's lists own these; ucf owns sshd_config.
    expect(paths).not.toContain('/etc/debian_version');
    expect(Object.keys(host.unowned_files!)).not.toContain('/etc/ssh/sshd_config');
    expect(host.unowned_files!['/etc/nginx/conf.d/gzip.conf']).toEqual({
      type: 'file',
      mode: '0644',
      owner: 'root',
      group: 'root',
      size: 7,
      sha256: '3e1a666cbc8baa94ab6d89c3a81166bb779cfd9a839a035542cdb9f0d6408024',
    });
    expect(host.unowned_files!['/etc/systemd/system/multi-user.target.wants/nginx.service']).toMatchObject({
      type: 'link',
      link_target: '/lib/systemd/system/nginx.service',
    });
  });

  it('hashes a Puppet-managed file without its header, and secrets not at all', () => {
    // The header-free hash (printed last) wins over the raw one.
    expect(host.unowned_files!['/etc/nginx/conf.d/puppet.conf']!.sha256).toBe('419a00ec534a021e83b3f0206dcd3434253de4f5ef5cda28e4e4247f56a5ed3f');
    for (const path of ['/etc/mysite/secrets.env', '/etc/shadow', '/etc/gshadow', '/etc/ssh/ssh_host_ed25519_key']) {
      expect(host.unowned_files![path], path).toMatchObject({ type: 'file', secret: true });
      expect(host.unowned_files![path]!.sha256, path).toBeUndefined();
    }
  });

  it('describes each top-level tree of /usr/local and /opt with its entries and a digest', () => {
    expect(bare.trees!['/usr/local/bin']).toMatchObject({ type: 'directory', count: 0, content: true, entries: {} });
    expect(bare.trees!['/usr/local/man']).toMatchObject({ type: 'link', link_target: 'share/man' });
    expect(host.trees!['/usr/local/bin']!.entries).toEqual({
      backup: {
        type: 'file',
        mode: '0755',
        owner: 'root',
        group: 'root',
        size: 22,
        sha256: 'c0e4bd8e3688470eaad69cce902a84f828146886448c5e9bf129f0ee90d52c9b',
      },
    });
    expect(Object.keys(host.trees!['/opt/agent']!.entries)).toEqual(['agent.conf', 'bin', 'bin/agent']);
    expect(host.trees!['/opt/agent']!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(host.trees!['/usr/local/bin']!.digest).not.toBe(bare.trees!['/usr/local/bin']!.digest);
  });

  it('reads crontabs by their job lines and timers from the services section', () => {
    expect(bare.cron!.crontabs).toEqual({});
    expect(host.cron!.crontabs).toEqual({
      root: { sha256: 'c831c1fc52d60953a36860f066aa7d6a40141c0688e79713b33fd79ae8cf1ed2', jobs: 1, mode: '0600', owner: 'root', group: 'root' },
    });
    expect(host.cron!.timers!['logrotate']).toMatchObject({ enabled: 'enabled', active: 'active', unit_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // ConditionVirtualization=!container: inactive by design in a container.
    expect(host.cron!.timers!['fstrim']).toMatchObject({ active: 'inactive', condition_failed: true });
  });
});

describe('wave-2 parsers, row by row', () => {
  const rows: { name: string; output: string; expected: Partial<Facts> }[] = [
    {
      name: 'a conffile installed through ucf',
      output: section(
        'conffiles',
        `C${T}/etc/ssh/sshd_config${T}openssh-server${T}ucf`,
        `S${T}f${T}644${T}root${T}root${T}3250${T}/etc/ssh/sshd_config${T}`,
        `H${T}${H('a')}${T}/etc/ssh/sshd_config`,
      ),
      expected: {
        conffiles: {
          '/etc/ssh/sshd_config': {
            type: 'file',
            mode: '0644',
            owner: 'root',
            group: 'root',
            size: 3250,
            sha256: H('a'),
            package: 'openssh-server',
            via: 'ucf',
          },
        },
      },
    },
    {
      name: 'a secret conffile: owner and mode, no hash even if one were printed',
      output: section(
        'conffiles',
        `C${T}/etc/ssl/private/site.key${T}site${T}dpkg`,
        `Q${T}f${T}600${T}root${T}ssl-cert${T}10${T}/etc/ssl/private/site.key${T}`,
        `H${T}${H('b')}${T}/etc/ssl/private/site.key`,
      ),
      expected: {
        conffiles: {
          '/etc/ssl/private/site.key': { type: 'file', mode: '0600', owner: 'root', group: 'ssl-cert', size: 10, secret: true, package: 'site', via: 'dpkg' },
        },
      },
    },
    {
      name: 'unowned links and files, a name with spaces',
      output: section(
        'unowned_files',
        `S${T}l${T}777${T}root${T}root${T}9${T}/etc/alternatives/editor${T}/usr/bin/vim.basic`,
        `S${T}f${T}644${T}root${T}root${T}3${T}/etc/my app/x.conf${T}`,
        `H${T}${H('c')}${T}/etc/my app/x.conf`,
      ),
      expected: {
        unowned_files: {
          '/etc/alternatives/editor': { type: 'link', mode: '0777', owner: 'root', group: 'root', link_target: '/usr/bin/vim.basic' },
          '/etc/my app/x.conf': { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 3, sha256: H('c') },
        },
      },
    },
    {
      name: 'a large tree: count, the host-side digest of its listing, the first entries',
      output: section(
        'trees',
        `B${T}/opt/big${T}5000`,
        `S${T}d${T}755${T}root${T}root${T}4096${T}/opt/big${T}`,
        `S${T}f${T}644${T}app${T}app${T}9${T}/opt/big/a${T}`,
        `D${T}${H('d')}${T}/opt/big`,
      ),
      expected: {
        trees: {
          '/opt/big': {
            type: 'directory',
            mode: '0755',
            owner: 'root',
            group: 'root',
            count: 5000,
            digest: H('d'),
            content: false,
            truncated: true,
            entries: { a: { type: 'file', mode: '0644', owner: 'app', group: 'app', size: 9 } },
          },
        },
      },
    },
    {
      name: 'crontabs unreadable without root: no crontabs, an error, timers still read',
      output: section(
        'cron',
        `R${T}/var/spool/cron/crontabs`,
        '@timers',
        'Id=backup.timer',
        'LoadState=loaded',
        'UnitFileState=enabled',
        'ActiveState=active',
        'FragmentPath=/etc/systemd/system/backup.timer',
        'DropInPaths=',
        '',
        '@hashes',
        `${H('e')}  /etc/systemd/system/backup.timer`,
      ),
      expected: {
        cron: { timers: { backup: { enabled: 'enabled', active: 'active', unit_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string } } },
      },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const facts = parse(row.output);
      for (const [key, value] of Object.entries(row.expected)) expect(facts[key as keyof Facts]).toEqual(value);
    });
  }

  it('says crontabs were not read', () => {
    expect(parse(rows[4]!.output).errors['cron:crontabs']).toMatch(/not readable/);
  });
});
