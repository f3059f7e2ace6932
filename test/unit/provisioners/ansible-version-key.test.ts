import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The host's ansible-core is part of the ansible stage's image-cache key (issue 19):
 * its modules and their defaults change with it, so an image provisioned by one
 * version is not what another would make. `ansible-playbook` here is a stand-in on
 * PATH printing a version, so the keys of a real profile are compared.
 */
const PUPPET = fileURLToPath(new URL('../../fixtures/provisioners/puppet/', import.meta.url));
const ANSIBLE = fileURLToPath(new URL('../../fixtures/provisioners/ansible/', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'devenv-ansible-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(PUPPET, join(dir, 'ops', 'puppet'), { recursive: true });
cpSync(ANSIBLE, join(dir, 'ops', 'ansible'), { recursive: true });
writeFileSync(
  join(dir, 'devenv.yaml'),
  `name: mysite
box: debian-12
provisioners:
  - puppet:
      manifest: ops/puppet/site.pp
      modulepath: [ops/puppet/modules]
      hiera: ops/puppet/hiera.yaml
  - ansible:
      playbook: ops/ansible/site.yml
      groups: [web]
`,
);
const bin = join(dir, 'bin');
mkdirSync(bin);
const path = process.env['PATH'];

function hostAnsible(firstLine: string | undefined): void {
  if (firstLine === undefined) rmSync(join(bin, 'ansible-playbook'), { force: true });
  else {
    writeFileSync(join(bin, 'ansible-playbook'), `#!/bin/sh\nprintf '%s\\n' '${firstLine}' '  config file = None'\n`);
    chmodSync(join(bin, 'ansible-playbook'), 0o755);
  }
  process.env['PATH'] = `${bin}:/nonexistent`;
}

/** The stage keys as a fresh devenv process computes them (the version is read once per process). */
async function stageKeys(): Promise<string[]> {
  vi.resetModules();
  const [{ loadProfile }, { provisionStages }] = await Promise.all([import('../../../src/environment/load.js'), import('../../../src/provisioners/stages.js')]);
  return provisionStages(await loadProfile(join(dir, 'devenv.yaml'))).map((stage) => stage.key);
}

afterEach(() => {
  process.env['PATH'] = path;
});

describe("the ansible stage key and the host's ansible-core", () => {
  it('changes with the version, and only from the ansible stage on', async () => {
    hostAnsible('ansible-playbook [core 2.14.18]');
    const first = await stageKeys();
    expect(await stageKeys()).toEqual(first);
    hostAnsible('ansible-playbook [core 2.16.3]');
    const upgraded = await stageKeys();
    expect(upgraded[0]).toBe(first[0]);
    expect(upgraded[1]).not.toBe(first[1]);
    hostAnsible(undefined);
    expect((await stageKeys())[1]).not.toBe(first[1]);
  });

  it('reads `ansible-playbook --version` once per process, shared with the check before any engine', async () => {
    hostAnsible('ansible-playbook [core 2.14.18]');
    vi.resetModules();
    const ansible = await import('../../../src/provisioners/ansible.js');
    expect(await ansible.ansibleVersion()).toBe('ansible-playbook [core 2.14.18]');
    hostAnsible('ansible-playbook [core 2.16.3]');
    expect(ansible.hostAnsibleVersion()).toBe('ansible-playbook [core 2.14.18]');
  });
});
