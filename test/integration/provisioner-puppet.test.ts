import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyTreeInto, readTree } from '../../src/provisioners/code-tree.js';
import { devenv, type CliResult } from './cli.js';
import { removeCacheImagesOf, cliEnvironmentFor, explain, FIXTURES, projectWith, sh } from './provisioner-projects.js';
import { describeWithEngine, sshAccessTo, startTestContainer, type SshAccess, type TestContainer } from './support.js';

/**
 * Issue 19, Puppet: a production stand-in (systemd, sshd) is built by `puppet
 * apply` of a site.pp with a module, hiera data and a fact override, the way
 * production runs it; a profile whose provisioner runs that same site.pp builds
 * the environment. Then: plan is empty, a second run changes nothing, parity
 * against production has no error-level drift, the image cache serves an
 * unchanged tree, and changes, non-idempotent code and failures are each named.
 */

// Production runs its code from a checkout outside /etc (as the environment does, under /var/lib/devenv):
// the tree itself is not what parity compares.
const CODE = '/srv/puppet-code';
const PUPPET_ON_PRODUCTION = `FACTER_role=web puppet apply --color=false --detailed-exitcodes --modulepath ${CODE}/modules --hiera_config ${CODE}/hiera.yaml ${CODE}/site.pp; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 2 ]`;

describeWithEngine("puppet provisioner: production's own site.pp, proven by plan, idempotence and parity (issue 19)", () => {
  let production: TestContainer;
  let access: SshAccess;
  let workdir: string;
  let project: string;
  let env: Record<string, string>;
  let productionReady: Promise<void>;
  let upDone = false;
  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: project, env });

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'devenv-puppet-'));
    project = await projectWith(workdir, 'puppet');
    // Production is built while the environment is: the two are the slow part of this file.
    productionReady = (async () => {
      production = await startTestContainer({ ports: [22], name: `devenv-test-puppet-prod-${randomBytes(4).toString('hex')}` });
      await sh(production.target, 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq puppet-agent >/dev/null');
      await copyTreeInto(production.target, readTree(new URL('puppet/', FIXTURES).pathname), CODE);
      await sh(production.target, PUPPET_ON_PRODUCTION);
      access = await sshAccessTo(production, workdir, 'devenv-puppet-test');
    })();
    productionReady.catch(() => undefined);
    await writeFile(
      join(project, 'devenv.yaml'),
      `name: puppet-${randomBytes(3).toString('hex')}
box: debian-12
provisioners:
  - puppet:
      manifest: ops/puppet/site.pp
      modulepath: [ops/puppet/modules]
      hiera: ops/puppet/hiera.yaml
      facts: { role: web }
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

  it('up runs puppet apply in the environment (the agent installed, the tree copied in); plan is then empty and a second run changes nothing', async () => {
    upDone = true;
    const up = await cli(['up']);
    expect(up.exitCode, explain(up)).toBe(0);
    expect(up.stderr).toMatch(/puppet-agent in the environment/);
    expect(up.stderr).toMatch(/puppet apply ops\/puppet\/site\.pp/);

    // The fact override and the hiera data reached the code.
    const conf = await cli(['exec', '--', 'cat', '/etc/web/app.conf']);
    expect(conf.stdout).toBe('# managed by puppet\ngreeting = hello\nport = 8080\nrole = web\n');
    expect((await cli(['exec', '--', 'systemctl', 'is-active', 'web', 'ssh'])).stdout).toBe('active\nactive\n');

    const plan = await cli(['plan']);
    expect(plan.exitCode, explain(plan)).toBe(0);
    expect(plan.stdout).toContain('puppet ops/puppet/site.pp: 0 to change');

    const again = await cli(['provision', '--idempotence']);
    expect(again.exitCode, explain(again)).toBe(0);
    expect(again.stdout).toContain('Idempotent: a second run changed nothing');
  }, 600_000);

  it('parity against that production (built by the same site.pp) reports no error-level drift', async () => {
    await productionReady;
    env = await cliEnvironmentFor(access, workdir);
    const parity = await cli(['parity', '--against', `ssh://ops@127.0.0.1:${access.port}`, '-i', access.identity, '--sudo', '--json']);
    const doc = JSON.parse(parity.stdout) as { summary: { error: number }; drift: { severity: string; path: string; message: string }[] };
    expect(doc.drift.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`)).toEqual([]);
    expect(parity.exitCode, explain(parity)).toBe(0);
  });

  it('a new environment from the same tree starts from the saved image and only verifies it', async () => {
    expect((await cli(['destroy', '--force'])).exitCode).toBe(0);
    const up = await cli(['up', '--json']);
    expect(up.exitCode, explain(up)).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ provisioned: 'verified', cache: { from_stage: 1, of: 1 } });
    expect(up.stderr).not.toMatch(/✓ puppet apply ops/);
  });

  it('a changed hiera value shows in plan with its diff (exit 1), and nothing changes', async () => {
    const data = join(project, 'ops/puppet/data/common.yaml');
    const original = await readFile(data, 'utf8');
    await writeFile(data, original.replace('greeting: hello', 'greeting: good morning'));
    try {
      const plan = await cli(['plan', '--json']);
      expect(plan.exitCode, explain(plan)).toBe(1);
      const json = JSON.parse(plan.stdout);
      expect(json.provisioners).toEqual([
        expect.objectContaining({
          kind: 'puppet',
          label: 'puppet ops/puppet/site.pp',
          changes: [
            expect.objectContaining({ resource: 'File[/etc/web/app.conf]', diff: expect.stringContaining('-greeting = hello\n+greeting = good morning') }),
          ],
        }),
      ]);
      expect((await cli(['exec', '--', 'cat', '/etc/web/app.conf'])).stdout).toContain('greeting = hello\n');
    } finally {
      await writeFile(data, original);
    }
  });

  it('a non-idempotent exec is reported by name after a second run (exit 1)', async () => {
    const site = join(project, 'ops/puppet/site.pp');
    const original = await readFile(site, 'utf8');
    await writeFile(site, `${original}\nexec { 'stamp the deploy': command => '/bin/sh -c "date +%s%N > /etc/web/stamp"' }\n`);
    try {
      const run = await cli(['provision', '--idempotence']);
      expect(run.exitCode, explain(run)).toBe(1);
      expect(run.stdout).toMatch(/changed on the second run\n~ Exec\[stamp the deploy\]/);
      expect(run.stdout).toContain('Not idempotent');
    } finally {
      await writeFile(site, original);
    }
  });

  it("a failing resource is exit 4 naming it, with Puppet's last lines", async () => {
    const site = join(project, 'ops/puppet/site.pp');
    const original = await readFile(site, 'utf8');
    await writeFile(site, `${original}\nexec { 'broken-step': command => '/bin/false' }\n`);
    try {
      const run = await cli(['provision']);
      expect(run.exitCode, explain(run)).toBe(4);
      expect(run.stderr).toMatch(/puppet ops\/puppet\/site\.pp failed at Exec\[broken-step\]: change from 'notrun' to \['0'\] failed/);
      expect(run.stderr).toContain("Error: '/bin/false' returned 1 instead of one of [0]");
    } finally {
      await writeFile(site, original);
    }
  });
});
