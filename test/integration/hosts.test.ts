import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { integrationRequired } from './engine.js';
import { debianBoxImage, engineAvailable } from './support.js';
import { freePort } from './ports.js';

/**
 * The host matrix beyond this machine's own engine (rootful Docker on cgroup v1):
 * a Docker engine that sees cgroup v2 (in its own mount and network namespaces)
 * and rootful Podman through its Docker-compatible socket. On each, the README's
 * example end to end: up, its page served, plan empty, halt, up, destroy.
 * Each engine is started by its script in test/hosts/ (root needed); the box is
 * carried over from the host engine with `docker save | load`, since the engines
 * share nothing. Required in CI; skipped with the reason elsewhere.
 */
const EXAMPLE = fileURLToPath(new URL('../../profiles/mysite', import.meta.url));
const HOSTS = fileURLToPath(new URL('../hosts/', import.meta.url));

interface Host {
  name: string;
  script: string;
  mode: string;
  /** Fetches a page from the engine's 127.0.0.1 (the cgroup v2 engine's loopback is in its own network namespace). */
  fetchPage(port: number): Promise<{ status: number; body: string }>;
}

async function curl(argv: string[]): Promise<{ status: number; body: string }> {
  const result = await execa(argv[0]!, [...argv.slice(1), '-s', '-w', '\n%{http_code}'], { reject: false, timeout: 20_000 });
  const lines = result.stdout.split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n') };
}

const hosts: Host[] = [
  {
    name: 'Docker on cgroup v2',
    script: join(HOSTS, 'cgroup2-engine.sh'),
    mode: 'cgroup-v2-host',
    fetchPage: (port) => curl(['ip', 'netns', 'exec', 'devenv-cg2', 'curl', `http://127.0.0.1:${port}/`]),
  },
  {
    name: 'rootful Podman',
    script: join(HOSTS, 'podman-engine.sh'),
    mode: 'podman',
    fetchPage: (port) => curl(['curl', `http://127.0.0.1:${port}/`]),
  },
  {
    // An unprivileged user's engine on cgroup v2, with its cgroup subtree delegated as user@.service does.
    name: 'rootless Podman',
    script: join(HOSTS, 'rootless-podman.sh'),
    mode: 'podman',
    fetchPage: (port) => curl(['curl', `http://127.0.0.1:${port}/`]),
  },
];

const isRoot = process.getuid?.() === 0;

for (const host of hosts) {
  const why = !engineAvailable ? 'no host engine to carry the box from' : !isRoot ? 'starting a second engine needs root' : undefined;
  const run = why === undefined || integrationRequired ? describe : describe.skip;
  run(`host matrix: ${host.name}${why && !integrationRequired ? ` (skipped: ${why})` : ''}`, () => {
    let dockerHost: string;
    let dir: string;
    let port: number;
    const env = (): Record<string, string> => ({ DOCKER_HOST: dockerHost });

    beforeAll(async () => {
      if (why) throw new Error(`CI is set, so this host must be tested, but ${why}`);
      const started = await execa('bash', [host.script, 'start'], { reject: false, timeout: 240_000 });
      if (started.exitCode !== 0) throw new Error(`${host.script} start failed: ${started.stderr}`);
      dockerHost = started.stdout.trim();
      // The box from the host engine, once per engine (its image cache outlives the run).
      const box = await debianBoxImage();
      const present = await execa('docker', ['image', 'inspect', box], { env: env(), reject: false });
      if (present.exitCode !== 0) {
        await execa('sh', ['-c', 'docker save "$1" | DOCKER_HOST="$2" docker load -q', 'carry', box, dockerHost], { timeout: 300_000 });
        // Podman names a loaded image localhost/…: tag it as devenv names its boxes.
        await execa('docker', ['tag', box.startsWith('localhost/') ? box : `localhost/${box}`, box], { env: env(), reject: false });
      }
      dir = await mkdtemp(join(tmpdir(), 'devenv-host-'));
      await cp(EXAMPLE, dir, { recursive: true });
      port = await freePort();
      const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
      await writeFile(join(dir, 'devenv.yaml'), profile.replace(/^ports:.*$/m, `ports: ["${port}:80"]`));
    }, 600_000);

    afterAll(async () => {
      if (dir) {
        await devenv(['destroy', '--force'], { cwd: dir, env: env() });
        await devenv(['box', 'prune', '--all'], { cwd: dir, env: env() });
        await rm(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it('doctor names the engine and the mode that boots systemd there', async () => {
      const doctor = await devenv(['doctor', '--json'], { cwd: dir, env: env() });
      const report = JSON.parse(doctor.stdout) as { items: { item: string; ok: boolean; detail: string }[] };
      const systemd = report.items.find((i) => i.item === 'systemd in containers');
      expect(systemd, doctor.stdout).toMatchObject({ ok: true });
      expect(systemd!.detail).toContain(`mode ${host.mode}`);
      if (host.name.startsWith('rootless')) expect(systemd!.detail).toMatch(/\(rootless\) on cgroup v2/);
    });

    it('up provisions the example, its page is served, and plan is empty', async () => {
      const up = await devenv(['up', '--json'], { cwd: dir, env: env() });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(JSON.parse(up.stdout)).toMatchObject({ state: 'running', provisioned: 'applied' });
      const page = await host.fetchPage(port);
      expect(page.status).toBe(200);
      expect(page.body).toContain('gunicorn on a unix socket behind nginx');
      const plan = await devenv(['plan'], { cwd: dir, env: env() });
      expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    });

    if (host.mode === 'cgroup-v2-host') {
      it('the engine restarted under a running environment: up brings it back', async () => {
        expect((await execa('bash', [host.script, 'stop'], { reject: false, timeout: 120_000 })).exitCode).toBe(0);
        // While the engine is gone, status says so in one line, exit 3.
        const absent = await devenv(['status'], { cwd: dir, env: env() });
        expect(absent.exitCode).toBe(3);
        expect(absent.stderr.trimEnd().split('\n')[0]).toMatch(/^devenv: the Docker engine is not reachable at unix:\/\/\/run\/devenv-cgroup2\/docker\.sock$/);
        expect((await execa('bash', [host.script, 'start'], { reject: false, timeout: 240_000 })).exitCode).toBe(0);
        const up = await devenv(['up', '--json'], { cwd: dir, env: env() });
        expect(up.exitCode, up.stderr).toBe(0);
        expect(JSON.parse(up.stdout)).toMatchObject({ action: 'started', state: 'running' });
      }, 300_000);
    }

    it('halt, up again (the page is back), destroy', async () => {
      expect((await devenv(['halt'], { cwd: dir, env: env() })).exitCode).toBe(0);
      const status = JSON.parse((await devenv(['status', '--json'], { cwd: dir, env: env() })).stdout);
      expect(status.state).toBe('stopped');
      const up = await devenv(['up', '--json'], { cwd: dir, env: env() });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(JSON.parse(up.stdout).state).toBe('running');
      // gunicorn's unit is Type=simple: systemd calls it started before it binds its socket.
      let page = await host.fetchPage(port);
      for (let i = 0; i < 20 && page.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        page = await host.fetchPage(port);
      }
      expect(page.status).toBe(200);
      expect((await devenv(['destroy', '--force'], { cwd: dir, env: env() })).exitCode).toBe(0);
      expect(JSON.parse((await devenv(['status', '--json'], { cwd: dir, env: env() })).stdout).state).toBe('absent');
    });

    if (host.mode === 'cgroup-v2-host') {
      it('reached as a remote engine (tcp with TLS): synced folders are copied in at up and by `devenv sync`, status says so', async () => {
        const remote = { DOCKER_HOST: 'tcp://10.213.0.2:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/var/lib/devenv-cgroup2/tls' };
        const project = await mkdtemp(join(tmpdir(), 'devenv-remote-'));
        try {
          await mkdir(join(project, 'app', 'static'), { recursive: true });
          await writeFile(join(project, 'app', 'hello.txt'), 'from this machine\n');
          await writeFile(join(project, 'app', 'static', 'old.css'), 'old\n');
          await writeFile(join(project, 'devenv.yaml'), 'name: remote\nbox: debian-12\nsync: ["./app:/srv/app"]\n');
          const up = await devenv(['up'], { cwd: project, env: remote });
          expect(up.exitCode, up.stderr).toBe(0);
          const read = async (): Promise<string> =>
            (
              await devenv(['exec', '--', 'sh', '-c', 'cat /srv/app/hello.txt; ls /srv/app/static; grep -c " /srv/app " /proc/self/mountinfo || true'], {
                cwd: project,
                env: remote,
              })
            ).stdout;
          // The content is there, and /srv/app is not a mount: a copy.
          expect(await read()).toBe('from this machine\nold.css\n0\n');
          const status = JSON.parse((await devenv(['status', '--json'], { cwd: project, env: remote })).stdout);
          expect(status.sync).toEqual([expect.objectContaining({ guest: '/srv/app', copied: true })]);
          await writeFile(join(project, 'app', 'hello.txt'), 'changed here\n');
          await rm(join(project, 'app', 'static', 'old.css'));
          await writeFile(join(project, 'app', 'static', 'new.css'), 'new\n');
          const sync = await devenv(['sync', '--json'], { cwd: project, env: remote });
          expect(sync.exitCode, sync.stderr).toBe(0);
          expect(JSON.parse(sync.stdout)).toMatchObject({ schema: 'devenv.sync/v1', mode: 'copied', folders: [{ guest: '/srv/app', files: 2 }] });
          expect(await read()).toBe('changed here\nnew.css\n0\n');
        } finally {
          await devenv(['destroy', '--force'], { cwd: project, env: remote });
          await rm(project, { recursive: true, force: true });
        }
      }, 300_000);

      it('the cgroup v1 settings cannot boot systemd here: one line with systemd’s own reason, exit 4, nothing left', async () => {
        const up = await devenv(['up', '--no-provision'], { cwd: dir, env: { ...env(), DEVENV_SYSTEMD_MODE: 'cgroup-v1' } });
        expect(up.exitCode, up.stderr).toBe(4);
        expect(up.stderr).toMatch(/systemd could not start in .*exited with status 255.*Read-only file system/);
        expect(up.stderr).not.toMatch(/^\s+at /m);
        // The container that could not boot is not left behind: the next up starts clean.
        expect(JSON.parse((await devenv(['status', '--json'], { cwd: dir, env: env() })).stdout).state).toBe('absent');
      });
    }
  });
}
