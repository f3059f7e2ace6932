import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/open.js';
import { silentProgress } from '../../src/core/progress.js';
import { collectPathsFor } from '../../src/environment/profile-declares.js';
import { collectFacts } from '../../src/facts/collect.js';
import { loadFingerprintKey } from '../../src/facts/fingerprint-key.js';
import { loadProfile } from '../../src/environment/load.js';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

/**
 * Two machines of one application (issue 21): db with PostgreSQL from Debian's
 * packages, web that reaches it by name over their private network. Only web's
 * published port is on the host.
 */
const DB_MANIFEST = `apt:
  postgresql: {}
file:
  /etc/postgresql/15/main/conf.d/listen.conf:
    content: "listen_addresses = '*'\\n"
    require: [apt:postgresql]
    notify: [service:postgresql]
  /etc/postgresql/15/main/pg_hba.conf:
    content: |
      local all postgres peer
      local all all peer
      host all all 127.0.0.1/32 scram-sha-256
      host shop shop 0.0.0.0/0 scram-sha-256
    owner: postgres
    group: postgres
    mode: "0640"
    require: [apt:postgresql]
    notify: [service:postgresql]
service:
  postgresql: { ensure: running, enable: true }
exec:
  shop-database:
    command: [/bin/sh, -c, "runuser -u postgres -- psql -v ON_ERROR_STOP=1 -c \\"CREATE ROLE shop LOGIN PASSWORD 'shop'\\" && runuser -u postgres -- createdb -O shop shop && runuser -u postgres -- psql -d shop -c \\"CREATE TABLE greeting AS SELECT 'hello from db' AS text; ALTER TABLE greeting OWNER TO shop\\" && touch /var/lib/postgresql/shop-created"]
    creates: /var/lib/postgresql/shop-created
    require: [service:postgresql]
`;

const WEB_MANIFEST = `apt:
  postgresql-client: {}
file:
  /usr/local/bin/greeting:
    content: |
      #!/bin/sh
      # The app's one query: the database by its machine name.
      PGPASSWORD=shop exec psql -h db -U shop -d shop -tAc 'SELECT text FROM greeting'
    mode: "0755"
`;

describeWithEngine('several machines on Docker: a private network, boot order, one environment per machine (real engine)', () => {
  let dir: string;
  let webPort: number;
  const docker = new Dockerode();
  const run = (args: string[]) => devenv(args, { cwd: dir, timeout: 1_200_000 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-machines-'));
    webPort = await freePort();
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'db.yaml'), DB_MANIFEST);
    await writeFile(join(dir, 'manifests', 'web.yaml'), WEB_MANIFEST);
    await writeFile(join(dir, 'devenv.yaml'), profileText());
  });

  /** The profile; with production facts files per machine for the parity test. */
  const profileText = (production: { web?: string; db?: string } = {}): string =>
    [
      'name: shop',
      'box: debian-12',
      'resources: { cpus: 1, memory: 768MiB }',
      'machines:',
      '  web:',
      `    ports: ["${webPort}:8000"]`,
      '    manifests: [manifests/web.yaml]',
      '    depends_on: [db]',
      ...(production.web ? [`    production: { facts: ${production.web} }`] : []),
      '  db:',
      '    manifests: [manifests/db.yaml]',
      ...(production.db ? [`    production: { facts: ${production.db} }`] : []),
      '',
    ].join('\n');

  afterAll(async () => {
    await run(['destroy', '--force']);
    // Whatever a failed run left: only what this test's profile made.
    const label = `devenv.profile=${join(dir, 'devenv.yaml')}`;
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) await docker.getContainer(c.Id).remove({ force: true });
    for (const n of await docker.listNetworks({ filters: { label: [label] } }))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
    for (const image of await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } })) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  const rowsOf = (stdout: string): Record<string, Record<string, unknown>> => {
    const document = JSON.parse(stdout) as { schema: string; machines: ({ machine: string } & Record<string, unknown>)[] };
    expect(document.schema).toBe('devenv.machines/v1');
    return Object.fromEntries(document.machines.map((row) => [row.machine, row]));
  };

  it('up boots db then web, each provisioned; web reaches db by name; only web publishes a port', async () => {
    const up = await run(['up', '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const document = JSON.parse(up.stdout) as { machines: { machine: string }[] };
    expect(document.machines.map((m) => m.machine)).toEqual(['db', 'web']);
    const rows = rowsOf(up.stdout);
    expect(rows.db).toMatchObject({ state: 'running', action: 'created', provisioned: 'applied' });
    expect(rows.web).toMatchObject({ state: 'running', action: 'created', provisioned: 'applied' });
    // db was provisioned before web was created: web's provisioning could already reach it.
    expect(up.stderr.indexOf('create devenv-shop-web')).toBeGreaterThan(up.stderr.indexOf('create devenv-shop-db'));

    // The app on web reads from the database on db, by name, over the machines' private network.
    const greeting = await run(['exec', '-m', 'web', '--', 'greeting']);
    expect(greeting.stdout.trim(), greeting.stderr).toBe('hello from db');
    const psql = await run(['exec', '-m', 'db', '--', 'runuser', '-u', 'postgres', '--', 'psql', '-d', 'shop', '-tAc', 'SELECT count(*) FROM greeting']);
    expect(psql.stdout.trim(), psql.stderr).toBe('1');
    expect(await run(['exec', '--', 'true'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/several machines: say which one with -m MACHINE \(db, web\)/),
    });

    // Each machine has its own lock: two machines never write one file.
    expect(existsSync(join(dir, 'devenv.db.lock')) && existsSync(join(dir, 'devenv.web.lock'))).toBe(true);
    expect(existsSync(join(dir, 'devenv.lock'))).toBe(false);
    expect(await readFile(join(dir, 'devenv.db.lock'), 'utf8')).toMatch(/^ {2}postgresql:/m);

    const web = await docker.getContainer(String(rows.web!.id)).inspect();
    const db = await docker.getContainer(String(rows.db!.id)).inspect();
    expect(web.HostConfig.PortBindings?.['8000/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(webPort) }]);
    expect(Object.keys(db.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(db.NetworkSettings.Ports?.['5432/tcp'] ?? null).toBeNull();
    // One network of their own, labelled, each machine under its machine name.
    const networks = Object.keys(web.NetworkSettings.Networks);
    expect(networks).toEqual(Object.keys(db.NetworkSettings.Networks));
    expect(networks).toHaveLength(1);
    expect(web.NetworkSettings.Networks[networks[0]!]!.Aliases).toContain('web');
    expect(db.NetworkSettings.Networks[networks[0]!]!.Aliases).toContain('db');
    expect(db.Config.Hostname).toBe('db');
  }, 1_200_000);

  it('status lists one row per machine; halt web leaves db running; up brings web back', async () => {
    const status = await run(['status', '--json']);
    expect(Object.keys(rowsOf(status.stdout)).sort()).toEqual(['db', 'web']);
    const text = await run(['status']);
    expect(text.stdout).toMatch(/^db: running/m);
    expect(text.stdout).toMatch(/^web: running/m);

    const halted = await run(['halt', 'web', '--json']);
    expect(halted.exitCode, halted.stderr).toBe(0);
    const after = rowsOf((await run(['status', '--json'])).stdout);
    expect(after.web).toMatchObject({ state: 'stopped' });
    expect(after.db).toMatchObject({ state: 'running' });

    const up = await run(['up', '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const rows = rowsOf(up.stdout);
    expect(rows.web).toMatchObject({ action: 'started', state: 'running', provisioned: 'unchanged' });
    expect(rows.db).toMatchObject({ action: 'running' });
    expect((await run(['exec', '-m', 'web', '--', 'greeting'])).stdout.trim()).toBe('hello from db');

    // plan with no -m plans every machine, in boot order, in one document; both are in sync with their manifests.
    const plan = await run(['plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { schema: string; machines: { machine: string; summary: { changed: number } }[] };
    expect(planned.schema).toBe('devenv.machines-plan/v1');
    expect(planned.machines.map((m) => [m.machine, m.summary.changed])).toEqual([
      ['db', 0],
      ['web', 0],
    ]);
  }, 600_000);

  it('parity compares each machine with its own production, side by side, in one fleet document', async () => {
    const path = join(dir, 'devenv.yaml');
    const profile = await loadProfile(path, { severalMachines: true });
    const fingerprintKey = await loadFingerprintKey(dir);
    // Each machine's facts stand in for its production: compared with itself, it is clean.
    for (const machine of profile.machines!) {
      const target = await (await createBackend(machine, { progress: silentProgress() })).target();
      try {
        const facts = await collectFacts(target, { ...collectPathsFor(machine), fingerprintKey });
        await writeFile(join(dir, `${machine.machine!.name}.facts.json`), JSON.stringify(facts));
      } finally {
        await target.close();
      }
    }
    try {
      await writeFile(path, profileText({ web: 'web.facts.json', db: 'db.facts.json' }));
      const clean = await run(['parity', '--json']);
      const cleanDoc = JSON.parse(clean.stdout) as { schema: string; summary: Record<string, number>; hosts: { machine: string; status: string }[] };
      expect(cleanDoc.schema).toBe('devenv.fleet-parity/v1');
      expect(
        cleanDoc.hosts.map((h) => [h.machine, h.status]),
        clean.stderr,
      ).toEqual([
        ['db', 'clean'],
        ['web', 'clean'],
      ]);
      expect(clean.exitCode).toBe(0);

      // db's production swapped for web's facts: db drifts (no PostgreSQL there), web stays clean; exit 1.
      await writeFile(path, profileText({ web: 'web.facts.json', db: 'web.facts.json' }));
      const drift = await run(['parity', '--json']);
      expect(drift.exitCode, drift.stderr).toBe(1);
      const driftDoc = JSON.parse(drift.stdout) as { hosts: { machine: string; status: string; parity: { drift: { path: string }[] } }[] };
      expect(driftDoc.hosts.map((h) => [h.machine, h.status])).toEqual([
        ['db', 'drift'],
        ['web', 'clean'],
      ]);
      expect(driftDoc.hosts[0]!.parity.drift.map((d) => d.path)).toContain('packages.deb.postgresql');
      const text = await run(['parity']);
      expect(text.stdout).toMatch(/^db: .*web\.facts\.json +DRIFT/m);
    } finally {
      await writeFile(path, profileText());
    }
  }, 300_000);

  it('destroy db, then destroy all: containers and network gone; the next up starts each machine from its saved image', async () => {
    const destroyDb = await run(['destroy', 'db', '--force', '--json']);
    expect(destroyDb.exitCode, destroyDb.stderr).toBe(0);
    const rows = rowsOf(destroyDb.stdout);
    expect(rows.db).toMatchObject({ state: 'absent' });
    const label = `devenv.profile=${join(dir, 'devenv.yaml')}`;
    expect(await docker.listNetworks({ filters: { label: [label] } })).toHaveLength(1);

    const destroyAll = await run(['destroy', '--force']);
    expect(destroyAll.exitCode, destroyAll.stderr).toBe(0);
    expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [label] } })).toEqual([]);

    const up = await run(['up', '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const again = rowsOf(up.stdout);
    expect(again.db).toMatchObject({ action: 'created', provisioned: 'verified', cache: { from_stage: 1, of: 1 } });
    expect(again.web).toMatchObject({ action: 'created', provisioned: 'verified', cache: { from_stage: 1, of: 1 } });
    expect(String((again.db!.cache as { image: string }).image)).toMatch(/^devenv-cache\/shop-db:/);
    expect(String((again.web!.cache as { image: string }).image)).toMatch(/^devenv-cache\/shop-web:/);
    expect((await run(['exec', '-m', 'web', '--', 'greeting'])).stdout.trim()).toBe('hello from db');
  }, 900_000);
});
