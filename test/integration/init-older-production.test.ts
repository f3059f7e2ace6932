import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv, type CliResult } from './cli.js';
import { freePort } from './ports.js';
import { describeWithEngine, sshAccessTo, sshOnPath, startTestContainer, type TestContainer } from './support.js';

/**
 * Issue 15's onboarding case: production is older than the mirror, as every
 * production is a few weeks after its last upgrade. This one's apt sources lack
 * -security, so apt gave it bookworm's nginx (1.22.1-9+deb12u9) while the box's
 * candidate is the security update; it installs Recommends, as Debian does.
 * `init --from` → `up` → `parity` must come out without error-level drift,
 * packages included: the lock init wrote from production's package list makes the
 * environment's packages production's, closure and all.
 */

const PRODUCTION_SETUP = `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
# Built from bookworm alone: no security suite in its sources.
awk -v RS= -v ORS='\\n\\n' '!/debian-security/' /etc/apt/sources.list.d/debian.sources > /tmp/debian.sources
mv /tmp/debian.sources /etc/apt/sources.list.d/debian.sources
! grep -q security /etc/apt/sources.list.d/debian.sources
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx python3 >/dev/null
systemctl enable --now ssh nginx >/dev/null 2>&1
`;

function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n${result.stderr.slice(-2500)}\n${result.stdout.slice(-2500)}`;
}

describeWithEngine('init --from a production older than the mirror, then up, then parity (issue 15)', () => {
  let production: TestContainer;
  let workdir: string;
  let project: string;
  let env: Record<string, string>;
  let destination: string;
  let identity: string;
  let upDone = false;

  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: project, env });

  beforeAll(async () => {
    // sshd and sudo come first, from the box's full sources (the stand-in's admin access, not under test).
    production = await startTestContainer({ ports: [22], extraPackages: ['openssh-server', 'sudo'] });
    const setup = await production.target.exec(['sh', '-c', PRODUCTION_SETUP], { timeout: 600_000 });
    if (setup.exitCode !== 0) throw new Error(`production setup failed: ${setup.stderr.slice(-800)}`);
    workdir = await mkdtemp(join(tmpdir(), 'devenv-older-prod-'));
    project = join(workdir, 'site');
    await mkdir(project);
    const access = await sshAccessTo(production, workdir, 'devenv-older-production');
    await access.ssh.close();
    identity = access.identity;
    destination = `ssh://ops@127.0.0.1:${access.port}`;
    env = { PATH: await sshOnPath(access.knownHosts, workdir), DEVENV_ARCHIVE_DIR: join(workdir, 'archive') };
  });

  afterAll(async () => {
    if (upDone) await cli(['destroy', '--force']);
    await production?.[Symbol.asyncDispose]();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('locks production’s whole package set, closure included, at production’s versions', async () => {
    const init = await cli(['init', '--from', destination, '-i', identity, '--sudo', '--yes', '--port', String(await freePort())]);
    expect(init.exitCode, explain(init)).toBe(0);
    const production_versions = new Map(
      (await production.target.exec(['dpkg-query', '-W', '-f', '${Package} ${Version}\n'])).stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    expect(production_versions.get('nginx-common')).toBe('1.22.1-9+deb12u9');
    // Its suites, over this machine's mirror: bookworm without -security.
    const profile = parse(await readFile(join(project, 'devenv.yaml'), 'utf8'));
    expect(profile.apt.sources).toEqual([{ archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] }]);
    const lock = parse(await readFile(join(project, 'devenv.lock'), 'utf8'));
    expect(lock).toMatchObject({ schema: 'devenv.lock/v1', box: 'debian-12' });
    expect(lock.apt['nginx-common']).toMatchObject({ version: '1.22.1-9+deb12u9' });
    for (const [name, version] of production_versions) expect(lock.apt[name]?.version, name).toBe(version);
  });

  it('up installs exactly that, and parity finds no error-level drift, packages included', async () => {
    upDone = true;
    const up = await cli(['up']);
    expect(up.exitCode, explain(up)).toBe(0);
    const parity = await cli(['parity', '--json']);
    const doc = JSON.parse(parity.stdout);
    const errors = (doc.drift as { severity: string; path: string; message: string }[]).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.path}: ${d.message}`)).toEqual([]);
    expect(parity.exitCode, explain(parity)).toBe(0);
    // And the lock holds: the environment is what it says, now with every package's sha256.
    const lock = await cli(['lock']);
    expect(lock.exitCode, explain(lock)).toBe(0);
    const after = parse(await readFile(join(project, 'devenv.lock'), 'utf8'));
    expect(after.apt.nginx).toMatchObject({ version: '1.22.1-9+deb12u9', arch: 'amd64', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
