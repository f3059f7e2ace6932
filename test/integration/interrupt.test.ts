import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, devenv } from './cli.js';
import { describeWithEngine } from './support.js';

/** A manifest whose apply takes long enough to be interrupted in the middle (an exec that sleeps). */
const SLOW = [
  'file:',
  '  /srv/first.conf: { content: "first\\n", mode: "0644" }',
  'exec:',
  '  slow-step:',
  '    command: [/bin/sh, -c, "sleep 6 && touch /srv/slow-done"]',
  '    creates: /srv/slow-done',
  '    require: [file:/srv/first.conf]',
  '',
].join('\n');

describeWithEngine('Ctrl-C during up (real engine)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-interrupt-'));
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'slow.yaml'), SLOW);
    await writeFile(join(dir, 'devenv.yaml'), 'name: interrupted\nbox: debian-12\nmanifests: [manifests/slow.yaml]\n');
  });

  afterAll(async () => {
    await devenv(['destroy', '--force'], { cwd: dir });
    const docker = new Dockerode();
    for (const image of await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } })) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 130 and leaves nothing the next up cannot finish', async () => {
    const child = execa('node', [CLI, 'up'], { cwd: dir, reject: false, env: { NO_COLOR: '1' }, all: true });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`provisioning never started:\n${output}`)), 120_000);
      child.all?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // The slow exec is running once the apply step has begun.
        if (/Observing \d+ resources/.test(output)) {
          clearTimeout(timer);
          setTimeout(resolve, 1500);
        }
      });
    });
    child.kill('SIGINT');
    const interrupted = await child;
    expect(interrupted.exitCode, interrupted.all).toBe(130);

    // The environment exists but was not marked provisioned: the next up finishes the job.
    const again = await devenv(['up', '--json'], { cwd: dir });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'running', provisioned: 'applied' });
    expect((await devenv(['exec', '--', 'test', '-e', '/srv/slow-done'], { cwd: dir })).exitCode).toBe(0);
    expect((await devenv(['plan'], { cwd: dir })).exitCode).toBe(0);
    // And a third up has nothing left to do.
    expect(JSON.parse((await devenv(['up', '--json'], { cwd: dir })).stdout)).toMatchObject({ action: 'running', provisioned: 'unchanged' });
  });
});
