import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, it } from 'vitest';
import { LABEL, systemdSpecFor } from '../../src/backends/docker/engine.js';
import { withSystemdHostConfig } from '../../src/backends/docker/systemd-container-spec.js';
import { boxImageRef } from '../../src/box/build.js';
import { bundledBoxesDir, loadBoxDefinition } from '../../src/box/definition.js';
import { DockerTarget } from '../../src/targets/docker-target.js';
import type { Target } from '../../src/targets/target.js';
import { SshTarget } from '../../src/targets/ssh-target.js';
import { engineAnswers, integrationRequired } from './engine.js';

const available = await engineAnswers();

/**
 * `describe` for tests that need a real Docker engine: skipped with a reason on a
 * laptop without one, and failing in CI where integration tests are required.
 */
export const describeWithEngine: typeof describe = ((name: string, fn: () => void) => {
  if (available) return describe(name, fn);
  if (integrationRequired) {
    // A failing test, not a skip: the requirement shows in the report.
    return describe(name, () => {
      it('has a Docker engine', () => {
        throw new Error('CI is set but no Docker engine answers: integration tests are required');
      });
    });
  }
  return describe.skip(`${name} (skipped: no Docker engine answers; set DOCKER_HOST or start dockerd)`, fn);
}) as typeof describe;

export const engineAvailable = available;

export async function debianBoxImage(): Promise<string> {
  const box = await loadBoxDefinition(`${bundledBoxesDir()}debian-12.yaml`);
  return boxImageRef(box);
}

export interface TestContainer {
  id: string;
  name: string;
  docker: Dockerode;
  target: Target;
  /** The 127.0.0.1 host port published for a guest port, when asked for with `ports`. */
  hostPort(guestPort: number): number | undefined;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestContainerOptions {
  /** Guest TCP ports to publish on 127.0.0.1 (random host ports). */
  ports?: number[];
  /** Packages to apt-get install after boot (runs apt-get update first). */
  extraPackages?: string[];
  name?: string;
}

/**
 * A systemd debian-12 container from the box image, booted and ready,
 * labelled so a leftover is recognisable, removed on dispose.
 */
export async function startTestContainer(options: TestContainerOptions = {}): Promise<TestContainer> {
  const docker = new Dockerode();
  const image = await debianBoxImage();
  const name = options.name ?? `devenv-test-${randomBytes(4).toString('hex')}`;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of options.ports ?? []) {
    exposed[`${port}/tcp`] = {};
    bindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
  }
  // The same systemd settings as devenv's own environments, chosen from the engine.
  const spec = await systemdSpecFor(docker);
  const container = await docker.createContainer({
    name,
    Image: image,
    Labels: { [LABEL.test]: 'true', [LABEL.managed]: 'true' },
    StopSignal: spec.stopSignal,
    ExposedPorts: exposed,
    HostConfig: withSystemdHostConfig(spec, { Binds: [], PortBindings: bindings }),
  });
  const dispose = async (): Promise<void> => {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  };
  try {
    await container.start();
    const target = new DockerTarget(docker, container.id, name);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = (await target.exec(['systemctl', 'is-system-running'])).stdout.trim();
      if (state === 'running' || state === 'degraded') break;
      if (Date.now() > deadline) throw new Error(`container ${name} did not boot: ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (options.extraPackages?.length) {
      const install = await target.exec(
        [
          'sh',
          '-c',
          'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"',
          'install',
          ...options.extraPackages,
        ],
        { timeout: 300_000 },
      );
      if (install.exitCode !== 0) throw new Error(`apt-get install failed in ${name}: ${install.stderr.slice(-500)}`);
    }
    const info = await container.inspect();
    const hostPort = (guestPort: number): number | undefined => {
      const binding = info.NetworkSettings.Ports?.[`${guestPort}/tcp`]?.[0];
      return binding ? Number(binding.HostPort) : undefined;
    };
    return { id: container.id, name, docker, target, hostPort, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export interface SshAccess {
  ssh: SshTarget;
  identity: string;
  knownHosts: string;
  port: number;
}

/**
 * A production stand-in reached as production is: a fresh key for its `ops` user,
 * its host key pinned in a known_hosts of the test's own, sudo on, and sshd
 * answering (it may still be starting after apt's postinst).
 */
export async function sshAccessTo(production: TestContainer, workdir: string, comment = 'devenv-test'): Promise<SshAccess> {
  const identity = join(workdir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', identity]);
  await production.target.copy(await readFile(`${identity}.pub`, 'utf8'), '/home/ops/.ssh-authorized_keys.tmp', { mode: '0600' });
  const installKey =
    'install -d -m 0700 -o ops -g ops /home/ops/.ssh && install -m 0600 -o ops -g ops /home/ops/.ssh-authorized_keys.tmp /home/ops/.ssh/authorized_keys && rm /home/ops/.ssh-authorized_keys.tmp';
  const installed = await production.target.exec(['sh', '-c', installKey]);
  if (installed.exitCode !== 0) throw new Error(`installing the key failed: ${installed.stderr}`);
  const port = production.hostPort(22)!;
  const hostKey = (await production.target.exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(' ').slice(0, 2).join(' ');
  const knownHosts = join(workdir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
  const ssh = new SshTarget(`ssh://ops@127.0.0.1:${port}`, { identity, knownHostsFile: knownHosts, sudo: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await ssh.exec(['true']);
      break;
    } catch (error) {
      if (attempt > 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  return { ssh, identity, knownHosts, port };
}

/**
 * An `ssh` first on PATH that pins the stand-in's host key from `knownHosts`: the CLI
 * reads known_hosts from the passwd home, never $HOME, so this keeps the real one untouched.
 * Returns the PATH to run the CLI with.
 */
export async function sshOnPath(knownHosts: string, workdir: string): Promise<string> {
  const bin = join(workdir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} "$@"\n`);
  await chmod(join(bin, 'ssh'), 0o755);
  return `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
}
