import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv, type CliResult } from './cli.js';
import { removeCacheImagesOf, cliEnvironmentFor, describeWithAnsible, explain, FIXTURES, projectWith, sh } from './provisioner-projects.js';
import { sshAccessTo, startTestContainer, type SshAccess, type TestContainer } from './support.js';

/**
 * Issue 19, Ansible: a production stand-in (systemd, sshd, python3) is built by
 * ansible-playbook over SSH, as production is, with a role, group vars and a
 * handler that restarts a service; a profile whose provisioner runs that same
 * playbook builds the environment, through devenv's own connection (no sshd or
 * ansible package needed in it). Then: plan is empty, a second run changes
 * nothing, parity has no error-level drift; a change, a non-idempotent task and
 * a failing task are each named.
 */

const PRODUCTION_SETUP = `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
systemctl enable --now ssh.service >/dev/null 2>&1
`;

describeWithAnsible("ansible provisioner: production's own playbook, proven by plan, idempotence and parity (issue 19)", () => {
  let production: TestContainer;
  let access: SshAccess;
  let workdir: string;
  let project: string;
  let env: Record<string, string>;
  let productionReady: Promise<void>;
  let upDone = false;
  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: project, env });

  /** ansible-playbook against production over SSH, as the team runs it. */
  async function playbookOnProduction(): Promise<void> {
    const inventory = join(workdir, 'production.ini');
    await writeFile(
      inventory,
      `[web]\nprod1 ansible_host=127.0.0.1 ansible_port=${access.port} ansible_user=ops ansible_become=true ansible_ssh_private_key_file=${access.identity} ansible_ssh_common_args='-o UserKnownHostsFile=${access.knownHosts} -o StrictHostKeyChecking=yes' ansible_python_interpreter=/usr/bin/python3\n`,
    );
    const run = await execa('ansible-playbook', ['-i', inventory, '-e', 'env_name=production', new URL('ansible/site.yml', FIXTURES).pathname], {
      reject: false,
      all: true,
      env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False' },
    });
    if (run.exitCode !== 0) throw new Error(`ansible-playbook on production failed: ${String(run.all).slice(-3000)}`);
  }

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'devenv-ansible-'));
    project = await projectWith(workdir, 'ansible');
    productionReady = (async () => {
      production = await startTestContainer({ ports: [22], name: `devenv-test-ansible-prod-${randomBytes(4).toString('hex')}` });
      // What Ansible needs to reach a host at all (sshd, sudo, python3), installed as apt does by default.
      await sh(production.target, 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server sudo python3 >/dev/null');
      await sh(production.target, PRODUCTION_SETUP);
      access = await sshAccessTo(production, workdir, 'devenv-ansible-test');
      await playbookOnProduction();
    })();
    productionReady.catch(() => undefined);
    await writeFile(
      join(project, 'devenv.yaml'),
      `name: ansible-${randomBytes(3).toString('hex')}
box: debian-12
provisioners:
  - ansible:
      playbook: ops/ansible/site.yml
      groups: [web]
      extra_vars: { env_name: production }
`,
    );
    env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  }, 120_000);

  afterAll(async () => {
    if (upDone) await cli(['destroy', '--force']);
    if (project) await removeCacheImagesOf(join(project, 'devenv.yaml'));
    await access?.ssh.close();
    await productionReady?.catch(() => undefined);
    await production?.[Symbol.asyncDispose]();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it("up runs the playbook against the environment through devenv's connection; plan is then empty and a second run changes nothing", async () => {
    upDone = true;
    const up = await cli(['up']);
    expect(up.exitCode, explain(up)).toBe(0);
    expect(up.stderr).toMatch(/ansible-playbook ops\/ansible\/site\.yml/);

    // Group vars and extra vars reached the template; no Ansible package is in the environment.
    const inside = await cli([
      'exec',
      '--',
      'sh',
      '-c',
      'cat /etc/web/app.conf; systemctl is-active web ssh; dpkg-query -W ansible ansible-core 2>&1 | grep -c "no packages found"',
    ]);
    expect(inside.stdout).toBe('# managed by ansible\ngreeting = hello\nport = 8080\nenv = production\nactive\nactive\n2\n');

    const plan = await cli(['plan']);
    expect(plan.exitCode, explain(plan)).toBe(0);
    expect(plan.stdout).toContain('ansible ops/ansible/site.yml: 0 to change');

    const again = await cli(['provision', '--idempotence']);
    expect(again.exitCode, explain(again)).toBe(0);
    expect(again.stdout).toContain('Idempotent: a second run changed nothing');
  }, 600_000);

  it('parity against that production (built by the same playbook over SSH) reports no error-level drift', async () => {
    await productionReady;
    env = await cliEnvironmentFor(access, workdir);
    const parity = await cli(['parity', '--against', `ssh://ops@127.0.0.1:${access.port}`, '-i', access.identity, '--sudo', '--json']);
    const doc = JSON.parse(parity.stdout) as { drift: { severity: string; path: string; message: string }[] };
    expect(doc.drift.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`)).toEqual([]);
    expect(parity.exitCode, explain(parity)).toBe(0);
  });

  it('a changed group var shows in plan with its diff and the handler it notifies (exit 1); applied, the handler restarts the service', async () => {
    const vars = join(project, 'ops/ansible/group_vars/web.yml');
    const original = await readFile(vars, 'utf8');
    await writeFile(vars, original.replace('web_greeting: hello', 'web_greeting: good morning'));
    try {
      const plan = await cli(['plan']);
      expect(plan.exitCode, explain(plan)).toBe(1);
      expect(plan.stdout).toContain('~ web : web config: ansible.builtin.template');
      expect(plan.stdout).toContain('-greeting = hello\n    +greeting = good morning');
      expect(plan.stdout).toContain('~ handler web : restart web');
      const started = async (): Promise<string> =>
        (await cli(['exec', '--', 'systemctl', 'show', '-p', 'ExecMainStartTimestampMonotonic', '--value', 'web'])).stdout.trim();
      const before = await started();
      const apply = await cli(['provision']);
      expect(apply.exitCode, explain(apply)).toBe(0);
      expect(apply.stdout).toContain('~ handler web : restart web');
      expect(await started()).not.toBe(before);
    } finally {
      await writeFile(vars, original);
    }
  });

  it('a non-idempotent task is reported by name after a second run (exit 1)', async () => {
    const tasks = join(project, 'ops/ansible/roles/web/tasks/main.yml');
    const original = await readFile(tasks, 'utf8');
    await writeFile(tasks, `${original}- name: stamp the deploy\n  ansible.builtin.shell: date +%s%N > /etc/web/stamp\n`);
    try {
      const run = await cli(['provision', '--idempotence']);
      expect(run.exitCode, explain(run)).toBe(1);
      expect(run.stdout).toMatch(/1 changed on the second run\n~ web : stamp the deploy/);
    } finally {
      await writeFile(tasks, original);
    }
  });

  it('a failing task is exit 4 naming it', async () => {
    const tasks = join(project, 'ops/ansible/roles/web/tasks/main.yml');
    const original = await readFile(tasks, 'utf8');
    await writeFile(tasks, `${original}- name: broken step\n  ansible.builtin.command: /bin/false\n`);
    try {
      const run = await cli(['provision']);
      expect(run.exitCode, explain(run)).toBe(4);
      expect(run.stderr).toMatch(/ansible ops\/ansible\/site\.yml failed at web : broken step: non-zero return code/);
    } finally {
      await writeFile(tasks, original);
    }
  });
});
