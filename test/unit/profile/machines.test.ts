import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../src/environment/load.js';
import { bootOrder, noMachines, oneMachine, resolveMachines, selectMachines } from '../../../src/profile/machines.js';
import type { LoadedProfile } from '../../../src/environment/load.js';
import { lockPathFor } from '../../../src/lock/lock-file.js';
import { UsageError } from '../../../src/core/errors.js';

const PROFILE = `name: shop
box: debian-12
resources: { cpus: 2 }
vars: { app: shop, env: dev }
manifests: []
machines:
  web:
    ports: ["8080:80"]
    depends_on: [db, cache]
    vars: { role: web }
    production: { ssh: ops@web1.example.com }
  db:
    box: debian-12
    resources: { cpus: 1, memory: 1GiB }
    production: { ssh: ops@db1.example.com }
  cache: {}
`;

describe('machines: several machines in one profile (format and checks)', () => {
  let dir: string;
  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-machines-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('each machine inherits what it leaves out, except ports and production; boot order puts dependencies first', async () => {
    const profile = await loadProfile(await write('devenv.yaml', PROFILE), { severalMachines: true });
    const machines = resolveMachines(profile.data);
    expect(machines.map((m) => m.name)).toEqual(['cache', 'db', 'web']);
    const [cache, db, web] = machines;
    expect(cache).toMatchObject({
      box: 'debian-12',
      resources: { cpus: 2 },
      ports: [],
      vars: { app: 'shop', env: 'dev' },
      production: undefined,
      depends_on: [],
    });
    expect(db).toMatchObject({ resources: { cpus: 1, memory: 1024 ** 3 }, production: { ssh: 'ops@db1.example.com' } });
    expect(web).toMatchObject({
      ports: [{ hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' }],
      vars: { app: 'shop', env: 'dev', role: 'web' },
      depends_on: ['db', 'cache'],
    });
  });

  it('a command that works on one environment only refuses it after the checks, exit 2 at machines:', async () => {
    await expect(loadProfile(join(dir, 'devenv.yaml'))).rejects.toThrow(
      /devenv\.yaml:6:1: machines: the profile has several machines \(web, db, cache\), and this command works on a one-machine profile only/,
    );
  });

  it('each machine is a profile of its own: <project>-<machine>, what it inherits, its own lock and hash', async () => {
    const profile = await loadProfile(join(dir, 'devenv.yaml'), { severalMachines: true });
    const machines = profile.machines!;
    expect(machines.map((m) => m.machine)).toEqual([
      { name: 'cache', project: 'shop', dependsOn: [] },
      { name: 'db', project: 'shop', dependsOn: [] },
      { name: 'web', project: 'shop', dependsOn: ['db', 'cache'] },
    ]);
    const [cache, db, web] = machines as [LoadedProfile, LoadedProfile, LoadedProfile];
    expect(web.data).toMatchObject({
      name: 'shop-web',
      box: 'debian-12',
      ports: [{ hostPort: 8080, guestPort: 80 }],
      vars: { app: 'shop', env: 'dev', role: 'web' },
      production: { ssh: 'ops@web1.example.com' },
    });
    expect(web.data.machines).toBeUndefined();
    expect(db.data.resources).toEqual({ cpus: 1, memory: 1024 ** 3 });
    expect(cache.data).toMatchObject({ name: 'shop-cache', ports: [], resources: { cpus: 2 } });
    expect(cache.data.production).toBeUndefined();
    // Same file, one environment each: no two hashes alike, and the project's own profile stays as it is.
    expect(new Set([profile, ...machines].map((m) => m.environmentHash)).size).toBe(4);
    expect(profile.machine).toBeUndefined();
    expect(machines.every((m) => m.path === profile.path)).toBe(true);
  });

  it("a machine's lock is devenv.<machine>.lock, read with that machine only", async () => {
    const lockDir = await mkdtemp(join(tmpdir(), 'devenv-machines-lock-'));
    try {
      await writeFile(join(lockDir, 'devenv.yaml'), PROFILE);
      await writeFile(join(lockDir, 'devenv.db.lock'), 'schema: devenv.lock/v1\nbox: debian-12\napt: {}\npip: {}\n');
      const machines = (await loadProfile(join(lockDir, 'devenv.yaml'), { severalMachines: true })).machines!;
      expect(machines.map((m) => m.lock?.path)).toEqual([undefined, join(lockDir, 'devenv.db.lock'), undefined]);
      expect(lockPathFor(join(lockDir, 'devenv.yaml'), 'web')).toBe(join(lockDir, 'devenv.web.lock'));
      expect(lockPathFor(join(lockDir, 'devenv.yaml'))).toBe(join(lockDir, 'devenv.lock'));
    } finally {
      await rm(lockDir, { recursive: true, force: true });
    }
  });

  it("a machine's own manifests and synced folders are errors at the machine; backend vagrant is refused at backend:", async () => {
    const own = await write('own.yaml', PROFILE.replace('  cache: {}', '  cache:\n    manifests: [missing.yaml]'));
    await expect(loadProfile(own, { severalMachines: true })).rejects.toThrow(/own\.yaml:17:17: machines\.cache\.manifests\[0\]: /);
    const sync = await write('sync.yaml', PROFILE.replace('  cache: {}', '  cache:\n    sync: ["./nope:/srv/x"]'));
    await expect(loadProfile(sync, { severalMachines: true })).rejects.toThrow(
      /sync\.yaml:17:12: machines\.cache\.sync\[0\]: the host folder .*nope does not exist/,
    );
    const vagrant = await write('vagrant.yaml', PROFILE.replace('manifests: []', 'manifests: []\nbackend: vagrant\nvagrant: { provider: docker }'));
    await expect(loadProfile(vagrant, { severalMachines: true })).rejects.toThrow(
      /vagrant\.yaml:6:10: backend: several machines boot on backend "docker" only, not "vagrant"/,
    );
  });

  it('selecting machines: named ones in boot order, with their dependencies for up; unknown names and -m are exit 2', () => {
    const machines = [
      { name: 'cache', dependsOn: [] },
      { name: 'db', dependsOn: [] },
      { name: 'web', dependsOn: ['db', 'cache'] },
    ];
    expect(selectMachines(machines, [], { withDependencies: true }).map((m) => m.name)).toEqual(['cache', 'db', 'web']);
    expect(selectMachines(machines, ['web'], { withDependencies: true }).map((m) => m.name)).toEqual(['cache', 'db', 'web']);
    expect(selectMachines(machines, ['web'], { withDependencies: false }).map((m) => m.name)).toEqual(['web']);
    expect(selectMachines(machines, ['web', 'db'], { withDependencies: false }).map((m) => m.name)).toEqual(['db', 'web']);
    const unknown = (() => selectMachines(machines, ['nope'], { withDependencies: true })) as () => unknown;
    expect(unknown).toThrow(UsageError);
    expect(unknown).toThrow('there is no machine "nope" in the profile (machines: cache, db, web)');
    expect(oneMachine(machines, 'db', 'exec').name).toBe('db');
    expect(() => oneMachine(machines, undefined, 'exec')).toThrow(/several machines: say which one with -m MACHINE \(cache, db, web\)/);
    expect(() => oneMachine(machines, 'nope', 'exec')).toThrow(/no machine "nope"/);
    expect(() => noMachines(['web'])).toThrow(/the profile has no machines: block, so there is no machine "web"/);
    expect(() => noMachines([])).not.toThrow();
    try {
      oneMachine(machines, 'nope', 'exec');
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(2);
    }
  });

  it('a one-machine profile is as it was: no machines, nothing resolved', async () => {
    const profile = await loadProfile(await write('one.yaml', 'name: shop\nbox: debian-12\nports: ["8080:80"]\n'));
    expect(profile.data.machines).toBeUndefined();
    expect(resolveMachines(profile.data)).toEqual([]);
  });

  it.each([
    [
      'an unknown dependency',
      PROFILE.replace('depends_on: [db, cache]', 'depends_on: [db, queue]'),
      /:9:22: machines\.web\.depends_on\[1\]: there is no machine "queue" \(machines: web, db, cache\)/,
    ],
    [
      'a machine depending on itself',
      PROFILE.replace('depends_on: [db, cache]', 'depends_on: [web]'),
      /:9:18: machines\.web\.depends_on\[0\]: web cannot depend on itself/,
    ],
    [
      'a circle',
      PROFILE.replace('cache: {}', 'cache: { depends_on: [web] }'),
      /machines\.cache\.depends_on\[0\]: machines depend on each other in a circle: cache → web → cache/,
    ],
    [
      'a host port published twice',
      PROFILE.replace('cache: {}', 'cache: { ports: ["0.0.0.0:8080:6379"] }'),
      /:16:20: machines\.cache\.ports\[0\]: host port 0\.0\.0\.0:8080\/tcp is already published by machine web \(ports\[0\]\)/,
    ],
    [
      'top-level ports with machines',
      PROFILE.replace('manifests: []', 'manifests: []\nports: ["9000:80"]'),
      /:6:8: ports: with machines:, a published port belongs to one machine/,
    ],
    [
      'top-level production with machines',
      PROFILE.replace('manifests: []', 'manifests: []\nproduction: { ssh: ops@x }'),
      /:6:13: production: with machines:, production belongs to each machine/,
    ],
    ['a name that is no DNS label', PROFILE.replace('  cache: {}', '  Cache_1: {}'), /:16:3: machines\.Cache_1: .*a machine name is a DNS label/],
    ['an unknown box', PROFILE.replace('    box: debian-12', '    box: debian-99'), /:13:10: machines\.db\.box: /],
    ['an unknown key', PROFILE.replace('  cache: {}', '  cache: { image: redis }'), /:16:12: machines\.cache\.image: unknown key "image"/],
  ])('%s is exit 2 with file:line:column', async (_name, text, message) => {
    const path = await write('bad.yaml', text);
    await expect(loadProfile(path, { severalMachines: true })).rejects.toThrow(message);
  });

  it('bootOrder is stable and finds circles', () => {
    expect(bootOrder({ web: ['db'], worker: ['db', 'cache'], db: [], cache: [] })).toEqual(['cache', 'db', 'web', 'worker']);
    expect(bootOrder({ a: ['b'], b: ['c'], c: ['a'] })).toEqual({ cycle: ['a', 'b', 'c', 'a'] });
  });
});

describe('environments: overlays on a machines: profile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-machines-env-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const OVERLAY = `${PROFILE}environments:
  staging:
    vars: { env: staging }
    machines:
      web: { production: { ssh: ops@web-staging.example.com } }
`;

  it('-e NAME changes the var and the production of the machines it names, and nothing else', async () => {
    const path = join(dir, 'devenv.yaml');
    await writeFile(path, OVERLAY);
    const base = await loadProfile(path, { severalMachines: true });
    const staging = await loadProfile(path, { severalMachines: true, environment: 'staging' });
    const production = (profile: LoadedProfile) => profile.machines!.map((m) => [m.machine!.name, m.data.production?.ssh, m.data.vars.env]);
    expect(production(base)).toEqual([
      ['cache', undefined, 'dev'],
      ['db', 'ops@db1.example.com', 'dev'],
      ['web', 'ops@web1.example.com', 'dev'],
    ]);
    expect(production(staging)).toEqual([
      ['cache', undefined, 'staging'],
      ['db', 'ops@db1.example.com', 'staging'],
      ['web', 'ops@web-staging.example.com', 'staging'],
    ]);
    expect(staging.machines!.map((m) => m.environmentHash)).toEqual(base.machines!.map((m) => m.environmentHash));
  });

  it.each([
    [
      'an overlay naming a machine there is not',
      OVERLAY.replace('      web: { production', '      api: { production'),
      /:21:7: environments\.staging\.machines\.api: there is no machine "api" \(machines: web, db, cache\)/,
    ],
    [
      'a top-level production in an overlay of machines',
      OVERLAY.replace('    vars: { env: staging }', '    production: { ssh: ops@x }'),
      /:19:5: environments\.staging\.production: with machines:, production belongs to each machine/,
    ],
    [
      'machines in an overlay of a one-machine profile',
      'name: shop\nbox: debian-12\nenvironments:\n  staging:\n    machines: { web: { production: { ssh: ops@x } } }\n',
      /:5:5: environments\.staging\.machines: the profile has no machines: block/,
    ],
  ])('%s is exit 2 with file:line:column, without -e too', async (_name, text, message) => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, text);
    await expect(loadProfile(path, { severalMachines: true })).rejects.toThrow(message);
  });
});
