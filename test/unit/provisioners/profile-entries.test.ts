import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { provisionInputsHash, provisionStages } from '../../../src/provisioners/stages.js';
import { loadProfile } from '../../../src/environment/load.js';
import { commonFolder } from '../../../src/provisioners/entries.js';

const PUPPET = fileURLToPath(new URL('../../fixtures/provisioners/puppet/', import.meta.url));
const ANSIBLE = fileURLToPath(new URL('../../fixtures/provisioners/ansible/', import.meta.url));

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A project with the fixture trees under ops/ and a manifest, and this profile. */
function project(profile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'devenv-provisioners-'));
  dirs.push(dir);
  cpSync(PUPPET, join(dir, 'ops', 'puppet'), { recursive: true });
  cpSync(ANSIBLE, join(dir, 'ops', 'ansible'), { recursive: true });
  mkdirSync(join(dir, 'manifests'));
  writeFileSync(join(dir, 'manifests', 'app.yaml'), 'file:\n  /etc/app.conf: { content: "x = 1\\n" }\n');
  writeFileSync(join(dir, 'devenv.yaml'), profile);
  return join(dir, 'devenv.yaml');
}

const MIXED = `name: mysite
box: debian-12
provisioners:
  - puppet:
      manifest: ops/puppet/site.pp
      modulepath: [ops/puppet/modules]
      hiera: ops/puppet/hiera.yaml
      facts: { role: web, rack: 3 }
  - ansible:
      playbook: ops/ansible/site.yml
      groups: [web]
      extra_vars: { env_name: dev }
  - devenv: [manifests/app.yaml]
`;

async function configError(path: string): Promise<ConfigError> {
  try {
    await loadProfile(path);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the profile loaded');
}

describe('provisioners in the profile', () => {
  it('resolves each entry: the code tree, paths inside it, facts as strings, devenv manifests loaded', async () => {
    const path = project(MIXED);
    const profile = await loadProfile(path);
    const dir = join(path, '..');
    expect(profile.provisioners).toEqual([
      expect.objectContaining({
        kind: 'puppet',
        index: 0,
        root: join(dir, 'ops', 'puppet'),
        manifest: 'site.pp',
        modulepath: ['modules'],
        hiera: 'hiera.yaml',
        config: expect.objectContaining({ facts: { role: 'web', rack: '3' } }),
      }),
      expect.objectContaining({ kind: 'ansible', index: 1, root: join(dir, 'ops', 'ansible'), playbook: join(dir, 'ops', 'ansible', 'site.yml') }),
      { kind: 'devenv', index: 2, from: 0, to: 1 },
    ]);
    expect(profile.manifests.map((m) => m.path)).toEqual([join(dir, 'manifests', 'app.yaml')]);
  });

  it('makes manifests alone one devenv entry', async () => {
    const profile = await loadProfile(project('name: mysite\nbox: debian-12\nmanifests: [manifests/app.yaml]\n'));
    expect(profile.provisioners).toEqual([{ kind: 'devenv', index: 0, from: 0, to: 1 }]);
  });

  it.each([
    ['both manifests and provisioners', `${MIXED}manifests: [manifests/app.yaml]\n`, /devenv\.yaml:14:\d+: .*manifests.*"- devenv: \[\.\.\.\]" entry/],
    [
      'an entry with two kinds',
      'name: m\nbox: debian-12\nprovisioners:\n  - devenv: [manifests/app.yaml]\n    puppet: { manifest: ops/puppet/site.pp }\n',
      /devenv\.yaml:4:\d+: .*exactly one provisioner/,
    ],
    ['an unknown kind', 'name: m\nbox: debian-12\nprovisioners:\n  - salt: { state: top.sls }\n', /devenv\.yaml:4:\d+: .*salt/],
    [
      'a missing manifest',
      'name: m\nbox: debian-12\nprovisioners:\n  - puppet: { manifest: ops/puppet/nosuch.pp }\n',
      /devenv\.yaml:4:\d+: .*nosuch\.pp does not exist/,
    ],
    [
      'a modulepath that is a file',
      'name: m\nbox: debian-12\nprovisioners:\n  - puppet:\n      manifest: ops/puppet/site.pp\n      modulepath: [ops/puppet/site.pp]\n',
      /devenv\.yaml:6:\d+: .*is a file, not a folder/,
    ],
    [
      'a version apt could take for an option',
      'name: m\nbox: debian-12\nprovisioners:\n  - puppet: { manifest: ops/puppet/site.pp, version: "--force-yes" }\n',
      /devenv\.yaml:4:\d+: .*exact Debian version/,
    ],
    [
      'a missing playbook',
      'name: m\nbox: debian-12\nprovisioners:\n  - ansible: { playbook: ops/ansible/nosuch.yml }\n',
      /devenv\.yaml:4:\d+: .*nosuch\.yml does not exist/,
    ],
    [
      'a bad group name',
      'name: m\nbox: debian-12\nprovisioners:\n  - ansible: { playbook: ops/ansible/site.yml, groups: ["web servers"] }\n',
      /devenv\.yaml:4:\d+: .*group names/,
    ],
  ])('refuses %s with file:line:column (exit 2)', async (_name, text, message) => {
    const error = await configError(project(text));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });
});

describe('provisioner stages of the image cache', () => {
  it('gives each provisioner a stage whose key covers its tree and every stage before it', async () => {
    const path = project(MIXED);
    const before = provisionStages(await loadProfile(path));
    expect(before).toHaveLength(3);
    expect(before.map((stage) => stage.provisioner?.kind)).toEqual(['puppet', 'ansible', undefined]);
    expect(new Set(before.map((stage) => stage.key)).size).toBe(3);

    // The same inputs: the same keys (the saved images are found again).
    expect(provisionStages(await loadProfile(path)).map((stage) => stage.key)).toEqual(before.map((stage) => stage.key));

    // One changed file in the Ansible tree: the puppet stage is kept, the ansible stage and the one after it are not.
    writeFileSync(join(path, '..', 'ops', 'ansible', 'group_vars', 'web.yml'), 'web_greeting: hi\nweb_port: 8080\n');
    const after = provisionStages(await loadProfile(path));
    expect(after[0]!.key).toBe(before[0]!.key);
    expect(after[1]!.key).not.toBe(before[1]!.key);
    expect(after[2]!.key).not.toBe(before[2]!.key);
  });

  it('keys hiera data and facts too, and the whole profile marker follows its last stage', async () => {
    const path = project(MIXED);
    const first = await loadProfile(path);
    const [puppet] = provisionStages(first);
    writeFileSync(join(path, '..', 'ops', 'puppet', 'data', 'common.yaml'), 'web::greeting: hi\nweb::port: 8080\n');
    expect(provisionStages(await loadProfile(path))[0]!.key).not.toBe(puppet!.key);
    writeFileSync(path, MIXED.replace('role: web', 'role: db'));
    const facts = await loadProfile(path);
    expect(provisionStages(facts)[0]!.key).not.toBe(puppet!.key);
    expect(provisionInputsHash(facts)).toBe(provisionInputsHash(provisionStages(facts)[2]!.profile));
    expect(provisionInputsHash(facts)).not.toBe(provisionInputsHash(first));
  });
});

describe('commonFolder', () => {
  it('is the deepest folder holding all', () => {
    expect(commonFolder(['/a/b/c', '/a/b/d/e', '/a/b'])).toBe('/a/b');
    expect(commonFolder(['/a/b'])).toBe('/a/b');
    expect(commonFolder(['/a', '/b'])).toBe('/');
  });
});
