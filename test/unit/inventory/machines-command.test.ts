import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/inventory.js';
import { UsageError } from '../../../src/core/errors.js';
import { commandContext } from '../command-context.js';
import { hostFacts } from '../parity/fixtures.js';

/** `devenv inventory` beside a machines: profile: every machine's production, no engine. */
describe('devenv inventory on a machines: profile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-inventory-machines-'));
    const web = hostFacts();
    const db = hostFacts();
    db.packages!.deb['nginx']!.version = '1.22.1-9';
    web.packages!.deb['nginx']!.version = '1.22.1-9+deb12u1';
    await writeFile(join(dir, 'web.facts.json'), JSON.stringify(web));
    await writeFile(join(dir, 'db.facts.json'), JSON.stringify(db));
    await writeFile(
      join(dir, 'devenv.yaml'),
      [
        'name: shop',
        'box: debian-12',
        'machines:',
        '  web: { depends_on: [db], production: { facts: web.facts.json } }',
        '  db: { production: { facts: db.facts.json } }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes every machine's production as the hosts", async () => {
    const { ctx, output } = commandContext(join(dir, 'devenv.yaml'), 'json');
    expect(await run({ hosts: [], package: 'nginx' }, ctx)).toBe(0);
    const doc = JSON.parse(output()) as { hosts: { host: string }[]; packages: { name: string; versions: Record<string, string>; lagging: string[] }[] };
    expect(doc.hosts).toHaveLength(2);
    // In boot order: db, then web.
    expect(doc.hosts.map((h) => h.host).join(' ')).toMatch(/db\.facts\.json.*web\.facts\.json/);
    const nginx = doc.packages.find((p) => p.name === 'nginx')!;
    expect(Object.values(nginx.versions).sort()).toEqual(['1.22.1-9', '1.22.1-9+deb12u1']);
  });

  it('"env" names no one environment there: exit 2', async () => {
    const { ctx } = commandContext(join(dir, 'devenv.yaml'), 'json');
    await expect(run({ hosts: ['env'] }, ctx)).rejects.toBeInstanceOf(UsageError);
  });
});
