import { describe, expect, it } from 'vitest';
import { compareFacts } from '../../../src/parity/compare.js';
import { fleetExitCode, fleetParity, machinesParity, type FleetReference } from '../../../src/parity/fleet.js';
import { renderFleetJunit, renderFleetMarkdown, renderFleetText } from '../../../src/parity/fleet-render.js';
import { parityDocument } from '../../../src/parity/render.js';
import { OPTIONS, containerFacts, hostFacts } from './fixtures.js';

/** Three production hosts against one environment: two like the environment, one drifted. */
function fleet(): { references: FleetReference[]; actual: ReturnType<typeof containerFacts> } {
  const actual = containerFacts();
  const drifted = hostFacts();
  drifted.packages!.deb['nginx']!.version = '1.22.1-9+deb12u9';
  return {
    actual,
    references: [
      { host: 'ops@web1', seconds: 0.4, facts: hostFacts() },
      { host: 'ops@web2', seconds: 0.5, facts: drifted },
      { host: 'ops@web3', seconds: 0.3, facts: hostFacts() },
    ],
  };
}

describe('fleet parity', () => {
  it('each host gets the one-host document, and the summary adds them up', () => {
    const { references, actual } = fleet();
    const doc = fleetParity(references, actual, OPTIONS, 'error');
    expect(doc.schema).toBe('devenv.fleet-parity/v1');
    expect(doc.hosts.map((h) => [h.host, h.status])).toEqual([
      ['ops@web1', 'clean'],
      ['ops@web2', 'drift'],
      ['ops@web3', 'clean'],
    ]);
    // The per-host part is exactly what `devenv parity` prints for that host alone.
    const web2 = references[1] as { facts: ReturnType<typeof hostFacts> };
    const alone = parityDocument(web2.facts, actual, compareFacts(web2.facts, actual, OPTIONS));
    expect(doc.hosts[1]!.parity).toEqual(alone);
    expect(doc.hosts[1]!.parity!.drift.find((d) => d.path === 'packages.deb.nginx')).toMatchObject({
      severity: 'error',
      expected: '1.22.1-9+deb12u9',
      actual: '1.22.1-9',
    });
    expect(doc.summary).toMatchObject({ hosts: 3, clean: 2, drift: 1, failed: 0, error: 1 });
    expect(doc.summary.info).toBe(doc.hosts.reduce((n, h) => n + h.parity!.summary.info, 0));
    expect(fleetExitCode(doc)).toBe(1);
  });

  it('all clean is exit 0; --fail-on warning counts warnings as drift', () => {
    const { references, actual } = fleet();
    const clean = fleetParity([references[0]!, references[2]!], actual, OPTIONS, 'error');
    expect(fleetExitCode(clean)).toBe(0);
    const warned = containerFacts();
    warned.ssh!['x11forwarding'] = 'yes';
    const lenient = fleetParity([references[0]!], warned, OPTIONS, 'error');
    expect(lenient.hosts[0]!.parity!.summary).toMatchObject({ error: 0, warning: 1 });
    expect(lenient.hosts[0]!.status).toBe('clean');
    expect(fleetParity([references[0]!], warned, OPTIONS, 'warning').hosts[0]!.status).toBe('drift');
  });

  it('a host without facts is reported as failed, the others still compared, exit 4', () => {
    const { references, actual } = fleet();
    const doc = fleetParity([references[0]!, { host: 'ops@down', seconds: 15, error: 'ssh to ops@down failed: Connection refused' }], actual, OPTIONS, 'error');
    expect(doc.hosts[1]).toEqual({ host: 'ops@down', status: 'failed', seconds: 15, error: 'ssh to ops@down failed: Connection refused' });
    expect(doc.hosts[0]!.status).toBe('clean');
    expect(fleetExitCode(doc)).toBe(4);
    expect(renderFleetText(doc)).toContain('could not collect facts: ssh to ops@down failed');
    expect(renderFleetJunit(doc)).toContain('errors="1"');
  });

  it('text ends with a summary row per host; Markdown and JUnit carry a part per host', () => {
    const { references, actual } = fleet();
    const doc = fleetParity(references, actual, OPTIONS, 'error');
    const text = renderFleetText(doc);
    expect(text).toMatch(
      /fleet parity: 3 hosts against mysite: 1 drift at error or above, 2 clean\nhost +status +errors +warnings +info +seconds\nops@web1 +clean +0 /,
    );
    expect(text).toMatch(/ops@web2 +DRIFT +1 /);
    expect(text.match(/^parity: /gm)).toHaveLength(3);
    const xml = renderFleetJunit(doc);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/<testsuites name="devenv fleet parity" tests="54" failures="1"/);
    const md = renderFleetMarkdown(doc);
    expect(md).toContain('| `ops@web2` | drift | 1 |');
  });

  it('machines: each machine against its own production, with its own environment, reported per machine', () => {
    const web = containerFacts();
    const db = containerFacts();
    const dbProduction = hostFacts();
    dbProduction.packages!.deb['nginx']!.version = '1.22.1-9+deb12u9';
    const doc = machinesParity(
      'shop',
      [
        { machine: 'db', host: 'ops@db1', seconds: 0.4, options: OPTIONS, facts: dbProduction, actual: db },
        { machine: 'web', host: 'ops@web1', seconds: 0.3, options: OPTIONS, facts: hostFacts(), actual: web },
        { machine: 'cache', host: 'ops@cache1', seconds: 9, options: OPTIONS, error: 'ssh to ops@cache1 failed' },
      ],
      'error',
      '2026-01-01T00:00:00Z',
    );
    expect(doc).toMatchObject({
      schema: 'devenv.fleet-parity/v1',
      actual: { kind: 'machines', name: 'shop' },
      summary: { hosts: 3, drift: 1, clean: 1, failed: 1 },
    });
    expect(doc.hosts.map((h) => [h.machine, h.host, h.status])).toEqual([
      ['db', 'ops@db1', 'drift'],
      ['web', 'ops@web1', 'clean'],
      ['cache', 'ops@cache1', 'failed'],
    ]);
    expect(doc.hosts[0]!.parity).toEqual(parityDocument(dbProduction, db, compareFacts(dbProduction, db, OPTIONS)));
    expect(fleetExitCode(doc)).toBe(4);
    const text = renderFleetText(doc);
    expect(text).toMatch(/^db: ops@db1 +DRIFT/m);
    expect(text).toContain('parity: cache: ops@cache1 → shop');
  });
});
