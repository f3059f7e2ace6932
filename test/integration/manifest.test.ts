import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OperationError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { planEnvironmentReport, provisionEnvironment } from '../../src/manifest/provision.js';
import { loadProfile, type LoadedProfile } from '../../src/environment/load.js';
import type { Target } from '../../src/targets/target.js';
import { devenv } from './cli.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';

const EXAMPLE = resolve('profiles/mysite/devenv.yaml');
const APP_TEXT = 'Hello from mysite: gunicorn on a unix socket behind nginx.';

/** What `curl http://127.0.0.1/` returns in the guest (python3 is there once the example is applied; curl is not). */
async function fetchInGuest(target: Target): Promise<string> {
  const result = await target.exec([
    'python3',
    '-c',
    'import urllib.request,sys; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1/", timeout=10).read().decode())',
  ]);
  return result.exitCode === 0 ? result.stdout : `exit ${result.exitCode}: ${result.stderr}`;
}

async function sh(target: Target, script: string): Promise<void> {
  const result = await target.exec(['sh', '-c', script], { timeout: 300_000 });
  if (result.exitCode !== 0) throw new Error(`${script} failed: ${result.stderr}`);
}

describeWithEngine('manifest engine against a real systemd container', () => {
  let container: TestContainer;
  let profile: LoadedProfile;
  let scratch: string;

  beforeAll(async () => {
    container = await startTestContainer();
    profile = await loadProfile(EXAMPLE);
    scratch = await mkdtemp(join(tmpdir(), 'devenv-manifest-'));
  });

  afterAll(async () => {
    await container?.[Symbol.asyncDispose]();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('applies the mysite example to a fresh box and serves the app through nginx', async () => {
    // Counts the commands: on a box never provisioned, the apt lists are read in the first round trip.
    const commands: string[] = [];
    const counting: Target = {
      exec: (argv, options) => (commands.push(argv[0]!), container.target.exec(argv, options)),
      copy: (...args) => container.target.copy(...args),
      describe: () => container.target.describe(),
      close: async () => {},
    };
    const report = await provisionEnvironment(profile, counting, silentProgress());
    expect(commands).not.toContain('apt-cache');
    expect(report.schema).toBe('devenv.apply/v1');
    expect(report.resources.filter((r) => r.status === 'failed' || r.status === 'skipped')).toEqual([]);
    expect(report.summary.changed).toBeGreaterThan(15);
    expect(await fetchInGuest(container.target)).toBe(`${APP_TEXT}\n`);
    const header = await container.target.exec(['head', '-1', '/etc/nginx/sites-available/mysite']);
    expect(header.stdout).toBe('# managed by devenv — do not edit by hand\n');
    const nproc = (await container.target.exec(['nproc'])).stdout.trim();
    const nginxConf = await container.target.exec(['grep', '^worker_processes', '/etc/nginx/nginx.conf']);
    expect(nginxConf.stdout.trim()).toBe(`worker_processes ${nproc};`);
  }, 600_000);

  it("held back nginx's second restart in the transaction that started it, and left no policy behind", async () => {
    // nginx-common's postinst starts nginx; nginx's own then "upgrades" it (a 1 s sleep): held, and restarted once.
    const term = await container.target.exec(['cat', '/var/log/apt/term.log']);
    expect(term.stdout).toContain('invoke-rc.d: policy-rc.d denied execution of upgrade.');
    expect(term.stdout).not.toContain('Upgrading binary');
    expect((await container.target.exec(['systemctl', 'is-active', 'nginx.service'])).stdout.trim()).toBe('active');
    const left = await container.target.exec(['sh', '-c', 'ls -d /usr/sbin/policy-rc.d /run/devenv-apt.* 2>/dev/null; true']);
    expect(left.stdout).toBe('');
    // The packages ran with dpkg's fsyncs off: a disposable environment, not an SSH host.
    const history = await container.target.exec(['cat', '/var/log/apt/history.log']);
    expect(history.stdout).toMatch(/^Commandline: apt-get install .*--force-unsafe-io/m);
  });

  it('changes nothing the second time', async () => {
    const report = await provisionEnvironment(profile, container.target, silentProgress());
    expect(report.summary).toEqual({ changed: 0, unchanged: report.resources.length, failed: 0, skipped: 0 });
    const { report: planned } = await planEnvironmentReport(profile, container.target, silentProgress());
    expect(planned.summary.changed).toBe(0);
  }, 300_000);

  it('shows manual changes in plan and corrects them with provision', async () => {
    await sh(container.target, 'echo "# hand edit" >> /etc/nginx/sites-available/mysite');
    await sh(container.target, 'systemctl stop mysite');
    await sh(container.target, 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q gunicorn');
    await sh(container.target, 'usermod --shell /bin/bash mysite');

    const { report: planned } = await planEnvironmentReport(profile, container.target, silentProgress());
    const pending = Object.fromEntries(planned.resources.filter((r) => r.status === 'pending').map((r) => [r.ref, r]));
    expect(Object.keys(pending).sort()).toEqual(['apt:gunicorn', 'file:/etc/nginx/sites-available/mysite', 'service:mysite', 'service:nginx', 'user:mysite']);
    expect(pending['file:/etc/nginx/sites-available/mysite']!.diff).toContain('-# hand edit');
    // Stopped by hand: inactive, or failed when gunicorn's master exits non-zero on SIGTERM (it does when
    // a worker is still booting, as on a loaded CI machine); either way the plan brings it back to running.
    expect(pending['service:mysite']!.changes).toEqual(expect.arrayContaining([expect.stringMatching(/^state: (inactive|failed) → running$/)]));
    expect(pending['apt:gunicorn']!.changes).toEqual([expect.stringMatching(/^version: .* → 20\.1\.0-6\+deb12u1$/)]);
    expect(pending['user:mysite']!.changes).toEqual(['shell: /bin/bash → /usr/sbin/nologin']);
    expect(pending['service:nginx']!.changes).toEqual(['reload on refresh (file:/etc/nginx/sites-available/mysite)']);

    const report = await provisionEnvironment(profile, container.target, silentProgress());
    expect(report.summary.failed).toBe(0);
    expect(
      report.resources
        .filter((r) => r.status === 'changed')
        .map((r) => r.ref)
        .sort(),
    ).toEqual(Object.keys(pending).sort());
    const shell = await container.target.exec(['getent', 'passwd', 'mysite']);
    expect(shell.stdout.trim().endsWith(':/usr/sbin/nologin')).toBe(true);
    expect(await fetchInGuest(container.target)).toBe(`${APP_TEXT}\n`);
    const { report: after } = await planEnvironmentReport(profile, container.target, silentProgress());
    expect(after.summary.changed).toBe(0);
  }, 600_000);

  it('fails on a pin the mirror does not have before changing anything, naming the available versions', async () => {
    const dir = join(scratch, 'pin');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'devenv.yaml'), 'name: pintest\nbox: debian-12\nmanifests: [m.yaml]\n');
    await writeFile(
      join(dir, 'm.yaml'),
      'file:\n  /etc/pin-test.conf: { content: "x\\n" }\napt:\n  nginx: { ensure: "1.22.1-9+deb12u99" }\n  jq: { ensure: present }\n',
    );
    const pinProfile = await loadProfile(join(dir, 'devenv.yaml'));
    const error = await provisionEnvironment(pinProfile, container.target, silentProgress()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).exitCode).toBe(4);
    expect((error as Error).message).toMatch(
      /^apt:nginx: package nginx version 1\.22\.1-9\+deb12u99 is not available from the configured repositories \(available: .*1\.22\.1-9\+deb12u9.*\); nothing was changed$/,
    );
    expect((await container.target.exec(['test', '-e', '/etc/pin-test.conf'])).exitCode).toBe(1);
    expect((await container.target.exec(['dpkg-query', '-W', 'jq'])).exitCode).not.toBe(0);
  }, 300_000);

  it('stops at load time on a dependency cycle: exit 2 with the cycle printed', async () => {
    const dir = join(scratch, 'cycle');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'devenv.yaml'), 'name: cycle\nbox: debian-12\nmanifests: [m.yaml]\n');
    await writeFile(join(dir, 'm.yaml'), 'apt:\n  nginx: { require: [service:nginx] }\nservice:\n  nginx: { ensure: running }\n');
    const result = await devenv(['plan', '-p', join(dir, 'devenv.yaml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('m.yaml:2:3: apt.nginx: dependency cycle: apt:nginx → service:nginx → apt:nginx');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
