import { describe, expect, it } from 'vitest';
import { buildInventory, compareVersions, pipVersionForOrdering } from '../../../src/inventory/inventory.js';
import { renderInventoryMarkdown, renderInventoryText } from '../../../src/inventory/render.js';
import { hostFacts } from '../parity/fixtures.js';

function withVersions(name: string, deb: Record<string, string>, pip: Record<string, string> = {}) {
  const facts = hostFacts();
  facts.target = { ...facts.target, name };
  facts.packages = { deb: Object.fromEntries(Object.entries(deb).map(([n, v]) => [n, { version: v, arch: 'amd64', status: 'ii' }])) };
  facts.runtimes = { python: { '/srv/app/venv': { packages: pip } } };
  return { host: name, facts };
}

describe('inventory', () => {
  const hosts = [
    withVersions('web1', { nginx: '1.22.1-9+deb12u1', demo: '1.10-1', curl: '7.88.1-10' }, { django: '4.2.16' }),
    withVersions('web2', { nginx: '1.22.1-9+deb12u1', demo: '1.10-1', curl: '7.88.1-10' }, { django: '4.2.16' }),
    withVersions('web3', { nginx: '1.22.1-9', demo: '1.9-1', curl: '7.88.1-10', extra: '1.0' }, { django: '4.2rc1' }),
  ];

  it('names the lagging host of each package, in dpkg order (1.9 is older than 1.10)', () => {
    const doc = buildInventory(hosts);
    expect(doc.schema).toBe('devenv.inventory/v1');
    const demo = doc.packages.find((p) => p.name === 'demo')!;
    expect(demo).toEqual({
      kind: 'apt',
      name: 'demo',
      newest: '1.10-1',
      versions: { web1: '1.10-1', web2: '1.10-1', web3: '1.9-1' },
      lagging: ['web3'],
      missing: [],
    });
    expect(doc.packages.find((p) => p.name === 'nginx')!.lagging).toEqual(['web3']);
    expect(doc.packages.find((p) => p.name === 'curl')).toMatchObject({ lagging: [], missing: [] });
    expect(doc.packages.find((p) => p.name === 'extra')).toMatchObject({ lagging: [], missing: ['web1', 'web2'], newest: '1.0' });
    // A release candidate comes before its release, as pip orders them.
    expect(doc.packages.find((p) => p.kind === 'pip' && p.name === 'django')).toMatchObject({ newest: '4.2.16', lagging: ['web3'] });
    expect(doc.summary).toEqual({ hosts: 3, packages: 5, differing: 4, lagging: { web1: 0, web2: 0, web3: 3 } });
  });

  it('--package keeps one package; removed packages (rc) run nowhere', () => {
    const removed = withVersions('web4', { demo: '2.0-1' });
    removed.facts.packages!.deb['demo']!.status = 'rc';
    const doc = buildInventory([...hosts, removed], { package: 'demo' });
    expect(doc.packages).toHaveLength(1);
    expect(doc.packages[0]).toMatchObject({ newest: '1.10-1', missing: ['web4'], lagging: ['web3'] });
    const text = renderInventoryText(doc, { package: 'demo' });
    expect(text).toMatch(/web3 +1\.9-1 +lags/);
    expect(text).toMatch(/web4 +— +not installed/);
    expect(renderInventoryText(buildInventory(hosts, { package: 'nope' }), { package: 'nope' })).toContain('no host has a package named nope');
  });

  it('the table shows what differs, marks lagging versions, and says who lags', () => {
    const text = renderInventoryText(buildInventory(hosts));
    expect(text).toContain('inventory: 3 hosts, 5 packages (4 apt, 1 pip), 4 not at one version everywhere');
    expect(text).toMatch(/\ndemo +apt +1\.10-1 +1\.10-1 +1\.9-1 ↓\n/);
    expect(text).not.toMatch(/\ncurl /);
    expect(text).toContain('lagging: web3 (3 packages older than on another host)');
    expect(text).toContain('(1 packages at one version on every host: --verbose lists them)');
    expect(renderInventoryText(buildInventory(hosts), { verbose: true })).toMatch(/\ncurl +apt /);
    expect(renderInventoryMarkdown(buildInventory(hosts))).toContain('| demo | apt | 1.10-1 | 1.10-1 | 1.9-1 ↓ |');
  });

  it('pip versions: pre-releases and dev releases before the release, post releases after', () => {
    const order = ['1.0.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0.post1', '1.0.1', '1.10'];
    for (let i = 1; i < order.length; i++) expect(compareVersions('pip', order[i - 1]!, order[i]!), `${order[i - 1]} < ${order[i]}`).toBeLessThan(0);
    expect(pipVersionForOrdering('2.0+local.abc')).toBe('2.0');
    expect(compareVersions('apt', '1:1.0', '2.0')).toBeGreaterThan(0);
  });
});

describe('inventory with a host that could not be collected', () => {
  it('lists it apart, in the document and under the table', () => {
    const doc = buildInventory([], { failed: [{ host: 'ops@down', error: 'ssh to ops@down failed: Connection refused' }] });
    expect(doc.failed).toEqual([{ host: 'ops@down', error: 'ssh to ops@down failed: Connection refused' }]);
    expect(renderInventoryText(doc)).toContain('could not collect ops@down: ssh to ops@down failed: Connection refused\n');
  });
});
