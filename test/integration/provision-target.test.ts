import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv, type CliResult } from './cli.js';
import { cliEnvironmentFor, explain, sh } from './provisioner-projects.js';
import { describeWithEngine, sshAccessTo, startTestContainer, type SshAccess, type TestContainer } from './support.js';

/**
 * Issue 19, the other direction: devenv's own manifests planned and applied
 * against a host over SSH (a production stand-in with a real sshd), no
 * environment involved. `provision --target` prints the plan first and refuses
 * without --yes off a terminal, changing nothing; `plan --target` on a host
 * changed by hand is exit 1 with the drift.
 */

const MANIFEST = `file:
  /etc/web: { ensure: directory, mode: "0755" }
  /etc/web/app.conf:
    content: "greeting = hello\\n"
    mode: "0644"
apt:
  tree: { ensure: present }
`;

describeWithEngine('plan and provision --target ssh:// (issue 19)', () => {
  let production: TestContainer;
  let access: SshAccess;
  let workdir: string;
  let project: string;
  let env: Record<string, string>;
  let destination: string;
  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: project, env });
  const onHost = (args: string[]): string[] => [...args, '--target', destination, '-i', access.identity, '--sudo'];
  const appConf = async (): Promise<string> => sh(production.target, 'cat /etc/web/app.conf 2>/dev/null || echo "(none)"');

  beforeAll(async () => {
    production = await startTestContainer({ ports: [22], extraPackages: ['openssh-server', 'sudo'] });
    await sh(
      production.target,
      "useradd -m -s /bin/bash ops && printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops && systemctl enable --now ssh.service >/dev/null 2>&1",
    );
    workdir = await mkdtemp(join(tmpdir(), 'devenv-provision-target-'));
    access = await sshAccessTo(production, workdir, 'devenv-provision-target-test');
    destination = `ssh://ops@127.0.0.1:${access.port}`;
    env = await cliEnvironmentFor(access, workdir);
    project = join(workdir, 'project');
    await mkdir(join(project, 'manifests'), { recursive: true });
    await writeFile(join(project, 'manifests', 'web.yaml'), MANIFEST);
    await writeFile(join(project, 'devenv.yaml'), 'name: target-test\nbox: debian-12\nmanifests: [manifests/web.yaml]\n');
  });

  afterAll(async () => {
    await access?.ssh.close();
    await production?.[Symbol.asyncDispose]();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('provision --target without --yes off a terminal prints the plan and refuses (exit 2), nothing changed', async () => {
    const run = await cli(onHost(['provision']));
    expect(run.exitCode, explain(run)).toBe(2);
    expect(run.stdout).toContain('~ file:/etc/web/app.conf (pending)');
    expect(run.stdout).toContain('~ apt:tree (pending)');
    expect(run.stderr).toMatch(/refusing to change ops@127\.0\.0\.1.* without --yes off a terminal: nothing was changed/);
    expect(await appConf()).toBe('(none)\n');
    expect(await sh(production.target, "dpkg-query -W -f '${db:Status-Status}' tree 2>/dev/null || echo absent")).not.toBe('installed');
  });

  it('with --yes it applies them there, with plain apt-get (none of the environment-only dpkg options)', async () => {
    const run = await cli(onHost(['provision', '--yes']));
    expect(run.exitCode, explain(run)).toBe(0);
    expect(await appConf()).toContain('greeting = hello\n');
    expect(await sh(production.target, "dpkg-query -W -f '${db:Status-Status}' tree")).toBe('installed');
    // dpkg logs each run's options in its log only when given on its command line: none was unsafe.
    expect(await sh(production.target, 'cat /var/log/apt/history.log')).not.toMatch(/force-unsafe-io/);
    const plan = await cli(onHost(['plan']));
    expect(plan.exitCode, explain(plan)).toBe(0);
  });

  it('plan --target on a host changed by hand is exit 1 with the drift', async () => {
    await sh(production.target, "printf 'greeting = changed by hand\\n' > /etc/web/app.conf");
    const plan = await cli(onHost(['plan']));
    expect(plan.exitCode, explain(plan)).toBe(1);
    expect(plan.stdout).toContain('~ file:/etc/web/app.conf (pending)');
    expect(plan.stdout).toContain('-greeting = changed by hand');
    expect(await appConf()).toBe('greeting = changed by hand\n');
  });

  it('refuses a target that is not a host', async () => {
    const run = await cli(['plan', '--target', 'prod.facts.json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('plan --target takes env or ssh://user@host[:port]');
  });
});
