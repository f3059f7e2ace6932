import { describe, expect, it } from 'vitest';
import { buildSteps } from '../../../src/manifest/apply.js';
import { aptTransactions, foreignArchitectures } from '../../../src/manifest/resources/apt.js';
import { pipInstallArgv } from '../../../src/manifest/resources/python.js';
import { emptyObservedState } from '../../../src/manifest/observed-state.js';
import { plan } from '../../../src/manifest/plan.js';
import { mergeOutcomes } from '../../../src/manifest/provision.js';
import { unifiedDiff } from '../../../src/manifest/unified-diff.js';
import { catalogFromText } from './manifest-text.js';

// Recommends are installed by default, as Debian does (and said explicitly: a box may configure either).
const PREFIX = [
  'apt-get',
  'install',
  '-y',
  '-q',
  '--allow-downgrades',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
  '-o',
  'APT::Install-Recommends=true',
];

describe('apply commands (pure parts)', () => {
  it('puts every apt install and removal of a phase in one transaction', () => {
    expect(
      aptTransactions([
        { kind: 'apt', name: 'nginx', install: 'nginx=1.22.1-9+deb12u9' },
        { kind: 'apt', name: 'curl', install: 'curl' },
        { kind: 'apt', name: 'telnetd', remove: 'remove' },
      ]),
    ).toEqual([[...PREFIX, 'nginx=1.22.1-9+deb12u9', 'curl', 'telnetd-']]);
  });

  it("installs a foreign architecture's package by name:arch, and names the architectures to add first", () => {
    const ops = [
      { kind: 'apt' as const, name: 'libc6:i386', install: 'libc6:i386=2.36-9' },
      { kind: 'apt' as const, name: 'zlib1g:armhf', install: 'zlib1g:armhf=1' },
      { kind: 'apt' as const, name: 'libgcc-s1:i386', install: 'libgcc-s1:i386=12' },
      { kind: 'apt' as const, name: 'nginx', install: 'nginx' },
      { kind: 'apt' as const, name: 'old:mips', remove: 'remove' as const },
    ];
    expect(aptTransactions(ops)).toEqual([[...PREFIX, 'libc6:i386=2.36-9', 'zlib1g:armhf=1', 'libgcc-s1:i386=12', 'nginx', 'old:mips-']]);
    expect(foreignArchitectures(ops)).toEqual(['armhf', 'i386']);
    expect(foreignArchitectures(ops.slice(3))).toEqual([]);
  });

  it("turns off dpkg's fsyncs only in an environment devenv made", () => {
    const op = { kind: 'apt' as const, name: 'nginx', install: 'nginx' };
    expect(aptTransactions([op], { disposable: true })).toEqual([[...PREFIX, '-o', 'Dpkg::Options::=--force-unsafe-io', 'nginx']]);
    expect(aptTransactions([op], { disposable: false })).toEqual([[...PREFIX, 'nginx']]);
  });

  it('leaves Recommends out when the profile says apt.install_recommends: false', () => {
    const op = { kind: 'apt' as const, name: 'nginx', install: 'nginx' };
    const [argv] = aptTransactions([op], { installRecommends: false });
    expect(argv).toContain('APT::Install-Recommends=false');
    expect(argv).not.toContain('APT::Install-Recommends=true');
  });

  it('splits purges from plain removals, since --purge applies to the whole transaction', () => {
    expect(
      aptTransactions([
        { kind: 'apt', name: 'telnetd', remove: 'remove' },
        { kind: 'apt', name: 'nis', remove: 'purge' },
      ]),
    ).toEqual([
      [...PREFIX, 'telnetd-'],
      [...PREFIX, '--purge', 'nis-'],
    ]);
  });

  it('batches apt work after its dependencies only, keeping the order', () => {
    const both = catalogFromText('apt:\n  curl: {}\n  nginx: { require: [exec:add-repo] }\n  jq: {}\nexec:\n  add-repo: { command: [/bin/true] }\n');
    const planned = plan(
      { catalog: both, contents: {} },
      {
        ...emptyObservedState(),
        availability: { curl: { candidate: '1', versions: ['1'] }, nginx: { candidate: '1', versions: ['1'] }, jq: { candidate: '1', versions: ['1'] } },
      },
    );
    const steps = buildSteps(planned.changes, both).map((s) => s.changes.map((c) => c.ref));
    expect(steps).toEqual([['apt:curl', 'apt:jq'], ['exec:add-repo'], ['apt:nginx']]);
  });

  it('installs pip pins of one venv in one call', () => {
    expect(pipInstallArgv('/srv/venv/bin/python', ['Django==4.2.16', 'gunicorn==22.0.0'])).toEqual([
      '/srv/venv/bin/python',
      '-m',
      'pip',
      'install',
      '--no-cache-dir',
      'Django==4.2.16',
      'gunicorn==22.0.0',
    ]);
  });

  it('merges a second pass over the first', () => {
    const merged = mergeOutcomes(
      [
        { ref: 'service:nginx', status: 'failed', changes: ['state: inactive → running'], error: 'duplicate default server' },
        { ref: 'apt:nginx', status: 'changed', changes: ['version: (not installed) → 1'] },
      ],
      [
        { ref: 'service:nginx', status: 'changed', changes: ['reloaded'] },
        { ref: 'apt:nginx', status: 'unchanged', changes: [] },
      ],
    );
    expect(merged).toEqual([
      { ref: 'service:nginx', status: 'changed', changes: ['state: inactive → running', 'reloaded'] },
      { ref: 'apt:nginx', status: 'changed', changes: ['version: (not installed) → 1'] },
    ]);
  });

  it('diffs with hunks and context like diff -u', () => {
    const lines = 'abcdefghijklmn'.split('');
    const before = `${lines.join('\n')}\n`;
    const after = `${[...lines.slice(0, 3), 'D', ...lines.slice(4), 'o'].join('\n')}\n`;
    expect(unifiedDiff(before, after, { fromLabel: 'x', toLabel: 'x' })).toBe(
      ['--- x', '+++ x', '@@ -1,7 +1,7 @@', ' a', ' b', ' c', '-d', '+D', ' e', ' f', ' g', '@@ -12,3 +12,4 @@', ' l', ' m', ' n', '+o', ''].join('\n'),
    );
    expect(unifiedDiff('', 'new\n', { fromLabel: '/dev/null', toLabel: 'y' })).toBe('--- /dev/null\n+++ y\n@@ -0,0 +1 @@\n+new\n');
  });
});

describe('the one-round-trip file operation script', () => {
  it('creates, links, writes and chmods through a real sh, with hostile paths kept as data', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, statSync, readlinkSync, readFileSync, existsSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileBatchArgv } = await import('../../../src/targets/file-batch.js');
    type Op = Parameters<typeof fileBatchArgv>[0][number];
    const dir = mkdtempSync(join(tmpdir(), 'devenv-fileop-'));
    const run = (...ops: Op[]): void => {
      const [cmd, ...args] = fileBatchArgv(ops);
      execFileSync(cmd!, args, { input: ops.map((op) => op.write?.content ?? '').join('') });
    };
    const hostile = join(dir, "a dir; touch pwned $(id) 'q'");
    run({ path: hostile, mkdir: true, chmod: '0750' });
    expect(statSync(hostile).isDirectory()).toBe(true);
    expect((statSync(hostile).mode & 0o777).toString(8)).toBe('750');
    const link = join(dir, 'link `id`');
    const written = join(hostile, 'f $(id)');
    run({ path: link, link: hostile }, { path: written, write: { content: 'one\ntwo\n', mode: '0600' } });
    expect(readlinkSync(link)).toBe(hostile);
    expect(readFileSync(written, 'utf8')).toBe('one\ntwo\n');
    expect((statSync(written).mode & 0o777).toString(8)).toBe('600');
    const doomed = join(dir, 'old file');
    writeFileSync(doomed, 'x');
    run({ path: doomed, remove: 'file' });
    expect(existsSync(doomed)).toBe(false);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync('pwned')).toBe(false);
  });
});
