import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VagrantBackend } from '../../src/backends/vagrant/vagrant-backend.js';
import { silentProgress } from '../../src/core/progress.js';
import { loadProfile } from '../../src/environment/load.js';
import { devenv } from './cli.js';
import { integrationRequired } from './engine.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

const vagrantInstalled = spawnSync('vagrant', ['--version']).status === 0;

/** Needs a Docker engine and Debian's vagrant (its docker provider); required in CI, skipped with a reason elsewhere. */
const describeWithVagrant: typeof describe = vagrantInstalled
  ? describeWithEngine
  : integrationRequired
    ? (((name: string) =>
        describe(name, () =>
          it('has vagrant', () => {
            throw new Error('CI is set but vagrant is not installed (scripts/setup-host.sh installs it)');
          }),
        )) as typeof describe)
    : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: vagrant is not installed; sudo apt-get install vagrant)`, fn)) as typeof describe);

const ms = (start: number): number => performance.now() - start;

describeWithVagrant('devenv on Vagrant with the docker provider (real vagrant, real engine)', () => {
  let dir: string;
  let hostPort: number;
  const docker = new Dockerode();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-vagrant-'));
    hostPort = await freePort();
    await mkdir(join(dir, 'app'));
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'app', 'hello.txt'), 'from the host\n');
    await writeFile(
      join(dir, 'manifests', 'base.yaml'),
      [
        'group:',
        '  demo: { system: true }',
        'user:',
        '  demo: { system: true, group: demo, shell: /usr/sbin/nologin, home: /srv/demo }',
        // Production's first account: uid 1000 is free, the box's own vagrant user is not on it.
        '  ops: { uid: 1000, shell: /bin/bash, home: /home/ops }',
        'file:',
        '  /etc/demo.conf: { content: "managed on a vagrant machine\\n", mode: "0640", owner: root, group: demo }',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'devenv.yaml'),
      [
        'name: vagrantlife',
        'box: debian-12',
        'backend: vagrant',
        'vagrant: { provider: docker }',
        `ports: ["${hostPort}:80"]`,
        'sync: ["./app:/srv/app"]',
        'resources: { cpus: 1, memory: 512MiB }',
        'manifests: [manifests/base.yaml]',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    if (!dir) return;
    await devenv(['destroy', '--force'], { cwd: dir });
    // Whatever a failed run left behind: containers are labelled with the profile path.
    const left = await docker.listContainers({ all: true, filters: { label: [`devenv.profile=${join(dir, 'devenv.yaml')}`] } });
    for (const c of left)
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('up → exec through one SSH master → status → plan → halt → up → destroy', async () => {
    let started = performance.now();
    const up = await devenv(['up', '--json'], { cwd: dir });
    const createSeconds = ms(started) / 1000;
    expect(up.exitCode, up.stderr).toBe(0);
    const first = JSON.parse(up.stdout);
    expect(first).toMatchObject({ schema: 'devenv.status/v1', backend: 'vagrant', state: 'running', action: 'created', upToDate: true });
    expect(first.image).toMatch(/^devenv-box\/debian-12-vagrant:[0-9a-f]{16}$/);

    // The Vagrantfile is the project's template, filled from the profile, in the state folder.
    const stateDir = join(dir, '.devenv', 'vagrant', 'vagrantlife');
    const vagrantfile = await readFile(join(stateDir, 'Vagrantfile'), 'utf8');
    expect(vagrantfile).toContain(`host: ${hostPort}, host_ip: "127.0.0.1"`);
    expect(vagrantfile).toContain('d.has_ssh = true');

    // Same guarantees as the Docker backend: systemd as PID 1, synced folder, exit codes, stdin, root by default.
    expect((await devenv(['exec', '--', 'ps', '-p', '1', '-o', 'comm='], { cwd: dir })).stdout.trim()).toBe('systemd');
    expect((await devenv(['exec', '--', 'cat', '/srv/app/hello.txt'], { cwd: dir })).stdout).toBe('from the host\n');
    expect((await devenv(['exec', '--', 'sh', '-c', 'exit 7'], { cwd: dir })).exitCode).toBe(7);
    expect((await devenv(['exec', '--', 'cat'], { cwd: dir, input: 'piped\n' })).stdout).toBe('piped\n');
    expect((await devenv(['exec', '--', 'id', '-un'], { cwd: dir })).stdout.trim()).toBe('root');
    expect((await devenv(['exec', '--', 'hostname'], { cwd: dir })).stdout.trim()).toBe('vagrantlife');

    // up provisioned the manifests through the target: plan shows zero changes.
    const plan = await devenv(['plan', '--json'], { cwd: dir });
    expect(plan.exitCode, plan.stderr + plan.stdout).toBe(0);
    expect(JSON.parse(plan.stdout).summary.changed).toBe(0);
    expect((await devenv(['exec', '--', 'stat', '-c', '%a %U %G', '/etc/demo.conf'], { cwd: dir })).stdout.trim()).toBe('640 root demo');
    expect((await devenv(['exec', '--', 'id', '-u', 'ops'], { cwd: dir })).stdout.trim()).toBe('1000');
    expect((await devenv(['exec', '--', 'id', '-u', 'vagrant'], { cwd: dir })).stdout.trim()).toBe('59999');

    // The container: ports on 127.0.0.1 only, resources, labels.
    const info = await docker.getContainer(first.id).inspect();
    expect(info.HostConfig.PortBindings?.['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.Memory).toBe(512 * 1024 ** 2);
    expect(info.Config.Labels?.['devenv.profile']).toBe(join(dir, 'devenv.yaml'));

    // Per-command exec time: devenv's target (one OpenSSH master) vs `vagrant ssh -c true`.
    const profile = await loadProfile(join(dir, 'devenv.yaml'));
    const backend = new VagrantBackend(profile, silentProgress());
    const target = await backend.target();
    expect(target.describe()).toMatchObject({ kind: 'vagrant', container: true });
    const runs = 20;
    started = performance.now();
    for (let i = 0; i < runs; i++) expect((await target.exec(['true'])).exitCode).toBe(0);
    const perExec = ms(started) / runs;
    const vagrantRuns = 3;
    started = performance.now();
    for (let i = 0; i < vagrantRuns; i++) {
      const result = await execa('vagrant', ['ssh', '-c', 'true'], {
        cwd: stateDir,
        env: { VAGRANT_CWD: stateDir, VAGRANT_CHECKPOINT_DISABLE: '1' },
        reject: false,
      });
      expect(result.exitCode).toBe(0);
    }
    const perVagrantSsh = ms(started) / vagrantRuns;
    // Copy goes through the same connection.
    await target.copy('copied\n', '/tmp/devenv-copy.txt', { mode: '0600' });
    expect((await target.exec(['cat', '/tmp/devenv-copy.txt'])).stdout).toBe('copied\n');
    await target.close();

    // A second up of a running machine changes nothing and does not start Vagrant.
    started = performance.now();
    const again = await devenv(['up', '--json'], { cwd: dir });
    const runningUp = ms(started);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'running', id: first.id });
    expect(runningUp).toBeLessThan(3000);

    const status = JSON.parse((await devenv(['status', '--json'], { cwd: dir })).stdout);
    expect(status).toMatchObject({ backend: 'vagrant', state: 'running', upToDate: true, id: first.id });

    const halted = await devenv(['halt', '--json'], { cwd: dir });
    expect(halted.exitCode, halted.stderr).toBe(0);
    expect(JSON.parse(halted.stdout)).toMatchObject({ state: 'stopped' });
    expect(JSON.parse((await devenv(['status', '--json'], { cwd: dir })).stdout)).toMatchObject({ state: 'stopped', upToDate: true });
    const notRunning = await devenv(['exec', '--', 'true'], { cwd: dir });
    expect(notRunning.exitCode).toBe(4);
    expect(notRunning.stderr).toMatch(/not running/);

    started = performance.now();
    const restarted = await devenv(['up', '--json'], { cwd: dir });
    const haltedUp = ms(started) / 1000;
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout)).toMatchObject({ action: 'started', state: 'running', id: first.id });
    expect((await devenv(['exec', '--', 'cat', '/srv/app/hello.txt'], { cwd: dir })).stdout).toBe('from the host\n');

    const destroyed = await devenv(['destroy', '--force', '--json'], { cwd: dir });
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ state: 'absent' });
    expect(await readFile(join(dir, 'app', 'hello.txt'), 'utf8')).toBe('from the host\n');
    await expect(docker.getContainer(first.id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    process.stderr.write(
      [
        '',
        'vagrant (docker provider) timings:',
        `  up (create + provision)        ${createSeconds.toFixed(1)} s`,
        `  up of a halted machine         ${haltedUp.toFixed(1)} s`,
        `  up of a running machine        ${runningUp.toFixed(0)} ms`,
        `  exec through VagrantTarget     ${perExec.toFixed(1)} ms per command (${runs} runs, one SSH master)`,
        `  vagrant ssh -c true            ${perVagrantSsh.toFixed(0)} ms per command (${vagrantRuns} runs)`,
        '',
      ].join('\n'),
    );
    expect(perExec * 5).toBeLessThan(perVagrantSsh);
  }, 600_000);

  it('recreates the machine when the profile changes', async () => {
    const first = JSON.parse((await devenv(['up', '--json', '--no-provision'], { cwd: dir })).stdout);
    const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
    await writeFile(join(dir, 'devenv.yaml'), profile.replace('cpus: 1', 'cpus: 2'));
    expect(JSON.parse((await devenv(['status', '--json'], { cwd: dir })).stdout).upToDate).toBe(false);
    const second = await devenv(['up', '--json', '--no-provision'], { cwd: dir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ action: 'recreated', state: 'running', upToDate: true });
    expect(JSON.parse(second.stdout).id).not.toBe(first.id);
    expect((await docker.getContainer(JSON.parse(second.stdout).id).inspect()).HostConfig.NanoCpus).toBe(2e9);
  }, 600_000);
});
