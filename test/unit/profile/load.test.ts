import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { bundledBoxesDir } from '../../../src/box/definition.js';
import { loadProfile } from '../../../src/environment/load.js';
import { hostFolderPath, locateProfile } from '../../../src/profile/parse.js';

const GOOD = fileURLToPath(new URL('../../fixtures/profiles/good/', import.meta.url));
const GiB = 1024 ** 3;

describe('loadProfile on a minimal profile', () => {
  it('applies the defaults', async () => {
    const profile = await loadProfile(join(GOOD, 'minimal', 'devenv.yaml'));
    expect(profile.data).toEqual({
      name: 'mysite',
      box: 'debian-12',
      backend: 'docker',
      resources: {},
      ports: [],
      sync: [],
      manifests: [],
      apt: { install_recommends: true },
      sysctls: {},
      vars: {},
      parity: { ignore: [] },
      checklist: {
        allowed_ports: [22, 80, 443],
        datastore_ports: [3306, 5432, 6379, 11211, 27017, 9200],
        secrets: [],
        app_services: [],
        app_paths: [],
        skip: {},
      },
    });
    expect(profile.dir).toBe(join(GOOD, 'minimal'));
    expect(profile.box.path).toBe(join(bundledBoxesDir(), 'debian-12.yaml'));
    expect(profile.box.debootstrap.suite).toBe('bookworm');
    expect(profile.manifests).toEqual([]);
    expect(profile.sync).toEqual([]);
    expect(profile.environmentHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('hashes the environment the same way twice', async () => {
    const a = await loadProfile(join(GOOD, 'minimal', 'devenv.yaml'));
    const b = await loadProfile(join(GOOD, 'minimal', 'devenv.yaml'));
    expect(a.environmentHash).toBe(b.environmentHash);
  });
});

describe('loadProfile on a profile with every field', async () => {
  const dir = join(GOOD, 'full');
  const profile = await loadProfile(join(dir, 'devenv.yaml'));

  it('binds forwarded ports to 127.0.0.1 unless an address is written', () => {
    expect(profile.data.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 8443, guestPort: 443, protocol: 'tcp' },
      { hostIp: '::1', hostPort: 5353, guestPort: 53, protocol: 'udp' },
    ]);
  });

  it('reads memory sizes into bytes', () => {
    expect(profile.data.resources).toEqual({ cpus: 2, memory: 2 * GiB });
  });

  it('resolves paths against the profile folder, not the working directory', () => {
    expect(process.cwd()).not.toBe(dir);
    expect(profile.sync).toEqual([
      { host: './app', guest: '/srv/mysite/app', readOnly: false, hostPath: join(dir, 'app') },
      { host: 'data', guest: '/srv/mysite/data', readOnly: true, hostPath: join(dir, 'data') },
    ]);
    expect(profile.manifests.map((manifest) => manifest.path)).toEqual([join(dir, 'manifests', 'base.yaml')]);
    expect(profile.box.path).toBe(join(dir, 'boxes', 'house-box.yaml'));
    expect(profile.box.name).toBe('house-box');
  });

  it('keeps the rest as written', () => {
    expect(profile.data.backend).toBe('vagrant');
    expect(profile.data.vagrant).toEqual({ provider: 'libvirt', box: 'debian/bookworm64' });
    expect(profile.data.vars).toEqual({ app_user: 'mysite', workers: 3 });
    expect(profile.data.production).toEqual({ facts: 'prod.facts.json', sudo: false });
    expect(profile.data.checklist.allowed_ports).toEqual([22, 443]);
    expect(profile.data.checklist.skip).toEqual({ 'firewall-default-deny': 'the cloud security group does this' });
    expect(profile.file).toBe(join('test', 'fixtures', 'profiles', 'good', 'full', 'devenv.yaml'));
  });

  it('changes the environment hash when what shapes the environment changes', async () => {
    const minimal = await loadProfile(join(GOOD, 'minimal', 'devenv.yaml'));
    expect(profile.environmentHash).not.toBe(minimal.environmentHash);
  });
});

describe('locateProfile', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'devenv-locate-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds devenv.yaml in the working directory, or inside a folder given to -p', () => {
    mkdirSync(join(scratch, 'project'));
    writeFileSync(join(scratch, 'project', 'devenv.yaml'), 'name: x\nbox: debian-12\n');
    expect(locateProfile(undefined, join(scratch, 'project'))).toBe(join(scratch, 'project', 'devenv.yaml'));
    expect(locateProfile('project', scratch)).toBe(join(scratch, 'project', 'devenv.yaml'));
    expect(locateProfile('project/devenv.yaml', scratch)).toBe(join(scratch, 'project', 'devenv.yaml'));
  });

  it('is a usage error (exit 2) when there is none', () => {
    expect(() => locateProfile(undefined, scratch)).toThrow(UsageError);
    expect(() => locateProfile('nope.yaml', scratch)).toThrow(/^no profile at /);
    mkdirSync(join(scratch, 'empty'));
    expect(() => locateProfile('empty', scratch)).toThrow(/is a folder without a devenv.yaml/);
  });
});

describe('synced folders on the host', () => {
  it('are absolute, relative to the profile, or under the home folder with "~/" as in a shell', () => {
    expect(hostFolderPath('/data/app', '/work/project')).toBe('/data/app');
    expect(hostFolderPath('./app', '/work/project')).toBe('/work/project/app');
    expect(hostFolderPath('~/code/app', '/work/project')).toBe(join(homedir(), 'code/app'));
    expect(hostFolderPath('~', '/work/project')).toBe(homedir());
    // "~user" is not expanded (devenv does not look users up): it is a folder name like any other.
    expect(hostFolderPath('~other/app', '/work/project')).toBe('/work/project/~other/app');
  });

  it('a "~/" folder is found in the home folder when the profile loads', async () => {
    const home = mkdtempSync(join(tmpdir(), 'devenv-home-'));
    const previous = process.env.HOME;
    try {
      process.env.HOME = home;
      mkdirSync(join(home, 'code'));
      const project = join(home, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'devenv.yaml'), 'name: x\nbox: debian-12\nsync: ["~/code:/srv/code"]\n');
      const profile = await loadProfile(join(project, 'devenv.yaml'));
      expect(profile.sync[0]?.hostPath).toBe(join(home, 'code'));
      // A "~/" folder that is not there is the same one-line error, at the entry, as any missing folder.
      writeFileSync(join(project, 'devenv.yaml'), 'name: x\nbox: debian-12\nsync: ["~/gone:/srv/code"]\n');
      await expect(loadProfile(join(project, 'devenv.yaml'))).rejects.toThrow(
        new RegExp(`devenv\\.yaml:3:8: sync\\[0\\]: the host folder ${join(home, 'gone').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist$`),
      );
    } finally {
      process.env.HOME = previous;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
