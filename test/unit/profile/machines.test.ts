import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../src/profile/load.js';
import { bootOrder, resolveMachines } from '../../../src/profile/machines.js';

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
    expect(cache).toMatchObject({ box: 'debian-12', resources: { cpus: 2 }, ports: [], vars: { app: 'shop', env: 'dev' }, production: undefined, depends_on: [] });
    expect(db).toMatchObject({ resources: { cpus: 1, memory: 1024 ** 3 }, production: { ssh: 'ops@db1.example.com' } });
    expect(web).toMatchObject({ ports: [{ hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' }], vars: { app: 'shop', env: 'dev', role: 'web' }, depends_on: ['db', 'cache'] });
  });

  it('until the backend boots several machines, a command is refused after the checks, exit 2 at machines:', async () => {
    await expect(loadProfile(join(dir, 'devenv.yaml'))).rejects.toThrow(/devenv\.yaml:6:1: machines: the profile is checked, but this devenv does not boot several machines yet \(web, db, cache\)/);
  });

  it('a one-machine profile is as it was: no machines, nothing resolved', async () => {
    const profile = await loadProfile(await write('one.yaml', 'name: shop\nbox: debian-12\nports: ["8080:80"]\n'));
    expect(profile.data.machines).toBeUndefined();
    expect(resolveMachines(profile.data)).toEqual([]);
  });

  it.each([
    ['an unknown dependency', PROFILE.replace('depends_on: [db, cache]', 'depends_on: [db, queue]'), /:9:22: machines\.web\.depends_on\[1\]: there is no machine "queue" \(machines: web, db, cache\)/],
    ['a machine depending on itself', PROFILE.replace('depends_on: [db, cache]', 'depends_on: [web]'), /:9:18: machines\.web\.depends_on\[0\]: web cannot depend on itself/],
    ['a circle', PROFILE.replace('cache: {}', 'cache: { depends_on: [web] }'), /machines\.cache\.depends_on\[0\]: machines depend on each other in a circle: cache → web → cache/],
    ['a host port published twice', PROFILE.replace('cache: {}', 'cache: { ports: ["0.0.0.0:8080:6379"] }'), /:16:20: machines\.cache\.ports\[0\]: host port 0\.0\.0\.0:8080\/tcp is already published by machine web \(ports\[0\]\)/],
    ['top-level ports with machines', PROFILE.replace('manifests: []', 'manifests: []\nports: ["9000:80"]'), /:6:8: ports: with machines:, a published port belongs to one machine/],
    ['top-level production with machines', PROFILE.replace('manifests: []', 'manifests: []\nproduction: { ssh: ops@x }'), /:6:13: production: with machines:, production belongs to each machine/],
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
