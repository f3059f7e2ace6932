import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCollectorOutput } from '../../../src/facts/parse.js';
import type { Facts } from '../../../src/facts/schema.js';
import { compareFacts, type Drift } from '../../../src/parity/compare.js';
import { parityDocument, renderText } from '../../../src/parity/render.js';
import { classifyUnowned, fileGroup } from '../../../src/parity/system-files.js';
import { OPTIONS, containerFacts, hostFacts } from './fixtures.js';

/**
 * Parity over the wave-2 facts, on real collector output: the untouched debian-12
 * box, and the box with nginx after hand changes (test/fixtures/facts/wave2-*).
 */
const MARKER = '@@devenv-0123456789abcdef';
const fixture = (name: string): Facts =>
  parseCollectorOutput(readFileSync(new URL(`../../fixtures/facts/${name}`, import.meta.url), 'utf8'), {
    marker: MARKER,
    target: { kind: 'docker', name: 'box', container: true },
  });
const clone = <T>(value: T): T => structuredClone(value);
const options = { ...OPTIONS, managedPaths: [], secretPaths: ['/etc/mysite/secrets.env'] };
const at = (drift: Drift[], path: string): Drift | undefined => drift.find((d) => d.path === path);
/** The fixtures hold the wave-2 sections only: the other sections' "not compared" lines are left out here. */
const compare = (reference: Facts, actual: Facts, o = options): ReturnType<typeof compareFacts> => {
  const result = compareFacts(reference, actual, o);
  const drift = result.drift.filter((d) => d.path.startsWith('files.') || d.path.startsWith('services.') || d.path.startsWith('accounts.'));
  return { drift, summary: { ...result.summary, error: drift.filter((d) => d.severity === 'error').length } };
};

/** The planted host with each hand change taken back: what an environment built from the packages alone has. */
function pristine(changed: Facts): Facts {
  const facts = clone(changed);
  facts.conffiles = {};
  for (const path of Object.keys(facts.unowned_files!)) {
    if (/^\/etc\/(nginx\/conf\.d|cron\.d\/backup|apt\/sources\.list\.d\/extra|systemd\/system\/nginx\.service\.d|mysite)/.test(path))
      delete facts.unowned_files![path];
  }
  facts.trees!['/usr/local/bin'] = {
    ...facts.trees!['/usr/local/bin']!,
    count: 0,
    entries: {},
    digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  };
  delete facts.trees!['/opt/agent'];
  facts.cron!.crontabs = {};
  return facts;
}

describe('files no package owns: what every host has is known', () => {
  const bare = fixture('wave2-bare-box.txt');

  it('classifies every file the bare box has that no package owns: none of them is an error when the other side lacks it', () => {
    const drift = compare(bare, { ...clone(bare), unowned_files: {} }, options).drift;
    expect(drift.filter((d) => d.severity === 'error')).toEqual([]);
    // The one warning kind: a target's enablement link (remote-fs.target), which no state comparison covers.
    expect(drift.filter((d) => d.severity === 'warning').map((d) => d.path)).toEqual(['files./etc/systemd/system/multi-user.target.wants/remote-fs.target']);
    const classes = new Set(Object.entries(bare.unowned_files!).map(([path, f]) => classifyUnowned(path, f.type)));
    expect([...classes].sort()).toEqual(['account_db', 'config', 'covered', 'enablement', 'generated', 'machine']);
    // The only "config" there is the distribution's own source list, whose content apt_sources compares.
    expect(
      Object.entries(bare.unowned_files!)
        .filter(([path, f]) => classifyUnowned(path, f.type) === 'config')
        .map(([path]) => path),
    ).toEqual(['/etc/apt/sources.list.d/debian.sources']);
  });

  it('an untouched pair compares clean', () => {
    expect(compare(bare, clone(bare), options).drift).toEqual([]);
  });

  it.each([
    ['/etc/nginx/conf.d/gzip.conf', '/etc/nginx'],
    ['/etc/motd', '/etc'],
    ['/opt/agent/bin/agent', '/opt/agent'],
    ['/usr/local/bin/backup', '/usr/local/bin'],
    ['/usr/share/keyrings/vendor.gpg', '/usr/share/keyrings'],
  ])('groups %s under %s', (path, group) => {
    expect(fileGroup(path)).toBe(group);
  });
});

describe('hand changes on production, one by one', () => {
  const reference = fixture('wave2-nginx-host.txt');
  const actual = pristine(reference);
  const result = compare(reference, actual);
  const drift = result.drift;

  it.each<[string, Drift['kind'], Drift['severity']]>([
    ['files./etc/logrotate.conf', 'changed', 'error'],
    ['files./etc/cron.daily/dpkg', 'changed', 'error'],
    ['files./etc/nginx/conf.d/gzip.conf', 'missing', 'error'],
    ['files./etc/nginx/conf.d/puppet.conf', 'missing', 'error'],
    ['files./etc/cron.d/backup', 'missing', 'error'],
    ['files./etc/systemd/system/nginx.service.d/limits.conf', 'missing', 'error'],
    ['files./etc/apt/sources.list.d/extra.list', 'missing', 'error'],
    ['files./etc/mysite/secrets.env', 'missing', 'error'],
    ['files./usr/local/bin/backup', 'missing', 'error'],
    ['files./etc/nginx/conf.d/cache.conf', 'missing', 'error'],
    ['files./opt/agent', 'missing', 'error'],
    ['files./var/spool/cron/crontabs/root', 'missing', 'error'],
  ])('%s is %s, %s', (path, kind, severity) => {
    expect(at(drift, path)).toMatchObject({ kind, severity });
  });

  it('reports nothing else at error level', () => {
    expect(drift.filter((d) => d.severity === 'error')).toHaveLength(13);
  });

  it('says what the edit was about, with the package', () => {
    expect(at(drift, 'files./etc/logrotate.conf')!.message).toBe("production's conffile /etc/logrotate.conf (logrotate) is edited; here it is as packaged");
    expect(at(drift, 'files./etc/cron.daily/dpkg')!.message).toMatch(/deleted; here it is as packaged/);
  });

  it('groups the text report so a person sees "production has 4 files no package owns in /etc/nginx" at a glance', () => {
    const text = renderText(parityDocument(reference, actual, result));
    expect(text).toContain('✗ production has 4 files no package owns in /etc/nginx that are missing here');
    expect(text).toMatch(/production has 4 files no package owns in \/etc\/nginx that are missing here\n {6}files\.\/etc\/nginx\/conf\.d\/cache\.conf\n/);
    // One of a kind in a place: its own line.
    expect(text).toContain("✗ production's conffile /etc/logrotate.conf (logrotate) is edited; here it is as packaged  files./etc/logrotate.conf");
  });

  it('compares an edit on both sides by content without configuration-management headers', () => {
    const env = clone(reference);
    expect(compare(reference, env).drift).toEqual([]);
    env.conffiles!['/etc/logrotate.conf']!.sha256 = 'f'.repeat(64);
    expect(at(compare(reference, env).drift, 'files./etc/logrotate.conf.sha256')).toMatchObject({ kind: 'changed', severity: 'error' });
  });

  it('compares secrets by owner and mode only, never content', () => {
    const ref = clone(reference);
    const env = clone(reference);
    // Even if a hash slipped in, a secret's content is not compared.
    ref.unowned_files!['/etc/mysite/secrets.env']!.sha256 = 'a'.repeat(64);
    env.unowned_files!['/etc/mysite/secrets.env'] = { ...env.unowned_files!['/etc/mysite/secrets.env']!, sha256: 'b'.repeat(64), mode: '0644' };
    const d = compare(ref, env).drift;
    expect(d.map((x) => x.path)).toEqual(['files./etc/mysite/secrets.env.mode']);
    expect(d[0]).toMatchObject({ kind: 'changed', expected: '0640', actual: '0644', severity: 'warning' });
  });

  it('does not report twice what the files section already compares', () => {
    const ref = clone(reference);
    const env = pristine(reference);
    ref.files = { '/etc/logrotate.conf': { type: 'file', sha256: 'x', sha256_unmanaged: 'x' } };
    env.files = { '/etc/logrotate.conf': { type: 'file', sha256: 'y', sha256_unmanaged: 'y' } };
    const d = compare(ref, env).drift.filter((x) => x.path.startsWith('files./etc/logrotate.conf'));
    expect(d.map((x) => x.path)).toEqual(['files./etc/logrotate.conf.sha256']);
  });

  it('reports a tree whose file changed, an extra timer and a timer inactive by design', () => {
    const env = clone(reference);
    env.trees!['/opt/agent']!.entries['bin/agent']!.sha256 = 'c'.repeat(64);
    env.trees!['/opt/agent']!.digest = 'd'.repeat(64);
    env.cron!.timers!['backup'] = { enabled: 'enabled', active: 'active' };
    const d = compare(reference, env).drift;
    expect(at(d, 'files./opt/agent/bin/agent')).toMatchObject({ kind: 'changed', severity: 'error' });
    expect(at(d, 'services.backup.timer')).toMatchObject({ kind: 'extra', severity: 'error' });
    const host = clone(reference);
    host.platform = hostFacts().platform;
    host.cron!.timers!['fstrim'] = { enabled: 'enabled', active: 'active' };
    expect(at(compare(host, reference).drift, 'services.fstrim.timer.active')).toMatchObject({ severity: 'info' });
  });

  it('says when a side has no wave-2 facts (older facts files still read)', () => {
    const old = clone(reference);
    delete old.conffiles;
    const d = compare(old, reference).drift;
    expect(at(d, 'files.conffiles')).toMatchObject({ kind: 'extra', severity: 'info' });
  });
});

describe('group memberships', () => {
  it('a user added to a privileged group is an error even when the profile does not declare the user', () => {
    const reference = hostFacts();
    const actual = containerFacts();
    reference.accounts!.users['www-data'] = { uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', groups: ['adm', 'www-data'] };
    actual.accounts!.users['www-data'] = { uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', groups: ['www-data'] };
    const d = compareFacts(reference, actual, OPTIONS).drift;
    expect(at(d, 'accounts.users.www-data.groups')).toMatchObject({ kind: 'changed', expected: ['adm', 'www-data'], actual: ['www-data'], severity: 'error' });
    // Another group stays a warning for an undeclared user.
    actual.accounts!.users['www-data']!.groups = ['adm', 'video', 'www-data'];
    expect(at(compareFacts(reference, actual, OPTIONS).drift, 'accounts.users.www-data.groups')).toMatchObject({ severity: 'warning' });
  });
});
