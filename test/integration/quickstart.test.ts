import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

const EXAMPLE = fileURLToPath(new URL('../../profiles/mysite', import.meta.url));

/**
 * What the README's quick start does after setting up the host: `devenv up` of the
 * bundled example. Here on a copy with a free port, so a running example is not disturbed.
 */
describeWithEngine('quick start: the bundled example (real engine)', () => {
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-quickstart-'));
    await cp(EXAMPLE, dir, { recursive: true });
    port = await freePort();
    const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
    await writeFile(join(dir, 'devenv.yaml'), profile.replace(/^ports:.*$/m, `ports: ["${port}:80"]`));
  });

  afterAll(async () => {
    await devenv(['destroy', '--force'], { cwd: dir });
    const docker = new Dockerode();
    const saved = await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } });
    for (const image of saved.sort((a, b) => Number(b.Labels['devenv.cache.stage']) - Number(a.Labels['devenv.cache.stage']))) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('comes up, serves the page through nginx on 127.0.0.1, and passes its own checklist', async () => {
    const up = await devenv(['up', '--json'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(0);
    const status = JSON.parse(up.stdout);
    expect(status).toMatchObject({ schema: 'devenv.status/v1', state: 'running', provisioned: 'applied' });
    // `up` ends with the checklist: nothing fails on the example, n/a only where a container cannot judge.
    expect(status.checklist).toMatchObject({ fail: 0 });
    expect(status.checklist.pass).toBeGreaterThanOrEqual(20);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('gunicorn on a unix socket behind nginx');

    const check = await devenv(['check', '--json'], { cwd: dir });
    const report = JSON.parse(check.stdout);
    expect(report.schema).toBe('devenv.check/v1');
    expect(report.results.filter((r: { status: string }) => r.status === 'fail')).toEqual([]);
    // No production in the example: the two production checks say so instead of passing.
    expect(report.results.find((r: { id: string }) => r.id === 'staging-parity').status).toBe('warn');
    expect(check.exitCode).toBe(0);

    expect((await devenv(['plan'], { cwd: dir })).exitCode).toBe(0);

    // What apt downloaded went into the machine-wide archive, for the next environment's cold apply.
    const archive = await devenv(['exec', '--', 'ls', '/var/cache/devenv/apt-archives'], { cwd: dir });
    expect(archive.stdout).toMatch(/^nginx_1\.22\.1-9\+deb12u9_amd64\.deb$/m);
  });
});
