import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { Facts } from '../../../src/facts/schema.js';
import { playbookGroups, profileFromCode } from '../../../src/init/from-code.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/provisioners/', import.meta.url));

describe('init --puppet / --ansible', () => {
  it("writes a puppet entry from the folder Puppet itself would read, at production's agent version", () => {
    const facts = { packages: { deb: { 'puppet-agent': { version: '7.23.0-1+deb12u1', arch: 'all', status: 'ii' } } } } as unknown as Facts;
    const file = profileFromCode({
      kind: 'puppet',
      dir: join(FIXTURES, 'puppet'),
      projectDir: FIXTURES,
      name: 'shop',
      box: 'debian-12',
      production: { ssh: 'ssh://ops@prod1' },
      facts,
    });
    expect(file.path).toBe('devenv.yaml');
    expect(parse(file.content)).toEqual({
      name: 'shop',
      box: 'debian-12',
      provisioners: [{ puppet: { manifest: 'puppet/site.pp', modulepath: ['puppet/modules'], hiera: 'puppet/hiera.yaml', version: '7.23.0-1+deb12u1' } }],
      production: { ssh: 'ssh://ops@prod1' },
    });
  });

  it('writes an ansible entry in the groups the plays target', () => {
    const file = profileFromCode({ kind: 'ansible', dir: join(FIXTURES, 'ansible'), projectDir: FIXTURES, name: 'shop', box: 'debian-12' });
    expect(parse(file.content).provisioners).toEqual([{ ansible: { playbook: 'ansible/site.yml', groups: ['web'] } }]);
  });

  it('reads group names from hosts patterns, leaving out all, localhost and excluded groups', () => {
    expect(playbookGroups('- hosts: web:db\n- hosts: [cache, all]\n- hosts: "web:!staging:&eu"\n- hosts: localhost\n- import_playbook: x.yml\n')).toEqual([
      'web',
      'db',
      'cache',
      'eu',
    ]);
    expect(playbookGroups(': not yaml: [')).toEqual([]);
  });

  it('says what it looked for when the folder holds no site.pp or playbook', () => {
    expect(() => profileFromCode({ kind: 'puppet', dir: FIXTURES, projectDir: FIXTURES, name: 'x', box: 'debian-12' })).toThrow(UsageError);
    expect(() => profileFromCode({ kind: 'ansible', dir: join(FIXTURES, 'puppet'), projectDir: FIXTURES, name: 'x', box: 'debian-12' })).toThrow(
      /no site\.yml, site\.yaml/,
    );
  });
});
