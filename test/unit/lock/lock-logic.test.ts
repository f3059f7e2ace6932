import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseManifest } from '../../../src/manifest/load.js';
import { buildCatalog } from '../../../src/manifest/catalog.js';
import { parseYamlSource } from '../../../src/profile/yaml-source.js';
import { archiveOffer, lockFromEnvironment, parseInstalled, parseShowHashes, parseVenvWheels } from '../../../src/lock/environment-packages.js';
import { lockedManifests } from '../../../src/manifest/locked-manifests.js';
import { mergeLock } from '../../../src/environment/record-lock.js';
import { lockDifferences } from '../../../src/lock/lock-diff.js';
import { packagesIndex, parsePackagesIndex, releaseFile } from '../../../src/lock/local-repo.js';
import { freshness, parsePolicyVersions } from '../../../src/manifest/pin-freshness.js';
import { parseWheelName, type ArchivedDeb } from '../../../src/lock/archive-store.js';
import type { LockData } from '../../../src/lock/lock-file.js';

const SHA = (c: string): string => c.repeat(64);
const manifest = (text: string) => parseManifest(parseYamlSource(text, '/p/manifests/app.yaml'));
const lockSource = (text: string) => ({
  path: '/p/devenv.lock',
  source: parseYamlSource(text, '/p/devenv.lock'),
  data: parseYamlSource(text, '/p/devenv.lock').doc.toJS() as LockData,
});

const LOCK = lockSource(`schema: devenv.lock/v1
box: debian-12
apt:
  nginx: { version: "1.22.1-9+deb12u9", arch: amd64 }
  nginx-common: { version: "1.22.1-9+deb12u9", arch: all }
  libc6:i386: { version: "2.36-9", arch: i386 }
pip:
  /srv/app/venv: { django: { version: "4.2.16" }, asgiref: { version: "3.8.1" } }
`);

describe('the lock applied to the manifests', () => {
  it('pins what the manifests want present, adds the rest of the closure, foreign architectures by name:arch', () => {
    const manifests = lockedManifests(
      [manifest('apt:\n  nginx: {}\nvenv:\n  /srv/app/venv: {}\npip:\n  django: { ensure: "4.2.16", venv: /srv/app/venv }\n')],
      LOCK,
    );
    const catalog = buildCatalog(manifests);
    const ensure = (ref: string) => (catalog.byRef.get(ref)?.attrs as { ensure?: string } | undefined)?.ensure;
    expect(ensure('apt:nginx')).toBe('1.22.1-9+deb12u9');
    expect(ensure('apt:nginx-common')).toBe('1.22.1-9+deb12u9');
    // A foreign architecture's package is locked too: the apt provider adds the architecture when it installs it.
    expect(ensure('apt:libc6:i386')).toBe('2.36-9');
    expect(ensure('pip:asgiref')).toBe('3.8.1');
    // The closure's packages are declared by the lock: errors point into devenv.lock.
    expect(catalog.byRef.get('apt:nginx-common')!.origin.source.file).toMatch(/devenv\.lock$/);
  });

  it('is a profile error naming both when a pin disagrees, or a package the lock has is wanted absent', () => {
    const disagree = () => lockedManifests([manifest('apt:\n  nginx: { ensure: "1.22.1-9+deb12u11" }\n')], LOCK);
    expect(disagree).toThrow(ConfigError);
    expect(disagree).toThrow(/pins nginx 1\.22\.1-9\+deb12u11 but devenv\.lock has 1\.22\.1-9\+deb12u9 \(.*devenv\.lock:4:3\)/);
    expect(() => lockedManifests([manifest('apt:\n  nginx-common: { ensure: absent }\n')], LOCK)).toThrow(/wants nginx-common absent but devenv\.lock has/);
    expect(() => lockedManifests([manifest('venv:\n  /srv/app/venv: {}\npip:\n  django: { ensure: "5.0", venv: /srv/app/venv }\n')], LOCK)).toThrow(
      /pins django 5\.0 in \/srv\/app\/venv but devenv\.lock has 4\.2\.16/,
    );
  });

  it('does not revive a venv the manifests no longer make', () => {
    const catalog = buildCatalog(lockedManifests([manifest('apt:\n  nginx: {}\n')], LOCK));
    expect(catalog.byRef.has('pip:django')).toBe(false);
  });
});

describe('the lock read from an environment', () => {
  it('takes every installed package with its architecture and the sha256 of the lists or the archive', () => {
    const installed = parseInstalled(
      'amd64\nnginx\t1.22.1-9+deb12u9\tamd64\tii \nold\t1.0\tall\trc \nprobe\t1.0\tall\tii \nlibc6\t2.36-9\ti386\tii \nW\tx-1.0-py3-none-any.whl\n',
    );
    expect(installed.nativeArch).toBe('amd64');
    expect(installed.packages.map((p) => p.name)).toEqual(['nginx', 'probe', 'libc6']);
    expect(installed.offeredWheels).toEqual(['x-1.0-py3-none-any.whl']);
    const hashes = parseShowHashes(
      `Package: nginx\nVersion: 1.22.1-9+deb12u9\nArchitecture: amd64\nSHA256: ${SHA('a')}\n\nPackage: nginx\nVersion: 1.22.1-9+deb12u11\nArchitecture: amd64\nSHA256: ${SHA('b')}\n`,
    );
    const archived: ArchivedDeb[] = [{ name: 'probe', version: '1.0', arch: 'all', size: 10, sha256: SHA('c'), control: 'Package: probe\n' }];
    const venvs = parseVenvWheels('V /srv/app/venv\nD Django-4.2.16.dist-info\nD pip-23.0.1.dist-info\nD setuptools-66.1.1.dist-info\nV /srv/empty\n');
    const lock = lockFromEnvironment({ box: 'debian-12', nativeArch: 'amd64', packages: installed.packages, hashes, archived, venvs, wheels: [] });
    expect(lock.apt).toEqual({
      nginx: { version: '1.22.1-9+deb12u9', arch: 'amd64', sha256: SHA('a') },
      probe: { version: '1.0', arch: 'all', sha256: SHA('c') },
      'libc6:i386': { version: '2.36-9', arch: 'i386' },
    });
    expect(lock.pip).toEqual({ '/srv/app/venv': { django: { version: '4.2.16' } } });
  });

  it('grows a lock without changing a locked version, filling what an entry lacked', () => {
    const locked: LockData = { schema: 'devenv.lock/v1', box: 'debian-12', apt: { nginx: { version: '1' }, curl: { version: '7' } }, pip: {} };
    const current: LockData = {
      schema: 'devenv.lock/v1',
      box: 'debian-12',
      apt: { nginx: { version: '1', arch: 'amd64', sha256: SHA('a') }, curl: { version: '8', arch: 'amd64' }, jq: { version: '1.6', arch: 'amd64' } },
      pip: { '/v': { a: { version: '1' } } },
    };
    const merged = mergeLock(locked, current);
    expect(merged).toMatchObject({ added: 2, changed: true });
    expect(merged.data.apt).toEqual({
      nginx: { version: '1', arch: 'amd64', sha256: SHA('a') },
      curl: { version: '7' },
      jq: { version: '1.6', arch: 'amd64' },
    });
    expect(mergeLock(merged.data, current)).toMatchObject({ added: 0, changed: false });
    expect(lockDifferences(merged.data, current)).toEqual([{ package: 'curl', locked: '7', installed: '8' }]);
  });
});

describe('the own archive offered to an environment', () => {
  const deb = (name: string, version: string, arch = 'amd64'): ArchivedDeb => ({
    name,
    version,
    arch,
    size: 3,
    sha256: createHash('sha256').update(`${name} ${version}`).digest('hex'),
    control: `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nDescription: x\n more\n`,
  });
  it('ships only pinned versions the environment lacks and the archive holds, and wheels not offered before', () => {
    const archived = [deb('nginx', '1'), deb('nginx', '2'), deb('curl', '7'), deb('jq', '1.6', 'arm64')];
    const offer = archiveOffer({
      aptPins: new Map([
        ['nginx', '1'],
        ['curl', '7'],
        ['jq', '1.6'],
        ['tar', '1'],
      ]),
      installed: [{ name: 'curl', version: '7', arch: 'amd64' }],
      nativeArch: 'amd64',
      archived,
      pipPins: [
        { name: 'Django', version: '4.2.16' },
        { name: 'x', version: '1' },
      ],
      wheels: [
        { name: 'django', version: '4.2.16', file: 'Django-4.2.16-py3-none-any.whl', sha256: SHA('d') },
        { name: 'x', version: '1', file: 'x-1-py3-none-any.whl', sha256: SHA('e') },
      ],
      offeredWheels: ['x-1-py3-none-any.whl'],
    });
    expect(offer.debs.map((d) => `${d.name}=${d.version}`)).toEqual(['nginx=1']);
    expect(offer.wheels.map((w) => w.file)).toEqual(['Django-4.2.16-py3-none-any.whl']);
  });

  it("ships a foreign architecture's pin (libc6:i386) by its architecture, and knows it installed by the same key", () => {
    const archived = [deb('libfoo', '1', 'amd64'), deb('libfoo', '1', 'i386'), deb('libbar', '2', 'i386')];
    const offer = archiveOffer({
      aptPins: new Map([
        ['libfoo:i386', '1'],
        ['libbar:i386', '2'],
      ]),
      installed: [
        { name: 'libfoo', version: '1', arch: 'amd64' },
        { name: 'libbar', version: '2', arch: 'i386' },
      ],
      nativeArch: 'amd64',
      archived,
      pipPins: [],
      wheels: [],
    });
    // libfoo:amd64 being there does not make libfoo:i386 so; libbar:i386 is.
    expect(offer.debs.map((d) => `${d.name}:${d.arch}=${d.version}`)).toEqual(['libfoo:i386=1']);
  });

  it('indexes them as a flat repository that reads back', () => {
    const packages = packagesIndex([deb('nginx', '1:2.0-1'), deb('curl', '7')]);
    expect(packages).toMatch(/^Package: curl\n/);
    expect(packages).toContain('Filename: pool/nginx_1%3a2.0-1_amd64.deb\nSize: 3\nSHA256: ');
    expect(parsePackagesIndex(packages).map((s) => s.filename)).toEqual(['pool/curl_7_amd64.deb', 'pool/nginx_1%3a2.0-1_amd64.deb']);
    expect(releaseFile(packages)).toMatch(/^SHA256:\n [0-9a-f]{64} \d+ Packages$/m);
    expect(parseWheelName('Django-4.2.16-py3-none-any.whl')).toEqual({ name: 'django', version: '4.2.16' });
    expect(parseWheelName('not-a-wheel.zip')).toBeUndefined();
  });
});

describe('pin freshness', () => {
  it('finds the newest offered version and security updates from recorded apt-cache policy', () => {
    const offered = parsePolicyVersions(readFileSync(new URL('../../fixtures/apt/policy-bookworm.txt', import.meta.url), 'utf8'));
    expect(offered['base-files']).toEqual([{ version: '12.4+deb12u15', suites: ['bookworm/main'] }]);
    const rows = freshness(
      [
        { package: 'nginx', pinned: '1.22.1-9+deb12u9', from: 'app.yaml' },
        { package: 'tzdata', pinned: '2025b-0+deb12u1', from: 'devenv.lock' },
        { package: 'base-files', pinned: '12.4+deb12u15', from: 'devenv.lock' },
        { package: 'gone', pinned: '1.0', from: 'app.yaml' },
      ],
      offered,
    );
    expect(rows).toEqual([
      { package: 'nginx', pinned: '1.22.1-9+deb12u9', from: 'app.yaml', newest: '1.22.1-9+deb12u11', security: true, newer: ['1.22.1-9+deb12u11'] },
      {
        package: 'tzdata',
        pinned: '2025b-0+deb12u1',
        from: 'devenv.lock',
        newest: '2026f-0+deb12u1',
        security: true,
        newer: ['2026f-0+deb12u1', '2026b-0+deb12u1'],
      },
      { package: 'base-files', pinned: '12.4+deb12u15', from: 'devenv.lock', newest: '12.4+deb12u15', security: false, newer: [] },
      { package: 'gone', pinned: '1.0', from: 'app.yaml', security: false, newer: [] },
    ]);
  });
});
