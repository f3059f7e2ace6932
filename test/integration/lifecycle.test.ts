import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

describeWithEngine('devenv lifecycle on Docker (real engine)', () => {
  let dir: string;
  let hostPort: number;
  const docker = new Dockerode();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-lifecycle-'));
    hostPort = await freePort();
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app', 'hello.txt'), 'from the host\n');
    await writeFile(
      join(dir, 'devenv.yaml'),
      [
        'name: lifecycle',
        'box: debian-12',
        `ports: ["${hostPort}:80"]`,
        'sync: ["./app:/srv/app"]',
        'resources: { cpus: 1, memory: 512MiB }',
        'sysctls: { net.ipv4.conf.all.accept_redirects: 0 }',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await devenv(['destroy', '--force'], { cwd: dir });
    await rm(dir, { recursive: true, force: true });
  });

  it('up → exec → status → halt → up → destroy, idempotent and fast when already up', async () => {
    const up = await devenv(['up', '--json'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(0);
    const first = JSON.parse(up.stdout);
    expect(first).toMatchObject({ schema: 'devenv.status/v1', state: 'running', action: 'created' });

    // systemd is PID 1, like production.
    const pid1 = await devenv(['exec', '--', 'ps', '-p', '1', '-o', 'comm='], { cwd: dir });
    expect(pid1.stdout.trim()).toBe('systemd');

    // Namespaced kernel settings production keeps in /etc/sysctl.d are set on the container.
    const sysctl = await devenv(['exec', '--', 'cat', '/proc/sys/net/ipv4/conf/all/accept_redirects'], { cwd: dir });
    expect(sysctl.stdout.trim()).toBe('0');

    // The box keeps apt's binary cache (as a host has after apt-get update), not the downloaded .debs.
    const aptCache = await devenv(['exec', '--', 'sh', '-c', 'test -s /var/cache/apt/pkgcache.bin && ls /var/cache/apt/archives | grep -c "\\.deb$"'], {
      cwd: dir,
    });
    expect(aptCache.stdout.trim(), aptCache.stderr).toBe('0');

    // The synced folder is a bind mount of the host folder.
    const synced = await devenv(['exec', '--', 'cat', '/srv/app/hello.txt'], { cwd: dir });
    expect(synced.stdout).toBe('from the host\n');

    // The command's exit code is devenv's exit code; stdin reaches the command.
    expect((await devenv(['exec', '--', 'sh', '-c', 'exit 7'], { cwd: dir })).exitCode).toBe(7);
    expect((await devenv(['exec', '--', 'cat'], { cwd: dir, input: 'piped\n' })).stdout).toBe('piped\n');

    // A second up of a running environment changes nothing and returns fast.
    const started = performance.now();
    const again = await devenv(['up', '--json'], { cwd: dir });
    const elapsed = performance.now() - started;
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'running', id: first.id });
    expect(elapsed).toBeLessThan(2000);

    // The port is published on 127.0.0.1 only.
    const container = docker.getContainer(first.id);
    const info = await container.inspect();
    expect(info.HostConfig.PortBindings?.['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.Memory).toBe(512 * 1024 ** 2);

    const halted = await devenv(['halt', '--json'], { cwd: dir });
    expect(JSON.parse(halted.stdout)).toMatchObject({ state: 'stopped' });
    const status = JSON.parse((await devenv(['status', '--json'], { cwd: dir })).stdout);
    expect(status).toMatchObject({ state: 'stopped', upToDate: true });

    const restarted = JSON.parse((await devenv(['up', '--json'], { cwd: dir })).stdout);
    expect(restarted).toMatchObject({ action: 'started', state: 'running', id: first.id });

    const destroyed = await devenv(['destroy', '--force', '--json'], { cwd: dir });
    expect(destroyed.exitCode).toBe(0);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ state: 'absent', action: 'destroyed' });
    // destroy never deletes a synced host folder.
    expect(await readFile(join(dir, 'app', 'hello.txt'), 'utf8')).toBe('from the host\n');
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('recreates the environment when the profile changes', async () => {
    const first = JSON.parse((await devenv(['up', '--json', '--no-provision'], { cwd: dir })).stdout);
    const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
    await writeFile(join(dir, 'devenv.yaml'), profile.replace('cpus: 1', 'cpus: 2'));
    const stale = JSON.parse((await devenv(['status', '--json'], { cwd: dir })).stdout);
    expect(stale.upToDate).toBe(false);
    const second = JSON.parse((await devenv(['up', '--json'], { cwd: dir })).stdout);
    expect(second).toMatchObject({ action: 'recreated', state: 'running', upToDate: true });
    expect(second.id).not.toBe(first.id);
  });

  it('exits 3 with what to do when the engine is unreachable, and 2 for a bad profile even then', async () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    const unreachable = await devenv(['status'], { cwd: dir, env });
    expect(unreachable.exitCode).toBe(3);
    expect(unreachable.stderr).toMatch(/Docker engine is not reachable/);
    expect(unreachable.stderr).toMatch(/hint: start it/);
    await writeFile(join(dir, 'bad.yaml'), 'name: lifecycle\nbox: debian-12\nports: ["99999:80"]\n');
    const bad = await devenv(['-p', 'bad.yaml', 'up'], { cwd: dir, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^bad\.yaml:3:9: ports\[0\]: port 99999 is out of range/);
  });
});
