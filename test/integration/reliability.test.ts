import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, devenv } from './cli.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

/**
 * One writer per environment, and faults survived (issue 17), on the real engine:
 * two `up`s at once, and `provision` killed with SIGKILL (as a closed lid or a CI
 * timeout does) inside the apt transaction and right after it. Each time the next
 * `up` finishes the work: plan empty, the example's page served.
 */
const EXAMPLE = fileURLToPath(new URL('../../profiles/mysite', import.meta.url));

async function removeSavedImages(docker: Dockerode, profile: string): Promise<void> {
  const saved = await docker.listImages({ filters: { label: [`devenv.cache.profile=${profile}`] } });
  for (const image of saved.sort((a, b) => Number(b.Labels['devenv.cache.stage']) - Number(a.Labels['devenv.cache.stage']))) {
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

async function containersOf(docker: Dockerode, profile: string): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`devenv.profile=${profile}`] } });
}

/** Polls a command in the container until it succeeds (or gives up after `ms`). */
async function waitInContainer(docker: Dockerode, profile: string, script: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const [found] = await containersOf(docker, profile);
    if (found?.State === 'running') {
      const probe = await execa('docker', ['exec', found.Id, 'sh', '-c', script], { reject: false });
      if (probe.exitCode === 0) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describeWithEngine('reliability: one writer per environment, SIGKILL survived (real engine)', () => {
  const docker = new Dockerode();
  const dirs: string[] = [];

  afterAll(async () => {
    for (const dir of dirs) {
      await devenv(['destroy', '--force'], { cwd: dir });
      await removeSavedImages(docker, join(dir, 'devenv.yaml'));
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('two `up`s at once on a new environment: one environment, converged, the second waited, no stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-twice-'));
    dirs.push(dir);
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'app.yaml'), 'file:\n  /etc/twice.conf: { content: "one writer\\n", mode: "0644" }\n');
    await writeFile(join(dir, 'devenv.yaml'), 'name: twice\nbox: debian-12\nmanifests: [manifests/app.yaml]\n');
    const [a, b] = await Promise.all([devenv(['up'], { cwd: dir }), devenv(['up'], { cwd: dir })]);
    for (const run of [a, b]) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/^\s+at |HTTP code/m);
    }
    expect(`${a.stderr}${b.stderr}`).toMatch(/waiting for pid \d+ \(`devenv up`, since .*\), which is using the environment twice/);
    expect(await containersOf(docker, join(dir, 'devenv.yaml'))).toHaveLength(1);
    expect((await devenv(['plan'], { cwd: dir })).exitCode).toBe(0);
    // A read-only command never waits; a writer with --no-wait on a free environment just runs.
    expect((await devenv(['halt', '--no-wait'], { cwd: dir })).exitCode).toBe(0);
  });

  it('a forwarded port already in use on this machine: exit 2 at the profile line, before anything is created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-port-'));
    dirs.push(dir);
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      await writeFile(join(dir, 'devenv.yaml'), `name: porttaken\nbox: debian-12\nports: ["${port}:80"]\n`);
      const up = await devenv(['up'], { cwd: dir });
      expect(up.stderr).toMatch(new RegExp(`^devenv\\.yaml:3:9: ports\\[0\\]: host port 127\\.0\\.0\\.1:${port} is already in use on this machine`, 'm'));
      expect(up.exitCode).toBe(2);
      expect(await containersOf(docker, join(dir, 'devenv.yaml'))).toHaveLength(0);
    } finally {
      holder.close();
    }
  });

  it.runIf(process.getuid?.() === 0)('a full disk in the environment: exit 4 naming the space, nothing recorded as provisioned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-full-'));
    dirs.push(dir);
    // A synced folder on a 256 KiB tmpfs of this machine: a real ENOSPC inside the environment.
    const small = join(dir, 'small');
    await mkdir(small);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'devenv-test-full', small]);
    try {
      await mkdir(join(dir, 'manifests', 'files'), { recursive: true });
      await writeFile(join(dir, 'manifests', 'files', 'big.bin'), 'x'.repeat(1024 * 1024));
      await writeFile(join(dir, 'manifests', 'app.yaml'), 'file:\n  /srv/full/big.bin: { source: files/big.bin, header: false }\n');
      await writeFile(join(dir, 'devenv.yaml'), 'name: diskfull\nbox: debian-12\nsync: ["./small:/srv/full"]\nmanifests: [manifests/app.yaml]\n');
      const up = await devenv(['up'], { cwd: dir });
      expect(up.exitCode, up.stderr).toBe(4);
      expect(up.stderr).toMatch(
        /^devenv: devenv-diskfull-\w+ ran out of disk space applying file:\/srv\/full\/big\.bin: \/srv\/full holds 256 KiB \(\d+ KiB free now\); nothing was recorded as provisioned$/m,
      );
      const [found] = await containersOf(docker, join(dir, 'devenv.yaml'));
      const marker = await execa('docker', ['exec', found!.Id, 'test', '-e', '/var/lib/devenv/provisioned'], { reject: false });
      expect(marker.exitCode).not.toBe(0);
      await devenv(['destroy', '--force'], { cwd: dir });
    } finally {
      await execa('umount', [small], { reject: false });
    }
  });

  let example: string;
  let port: number;
  beforeAll(async () => {
    example = await mkdtemp(join(tmpdir(), 'devenv-sigkill-'));
    dirs.push(example);
    await cp(EXAMPLE, example, { recursive: true });
    port = await freePort();
    const profile = await readFile(join(example, 'devenv.yaml'), 'utf8');
    // A run-unique var: no saved image of another test applies, the packages really install.
    await writeFile(
      join(example, 'devenv.yaml'),
      profile.replace(/^ports:.*$/m, `ports: ["${port}:80"]`).replace(/^vars:\n/m, `vars:\n  sigkill_run: "${Date.now()}"\n`),
    );
  });

  /** Starts `devenv provision`, waits until `script` succeeds in the environment, then SIGKILLs devenv. */
  async function killProvisionWhen(script: string): Promise<void> {
    const child = execa('node', [CLI, 'provision'], { cwd: example, reject: false, env: { NO_COLOR: '1' } });
    const reached = await waitInContainer(docker, join(example, 'devenv.yaml'), script, 120_000);
    child.kill('SIGKILL');
    const ended = await child;
    expect(reached, `never saw: ${script}\n${ended.stderr}`).toBe(true);
    expect(ended.signal).toBe('SIGKILL');
  }

  async function expectConverged(): Promise<void> {
    const up = await devenv(['up', '--json'], { cwd: example });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).provisioned).toBe('applied');
    const plan = await devenv(['plan'], { cwd: example });
    expect(plan.exitCode, plan.stdout).toBe(0);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
  }

  it('provision killed while dpkg runs in the environment: the next up waits for the apt-get left running, repairs dpkg, converges', async () => {
    const boot = await devenv(['up', '--no-provision'], { cwd: example });
    expect(boot.exitCode, boot.stderr).toBe(0);
    await killProvisionWhen('pgrep -x dpkg >/dev/null');
    // The apt-get devenv started is still there, holding dpkg's lock: the next run must not fight it.
    await expectConverged();
  });

  it('provision killed between the packages and the files: the next up finishes the files and the owed refreshes', async () => {
    // Purge what the first pass brought, so that this run has packages and files to do again.
    const [found] = await containersOf(docker, join(example, 'devenv.yaml'));
    await execa('docker', [
      'exec',
      found!.Id,
      'sh',
      '-c',
      'rm -f /etc/nginx/sites-enabled/mysite /etc/mysite/gunicorn.conf.py /var/lib/devenv/provisioned* ; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gunicorn python3-gunicorn >/dev/null',
    ]);
    await killProvisionWhen('dpkg-query -W -f="\\${Status}" gunicorn 2>/dev/null | grep -q "install ok installed" && ! pgrep -x apt-get >/dev/null');
    await expectConverged();
  });

  it('up killed while the environment boots: the next up takes over its lock, finishes, and converges', async () => {
    expect((await devenv(['destroy', '--force'], { cwd: example })).exitCode).toBe(0);
    const child = execa('node', [CLI, 'up'], { cwd: example, reject: false, env: { NO_COLOR: '1' } });
    const profile = join(example, 'devenv.yaml');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await containersOf(docker, profile)).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
    expect(await containersOf(docker, profile)).toHaveLength(1);
    // Its lock is left behind, naming a process that is gone: taken over, not waited on.
    const up = await devenv(['up', '--json', '--no-wait'], { cwd: example });
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await devenv(['plan'], { cwd: example })).exitCode).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });
});
