import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';

const BASE = ['group:', '  app: { system: true }', 'user:', '  app: { system: true, group: app, shell: /usr/sbin/nologin, home: /srv/app }', ''].join('\n');
const app = (greeting: string): string =>
  [
    'file:',
    '  /srv/app: { ensure: directory, owner: root, group: app, mode: "0750" }',
    `  /srv/app/greeting.txt: { content: "${greeting}\\n", owner: root, group: app, mode: "0640" }`,
    '',
  ].join('\n');

describeWithEngine('provisioned-image cache (real engine)', () => {
  let dir: string;
  const docker = new Dockerode();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-cache-'));
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'base.yaml'), BASE);
    await writeFile(join(dir, 'manifests', 'app.yaml'), app('hello'));
    await writeFile(join(dir, 'devenv.yaml'), 'name: cachetest\nbox: debian-12\nmanifests: [manifests/base.yaml, manifests/app.yaml]\n');
  });

  afterAll(async () => {
    await devenv(['destroy', '--force'], { cwd: dir });
    const images = await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } });
    for (const image of images.sort((a, b) => Number(b.Labels['devenv.cache.stage']) - Number(a.Labels['devenv.cache.stage']))) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  const up = async (): Promise<Record<string, unknown> & { cache?: { from_stage: number; of: number }; provisioned: string; id: string }> => {
    const result = await devenv(['up', '--json'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const exec = async (...argv: string[]): Promise<string> => (await devenv(['exec', '--', ...argv], { cwd: dir })).stdout;

  it('saves each stage, rebuilds from the saved image with a verifying plan, and reuses earlier stages when one manifest changes', async () => {
    const cold = await up();
    expect(cold).toMatchObject({ action: 'created', provisioned: 'applied' });
    expect(cold.cache).toBeUndefined();
    const firstMachineId = (await exec('cat', '/etc/machine-id')).trim();
    const saved = await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } });
    expect(saved.map((image) => image.Labels['devenv.cache.stage']).sort()).toEqual(['1', '2']);

    expect((await devenv(['destroy', '--force'], { cwd: dir })).exitCode).toBe(0);
    const cached = await up();
    expect(cached).toMatchObject({ action: 'created', provisioned: 'verified', cache: { from_stage: 2, of: 2 } });
    expect(await exec('cat', '/srv/app/greeting.txt')).toBe('hello\n');
    // Each environment gets its own machine-id, even from a saved image.
    expect((await exec('cat', '/etc/machine-id')).trim()).not.toBe(firstMachineId);
    expect((await devenv(['plan'], { cwd: dir })).exitCode).toBe(0);

    // A change in the second manifest reuses the first stage's image and replaces the second's.
    await writeFile(join(dir, 'manifests', 'app.yaml'), app('changed'));
    await devenv(['destroy', '--force'], { cwd: dir });
    const partial = await up();
    expect(partial).toMatchObject({ provisioned: 'applied', cache: { from_stage: 1, of: 2 } });
    expect(await exec('cat', '/srv/app/greeting.txt')).toBe('changed\n');
    const after = await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`, 'devenv.cache.stage=2'] } });
    expect(after).toHaveLength(1);

    // --rebuild goes back to the box.
    const rebuilt = await devenv(['up', '--rebuild', '--json'], { cwd: dir });
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ action: 'recreated', provisioned: 'applied' });
    expect(JSON.parse(rebuilt.stdout).cache).toBeUndefined();
  });

  it('box prune removes the saved environments of a project that is gone, and only those', async () => {
    await devenv(['destroy', '--force'], { cwd: dir });
    // Without --all, prune touches only orphans: this test must not remove anyone else's saved environments.
    await rm(join(dir, 'devenv.yaml'));
    const pruned = await devenv(['box', 'prune', '--json'], { cwd: dir });
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    const left = await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } });
    expect(left).toHaveLength(0);
    expect(JSON.parse(pruned.stdout).removed.length).toBeGreaterThanOrEqual(2);
  });
});
