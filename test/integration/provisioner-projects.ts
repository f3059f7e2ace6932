import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, it } from 'vitest';
import { CACHE_LABEL } from '../../src/backends/docker/docker-image-cache.js';
import type { CliResult } from './cli.js';
import { integrationRequired } from './engine.js';
import { describeWithEngine, type SshAccess } from './support.js';
import type { Target } from '../../src/targets/target.js';

/** Helpers shared by the Puppet and Ansible provisioner tests (issue 19). */

export const FIXTURES = new URL('../fixtures/provisioners/', import.meta.url);

export async function sh(target: Target, script: string, timeout = 600_000): Promise<string> {
  const result = await target.exec(['sh', '-c', script], { timeout });
  if (result.exitCode !== 0) throw new Error(`script failed (exit ${result.exitCode}): ${result.stderr.slice(-1500)}${result.stdout.slice(-1500)}`);
  return result.stdout;
}

export function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n--- stderr\n${result.stderr.slice(-3000)}\n--- stdout\n${result.stdout.slice(-3000)}`;
}

/** A project folder holding a copy of a fixture tree at ops/KIND (tests edit the copy). */
export async function projectWith(workdir: string, kind: 'puppet' | 'ansible'): Promise<string> {
  const project = join(workdir, 'project');
  await mkdir(join(project, 'ops'), { recursive: true });
  await cp(new URL(`${kind}/`, FIXTURES), join(project, 'ops', kind), { recursive: true });
  return project;
}

/**
 * The CLI verifies host keys against the user's known_hosts (read from the passwd
 * home, not $HOME): an `ssh` first on PATH adds this run's known_hosts instead.
 */
export async function cliEnvironmentFor(access: SshAccess, workdir: string): Promise<Record<string, string>> {
  const bin = join(workdir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${access.knownHosts} "$@"\n`);
  await chmod(join(bin, 'ssh'), 0o755);
  return { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
}

function hasAnsible(): boolean {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Needs an engine and ansible-playbook on this machine: skipped on a laptop without it, failing in CI. */
export const describeWithAnsible: typeof describe = ((name: string, fn: () => void) => {
  if (hasAnsible()) return describeWithEngine(name, fn);
  if (integrationRequired) {
    return describe(name, () => {
      it('has ansible-playbook on this machine', () => {
        throw new Error('CI is set but ansible-playbook is missing: scripts/setup-host.sh all installs ansible-core');
      });
    });
  }
  return describe.skip(`${name} (skipped: no ansible-playbook; sudo apt-get install ansible-core)`, fn);
}) as typeof describe;

/** The saved images of this test's profile (each run's profile is new, so nothing else would ever reuse them). */
export async function removeCacheImagesOf(profilePath: string): Promise<void> {
  const docker = new Dockerode();
  const images = await docker.listImages({ filters: { label: [`${CACHE_LABEL.profile}=${profilePath}`] } }).catch(() => []);
  // Later stages first: they are the children of earlier ones.
  images.sort((a, b) => Number(b.Labels?.[CACHE_LABEL.stage] ?? 0) - Number(a.Labels?.[CACHE_LABEL.stage] ?? 0));
  for (const image of images)
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
}
