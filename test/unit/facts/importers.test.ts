import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/core/errors.js';
import { importAnsible } from '../../../src/facts/import-ansible.js';
import { importFacter } from '../../../src/facts/import-facter.js';
import { parseFactsText, readFactsFile } from '../../../src/facts/read-facts-file.js';
import { FACT_SECTIONS } from '../../../src/facts/sections.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/facts/${name}`, import.meta.url), 'utf8');
const fixturePath = (name: string): string => fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url));

describe('importFacter', () => {
  it('maps Facter 4 structured facts into platform and resources', () => {
    const facts = importFacter(JSON.parse(fixture('facter.json')), { name: 'facter.json' });
    expect(facts.source).toBe('facter');
    expect(facts.platform).toEqual({
      os: { id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0-18-amd64',
      arch: 'amd64',
      hostname: 'web1',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: '',
    });
    expect(facts.resources).toEqual({ cpus: 2, memory_bytes: 4125122560 });
  });

  it('lists every section it has no data for in missing, never an empty section', () => {
    const facts = importFacter(JSON.parse(fixture('facter.json')), { name: 'facter.json' });
    expect(facts.missing).toEqual(FACT_SECTIONS.filter((s) => s !== 'platform' && s !== 'resources'));
    expect(facts.packages).toBeUndefined();
    // Facter's timezone is an abbreviation ("CET"): not a zone name, so not reported as one.
    expect(facts.time).toBeUndefined();
  });

  it('reads Facter 2 flat facts and the `puppet facts` wrapper', () => {
    const legacy = importFacter(JSON.parse(fixture('facter-legacy.json')), { name: 'old' });
    expect(legacy.platform).toMatchObject({ os: { id: 'debian', version_id: '10', codename: 'buster' }, virtualization: { kind: 'physical' } });
    expect(legacy.resources).toEqual({ cpus: 1, memory_bytes: Math.round(1990.23 * 1024 * 1024) });
    const wrapped = importFacter({ name: 'web1', values: JSON.parse(fixture('facter.json')) }, { name: 'p' });
    expect(wrapped.platform?.hostname).toBe('web1');
  });
});

describe('importAnsible', () => {
  it('maps setup facts, x86_64 as amd64, service manager as PID 1', () => {
    const { facts, format } = parseFactsText(fixture('ansible-setup.txt'), 'ansible.txt');
    expect(format).toBe('ansible');
    expect(facts.platform).toEqual({
      os: { id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0-18-amd64',
      arch: 'amd64',
      hostname: 'web1',
      machine_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: 'systemd',
    });
    expect(facts.resources).toEqual({ cpus: 2, memory_bytes: 3934 * 1024 * 1024 });
    expect(facts.collected_at).toBe('2025-01-02T03:04:05Z');
    // ansible_env is the login session's, not the system's locale.
    expect(facts.locale).toBeUndefined();
    expect(facts.missing).toContain('locale');
    expect(facts.missing).toContain('packages');
  });

  it('takes package_facts packages when merged in, foreign architectures as name:arch', () => {
    const facts = importAnsible(JSON.parse(fixture('ansible-tree-with-packages.json')), { name: 'tree' });
    expect(facts.platform).toMatchObject({ arch: 'arm64', virtualization: { kind: 'container', tech: 'docker' } });
    expect(facts.target.container).toBe(true);
    expect(facts.packages?.deb).toEqual({
      nginx: { version: '1.22.1-9', arch: 'arm64', status: 'ii' },
      libc6: { version: '2.36-9+deb12u4', arch: 'arm64', status: 'ii' },
      'libc6:armhf': { version: '2.36-9+deb12u4', arch: 'armhf', status: 'ii' },
    });
    expect(facts.missing).not.toContain('packages');
  });

  it('accepts a bare facts object without the ansible_ prefix wrapper', () => {
    const facts = importAnsible({ ansible_distribution: 'Debian', ansible_distribution_major_version: '12', ansible_architecture: 'x86_64' }, { name: 'bare' });
    expect(facts.platform?.os).toEqual({ id: 'debian', version_id: '12' });
  });
});

describe('reading a facts file', () => {
  it('detects devenv, Facter and Ansible documents', async () => {
    expect((await readFactsFile(fixturePath('facter.json'))).format).toBe('facter');
    expect((await readFactsFile(fixturePath('ansible-tree-with-packages.json'))).format).toBe('ansible');
    const own = JSON.stringify({ schema: 'devenv.facts/v1', collected_at: 'x', source: 'devenv', target: { kind: 'docker', name: 'e', container: true } });
    expect(parseFactsText(own, 'own.json')).toMatchObject({ format: 'devenv', facts: { errors: {}, missing: [] } });
  });

  it.each([
    ['not JSON', '{"schema": ', /is not valid JSON/],
    ['a list', '[1,2]', /expected a JSON object/],
    ['another schema', '{"schema":"devenv.check/v1"}', /reads devenv\.facts\/v1/],
    ['a broken devenv document', '{"schema":"devenv.facts/v1","source":"devenv"}', /is not valid devenv\.facts\/v1: collected_at/],
    ['something else', '{"hello":"world"}', /neither devenv facts, Facter .* nor Ansible/],
  ])('refuses %s with a one-line usage error (exit 2)', (_what, text, message) => {
    let thrown: unknown;
    try {
      parseFactsText(text, 'prod.json');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(ExitCode.usage);
    expect((thrown as UsageError).message).toMatch(message);
    expect((thrown as UsageError).message).not.toContain('\n');
  });

  it('says a missing file does not exist', async () => {
    await expect(readFactsFile('/nonexistent/prod.json')).rejects.toThrow(/does not exist/);
  });
});
