import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closureStep, compareDebianVersions, parsePackageRecords, parseRelations, satisfies } from '../../../src/manifest/apt-closure.js';
import { pinsOf } from '../../../src/manifest/apt-pin-closure.js';
import { parseAptPolicy } from '../../../src/manifest/resources/apt.js';

/** Recorded on Debian 12 with bookworm-security: `apt-cache show` of two pins, `apt-cache policy` of what they constrain. */
const DIR = join(import.meta.dirname, 'apt');
const records = parsePackageRecords(readFileSync(join(DIR, 'show-bookworm.txt'), 'utf8'));
const availability = parseAptPolicy(readFileSync(join(DIR, 'policy-bookworm.txt'), 'utf8'));
const installed = {
  libc6: '2.36-9+deb12u14',
  iproute2: '6.1.0-3',
  libssl3: '3.0.17-1~deb12u2',
  zlib1g: '1:1.2.13.dfsg-1',
  libcrypt1: '1:4.4.33-2',
  'libpcre2-8-0': '10.42-1',
};

describe('Debian version order (dpkg --compare-versions)', () => {
  const ordered: [string, string][] = [
    ['1.0', '1.0.1'],
    ['1.0~rc1', '1.0'],
    ['1.0', '1.0+b1'],
    ['2.0', '1:0.1'],
    ['1.22.1-9+deb12u9', '1.22.1-9+deb12u11'],
    ['1.22.1-9+deb12u9', '1.22.1-9+deb12u9.1~'],
    ['1.22.1-9+deb12u9.1~', '1.22.1-9+deb12u11'],
    ['3.0.17-1~deb12u2', '3.0.17-1'],
    ['1.2a', '1.2b'],
    ['1.2', '1.2a'],
  ];
  it.each(ordered)('%s < %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBeLessThan(0);
    expect(compareDebianVersions(b, a)).toBeGreaterThan(0);
  });
  it('equal versions compare equal, whatever the epoch spelling', () => {
    expect(compareDebianVersions('0:1.0-1', '1.0-1')).toBe(0);
  });
});

describe('relations', () => {
  it('parses groups, alternatives, arch qualifiers and the obsolete < >', () => {
    expect(parseRelations('a (>= 1.0), b | c (<< 2), python3:any, d (< 3)')).toEqual([
      [{ name: 'a', op: '>=', version: '1.0' }],
      [{ name: 'b' }, { name: 'c', op: '<<', version: '2' }],
      [{ name: 'python3' }],
      [{ name: 'd', op: '<=', version: '3' }],
    ]);
  });
  it('judges a version against a relation', () => {
    expect(satisfies('1.22.1-9+deb12u11', { name: 'x', op: '<<', version: '1.22.1-9+deb12u9.1~' })).toBe(false);
    expect(satisfies('1.22.1-9+deb12u9', { name: 'x', op: '<<', version: '1.22.1-9+deb12u9.1~' })).toBe(true);
  });
  it('reads Depends and Pre-Depends of each stanza', () => {
    expect(records.map((r) => `${r.name}=${r.version}`)).toEqual(['nginx=1.22.1-9+deb12u9', 'gunicorn=20.1.0-6+deb12u1']);
  });
});

describe('closureStep (pure)', () => {
  it('nginx pinned behind the security update: nginx-common joins at nginx’s own version', () => {
    const step = closureStep({ pinned: new Map([['nginx', '1.22.1-9+deb12u9']]), records, availability, installed });
    expect(step.problems).toEqual([]);
    expect(step.unknown).toEqual([]);
    expect([...step.add]).toEqual([['nginx-common', '1.22.1-9+deb12u9']]);
  });

  it('a dependency whose candidate fits adds nothing (gunicorn → python3-gunicorn)', () => {
    const step = closureStep({ pinned: new Map([['gunicorn', '20.1.0-6+deb12u1']]), records, availability, installed });
    expect(step).toEqual({ add: new Map(), unknown: [], problems: [] });
  });

  it('what it has not looked up yet, it asks for first', () => {
    const step = closureStep({ pinned: new Map([['nginx', '1.22.1-9+deb12u9']]), records, availability: {}, installed: {} });
    expect(step.unknown.sort()).toEqual(['libc6', 'libcrypt1', 'libpcre2-8-0', 'libssl3', 'nginx-common', 'zlib1g']);
  });

  it('a sibling pinned to another version in the manifests: one sentence naming both', () => {
    const step = closureStep({
      pinned: new Map([
        ['nginx', '1.22.1-9+deb12u9'],
        ['nginx-common', '1.22.1-9+deb12u11'],
      ]),
      records,
      availability,
      installed,
    });
    expect(step.problems).toEqual([
      'nginx 1.22.1-9+deb12u9 needs nginx-common (<< 1.22.1-9+deb12u9.1~, >= 1.22.1-9+deb12u9), but the manifests pin nginx-common to 1.22.1-9+deb12u11',
    ]);
  });

  it('no available version fits: the package, what it needs and what exists', () => {
    const dropped = { ...availability, 'nginx-common': { candidate: '1.22.1-9+deb12u11', versions: ['1.22.1-9+deb12u11'] } };
    const step = closureStep({ pinned: new Map([['nginx', '1.22.1-9+deb12u9']]), records, availability: dropped, installed });
    expect(step.problems).toEqual([
      'nginx 1.22.1-9+deb12u9 needs nginx-common (<< 1.22.1-9+deb12u9.1~, >= 1.22.1-9+deb12u9), which no configured repository offers (available: 1.22.1-9+deb12u11)',
    ]);
  });
});

describe('pinsOf', () => {
  it('reads the exact pins of an apt-get argv', () => {
    expect([...pinsOf(['apt-get', 'install', '-y', '-o', 'Dpkg::Options::=--force-confdef', 'nginx=1.22.1-9+deb12u9', 'curl', 'old-'])]).toEqual([
      ['nginx', '1.22.1-9+deb12u9'],
    ]);
  });
});
