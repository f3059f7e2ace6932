import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExitCode, OperationError } from '../../src/core/errors.js';
import { collectFacts, type CollectInput } from '../../src/facts/collect.js';
import type { Facts } from '../../src/facts/schema.js';
import { compareFacts, type CompareOptions, type Drift } from '../../src/parity/compare.js';
import { SshTarget } from '../../src/targets/ssh-target.js';
import type { Target } from '../../src/targets/target.js';
import { describeWithEngine, sshAccessTo, startTestContainer, type TestContainer } from './support.js';

/**
 * Production is a container running a real sshd, reached with a key made for
 * this run, as a non-root user with passwordless sudo; the environment is a
 * second container. Both are set up by the same shell script (not by devenv's
 * manifests), so they start identical; then differences are planted one by one.
 */

const MANAGED = '/etc/mysite/app.conf';
const SECRET = '/etc/mysite/secrets.env';

/** Builds and installs a one-file .deb locally: no mirror needed for "another version" or "only here". */
function installLocalDeb(name: string, version: string): string {
  return [
    `d=$(mktemp -d) && mkdir -p "$d/DEBIAN"`,
    `printf 'Package: ${name}\\nVersion: ${version}\\nArchitecture: all\\nMaintainer: devenv tests <tests@example.invalid>\\nDescription: planted by the parity test\\n' > "$d/DEBIAN/control"`,
    `dpkg-deb --build "$d" "/tmp/${name}_${version}.deb" >/dev/null && dpkg -i "/tmp/${name}_${version}.deb" >/dev/null`,
  ].join('\n');
}

/** The same system on both sides; only the configuration-management header of the managed file differs. */
function setupScript(header: string): string {
  return `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
useradd -r -U -s /usr/sbin/nologin -d /srv/mysite mysite
mkdir -p /etc/mysite /srv/mysite
printf '${header}\\nbind = unix:/run/mysite/app.sock\\nworkers = 2\\n' > ${MANAGED}
printf 'SECRET_KEY=s3cr3t\\n' > ${SECRET} && chown root:mysite ${SECRET} && chmod 0640 ${SECRET}
cat > /etc/systemd/system/mysite.service <<'UNIT'
[Unit]
Description=mysite stand-in
[Service]
User=mysite
Environment=DJANGO_SETTINGS_MODULE=mysite.settings
EnvironmentFile=${SECRET}
ExecStart=/bin/sleep infinity
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
cat > /etc/systemd/system/plant.socket <<'UNIT'
[Socket]
ListenStream=8080
UNIT
cat > /etc/systemd/system/plant.service <<'UNIT'
[Service]
ExecStart=/bin/cat
StandardInput=socket
UNIT
systemctl daemon-reload
systemctl enable --now mysite.service ssh.service >/dev/null 2>&1
${installLocalDeb('devenv-plant', '1.0')}
`;
}

async function sh(target: Target, script: string): Promise<string> {
  const result = await target.exec(['sh', '-c', script], { timeout: 120_000 });
  if (result.exitCode !== 0) throw new Error(`setup failed (exit ${result.exitCode}): ${result.stderr.slice(-800)}`);
  return result.stdout;
}

describeWithEngine('parity: production over a real sshd against an environment container', () => {
  let production: TestContainer;
  let environment: TestContainer;
  let ssh: SshTarget;
  let workdir: string;
  let identity: string;
  let knownHosts: string;
  let port: number;
  const input: CollectInput = { managedPaths: [MANAGED], secretPaths: [SECRET], fingerprintKey: randomBytes(32).toString('hex') };
  const options: CompareOptions = { ignore: [], declaredUsers: ['mysite', 'ops'], declaredGroups: ['mysite'], managedPaths: [MANAGED], secretPaths: [SECRET] };
  const timings: string[] = [];

  async function timedCollect(target: Target, label: string): Promise<Facts> {
    const started = performance.now();
    const facts = await collectFacts(target, input);
    timings.push(`${label}: ${(performance.now() - started).toFixed(0)} ms`);
    return facts;
  }

  beforeAll(async () => {
    [production, environment] = await Promise.all([
      startTestContainer({ ports: [22], extraPackages: ['openssh-server', 'sudo'] }),
      startTestContainer({ extraPackages: ['openssh-server', 'sudo'] }),
    ]);
    await Promise.all([
      sh(production.target, setupScript('# This file is managed by Puppet. DO NOT EDIT.')),
      sh(environment.target, setupScript('# managed by devenv — do not edit by hand')),
    ]);
    workdir = await mkdtemp(join(tmpdir(), 'devenv-parity-'));
    ({ ssh, identity, knownHosts, port } = await sshAccessTo(production, workdir, 'devenv-parity-test'));
  });

  afterAll(async () => {
    await ssh?.close();
    await Promise.all([production?.[Symbol.asyncDispose](), environment?.[Symbol.asyncDispose]()]);
    if (workdir) await rm(workdir, { recursive: true, force: true });
    if (timings.length) console.info(`collector times: ${timings.join(', ')}`);
  });

  it('refuses a wrong key or an unknown host key with exit 4 and one line', async () => {
    const strangerKey = join(workdir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
    const stranger = new SshTarget(`ops@127.0.0.1:${port}`, { identity: strangerKey, knownHostsFile: knownHosts });
    const emptyKnownHosts = join(workdir, 'empty_known_hosts');
    await writeFile(emptyKnownHosts, '');
    const unknownHost = new SshTarget(`ops@127.0.0.1:${port}`, { identity, knownHostsFile: emptyKnownHosts });
    for (const [target, reason] of [
      [stranger, /Permission denied/],
      [unknownHost, /Host key verification failed/],
    ] as const) {
      const error = await target.exec(['true']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OperationError);
      expect((error as OperationError).exitCode).toBe(ExitCode.failed);
      expect((error as OperationError).message).toMatch(reason);
      expect((error as OperationError).message).not.toContain('\n');
      await target.close();
    }
  });

  it('runs every exec over one master connection, with sudo -n for root', async () => {
    const [whoami, root] = await Promise.all([ssh.exec(['id', '-un']), ssh.exec(['id', '-un'], { user: 'root' })]);
    expect(whoami.stdout.trim()).toBe('ops');
    expect(root.stdout.trim()).toBe('root');
    const masters = await sh(production.target, "ps -eo args= | grep -c '^sshd: ops@notty' || true");
    // Each exec is a session on the one connection: at most the sessions still closing, not one connection per exec.
    expect(Number(masters.trim())).toBeLessThanOrEqual(1);
  });

  it('collects facts on both sides that agree with dpkg-query, getent and ss run by hand', async () => {
    const [prodFacts, envFacts] = [await timedCollect(ssh, 'production over ssh'), await timedCollect(environment.target, 'environment container')];
    for (const [facts, container] of [
      [prodFacts, production],
      [envFacts, environment],
    ] as const) {
      expect(facts.errors).toEqual({});
      const dpkg = await sh(container.target, "dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n'");
      const installed = dpkg
        .split('\n')
        .filter((l) => / ii ?$/.test(l))
        .map((l) => l.split(' ').slice(0, 2).join(' '))
        .sort();
      const fromFacts = Object.entries(facts.packages!.deb)
        .map(([name, p]) => `${name.replace(/:.*$/, '')} ${p.version}`)
        .sort();
      expect(fromFacts).toEqual(installed);

      const passwd = (await sh(container.target, 'getent passwd'))
        .trim()
        .split('\n')
        .map((l) => l.split(':'))
        .map(([name, , uid, , , , shell]) => `${name}:${uid}:${shell}`)
        .sort();
      expect(
        Object.entries(facts.accounts!.users)
          .map(([name, u]) => `${name}:${u.uid}:${u.shell}`)
          .sort(),
      ).toEqual(passwd);

      const ports = new Set(
        (await sh(container.target, 'ss -Htln'))
          .trim()
          .split('\n')
          .map((l) => Number(l.trim().split(/\s+/)[3]!.split(':').pop())),
      );
      expect(new Set(facts.listeners!.sockets.filter((s) => s.protocol === 'tcp').map((s) => s.port))).toEqual(ports);
      expect(ports.has(22)).toBe(true);
      expect(facts.ssh?.['permitrootlogin']).toBeDefined();
      expect(facts.files![SECRET]).toMatchObject({ mode: '0640', owner: 'root', group: 'mysite', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(facts.files![SECRET]!.sha256).toBeUndefined();
      expect(facts.env?.['mysite']?.names).toEqual(['DJANGO_SETTINGS_MODULE', 'SECRET_KEY']);
      expect(JSON.stringify(facts)).not.toContain('s3cr3t');
    }
    // The managed file differs only by its header (Puppet there, devenv here): the header-free hashes agree.
    expect(prodFacts.files![MANAGED]!.sha256).not.toBe(envFacts.files![MANAGED]!.sha256);
    expect(prodFacts.files![MANAGED]!.sha256_unmanaged).toBe(envFacts.files![MANAGED]!.sha256_unmanaged);
    expect(envFacts.files![MANAGED]!.devenv_header).toBe(true);
    // Same key, same value: equal fingerprints (what distinct-credentials looks for).
    expect(prodFacts.env!['mysite']!.fingerprints['SECRET_KEY']).toBe(envFacts.env!['mysite']!.fingerprints['SECRET_KEY']);

    const identical = compareFacts(prodFacts, envFacts, options);
    expect(identical.drift.filter((d) => d.severity === 'error')).toEqual([]);
    expect(identical.drift.filter((d) => d.severity === 'warning')).toEqual([]);
  });

  it('reports each planted difference with its path, kind and severity', async () => {
    await sh(
      environment.target,
      [
        installLocalDeb('devenv-plant', '1.1'),
        installLocalDeb('devenv-only-here', '1.0'),
        `printf '# managed by devenv — do not edit by hand\\nbind = 0.0.0.0:8000\\nworkers = 2\\n' > ${MANAGED}`,
        'usermod -s /bin/sh mysite',
        'systemctl start plant.socket',
        'systemctl stop mysite.service',
        'ln -sf /usr/share/zoneinfo/Europe/Paris /etc/localtime',
        'useradd -m -s /bin/bash intruder',
      ].join('\n'),
    );
    const result = compareFacts(await timedCollect(ssh, 'production over ssh'), await timedCollect(environment.target, 'environment container'), options);
    const at = (path: string | RegExp): Drift | undefined => result.drift.find((d) => (typeof path === 'string' ? d.path === path : path.test(d.path)));

    expect(at('packages.deb.devenv-plant')).toMatchObject({ kind: 'changed', expected: '1.0', actual: '1.1', severity: 'error' });
    expect(at('packages.deb.devenv-only-here')).toMatchObject({ kind: 'extra', severity: 'error' });
    expect(at(`files.${MANAGED}.sha256`)).toMatchObject({ kind: 'changed', severity: 'error' });
    expect(at('accounts.users.mysite.shell')).toMatchObject({ kind: 'changed', expected: '/usr/sbin/nologin', actual: '/bin/sh', severity: 'error' });
    expect(at(/^listeners\.tcp\..*:8080$/)).toMatchObject({ kind: 'extra', severity: 'error' });
    expect(at('services.mysite.active')).toMatchObject({ kind: 'changed', expected: 'active', actual: 'inactive', severity: 'error' });
    expect(at('time.timezone')).toMatchObject({ kind: 'changed', expected: 'Etc/UTC', actual: 'Europe/Paris', severity: 'error' });
    expect(at('accounts.users.intruder')).toMatchObject({ kind: 'extra', severity: 'warning' });
    expect(at('accounts.groups.intruder')).toMatchObject({ kind: 'extra', severity: 'warning' });
    // Nothing else rose to error: the planted differences are the whole story.
    const errors = result.drift.filter((d) => d.severity === 'error').map((d) => d.path);
    expect(errors.sort()).toEqual(
      [
        'packages.deb.devenv-plant',
        'packages.deb.devenv-only-here',
        `files.${MANAGED}.sha256`,
        'accounts.users.mysite.shell',
        at(/^listeners\.tcp\..*:8080$/)!.path,
        'services.mysite.active',
        'time.timezone',
      ].sort(),
    );
  });
});
