import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Target } from '../../src/targets/target.js';
import { devenv, type CliResult } from './cli.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';

/**
 * Issue 21: parity across a fleet, and the inventory over it. Three production
 * stand-ins (systemd containers with a real sshd, set up by one shell script
 * the way servers are) and one `devenv up` environment set up by the same
 * script through `devenv exec`. One host is then changed by hand; the CLI must
 * report it, and only it, with exit 1, in about the time one host takes. Then
 * one host is given an older build of a package (dpkg-deb, 1.9-1 where the
 * others have 1.10-1: string order would get it wrong) and `devenv inventory`
 * must name it as the one that lags, live and from the facts files
 * `devenv facts --target … -o DIR` wrote.
 */

const PACKAGES = ['openssh-server', 'sudo'];
const SETUP = `set -e
id ops >/dev/null 2>&1 || useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
systemctl enable --now ssh.service >/dev/null 2>&1
`;
const DEMO = 'devenv-fleet-demo';

function demoPackage(version: string): string {
  return `set -e
rm -rf /tmp/demo && mkdir -p /tmp/demo/DEBIAN
printf 'Package: ${DEMO}\\nVersion: ${version}\\nArchitecture: all\\nMaintainer: devenv tests <tests@localhost>\\nDescription: a package at two versions\\n' > /tmp/demo/DEBIAN/control
dpkg-deb -b /tmp/demo /tmp/demo.deb >/dev/null && dpkg -i /tmp/demo.deb >/dev/null && rm -rf /tmp/demo /tmp/demo.deb
`;
}

async function sh(target: Target, script: string): Promise<string> {
  const result = await target.exec(['sh', '-c', script], { timeout: 120_000 });
  if (result.exitCode !== 0) throw new Error(`script failed (exit ${result.exitCode}): ${result.stderr.slice(-800)}`);
  return result.stdout;
}

function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n${result.stderr.slice(-2000)}\n${result.stdout.slice(-1500)}`;
}

interface ParityDoc {
  schema: string;
  summary: { error: number; warning: number; info: number; ignored: number };
  drift: { path: string; severity: string; kind: string }[];
}

interface FleetDoc {
  schema: string;
  fail_on: string;
  summary: { hosts: number; clean: number; drift: number; failed: number; error: number };
  hosts: { host: string; status: string; seconds: number; parity?: ParityDoc }[];
}

interface InventoryDoc {
  schema: string;
  hosts: { host: string }[];
  summary: { hosts: number; lagging: Record<string, number> };
  packages: { kind: string; name: string; newest: string; versions: Record<string, string>; lagging: string[]; missing: string[] }[];
}

describeWithEngine('fleet parity and inventory against three production stand-ins at once (issue 21)', () => {
  let dir: string;
  let hosts: TestContainer[] = [];
  let names: string[];
  let upDone = false;
  let env: Record<string, string>;
  let identity: string;
  const timings: Record<string, number> = {};
  const cli = (args: string[]): Promise<CliResult> => devenv(['-i', identity, '--sudo', ...args], { cwd: dir, env });
  const timed = async (label: string, args: string[]): Promise<CliResult> => {
    const started = performance.now();
    const result = await cli(args);
    timings[label] = Math.round(performance.now() - started);
    return result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-fleet-'));
    await writeFile(join(dir, 'devenv.yaml'), `name: fleet-${randomBytes(3).toString('hex')}\nbox: debian-12\nbackend: docker\n`);
    const up = devenv(['up'], { cwd: dir }).then((result) => {
      upDone = true;
      return result;
    });
    hosts = await Promise.all([0, 1, 2].map(() => startTestContainer({ ports: [22], extraPackages: PACKAGES })));
    await Promise.all(hosts.map((h) => sh(h.target, SETUP)));
    const upResult = await up;
    if (upResult.exitCode !== 0) throw new Error(`devenv up failed: ${explain(upResult)}`);
    const setupEnv = await devenv(
      [
        'exec',
        '--',
        'sh',
        '-c',
        `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')} >/dev/null && ${SETUP}`,
      ],
      { cwd: dir },
    );
    if (setupEnv.exitCode !== 0) throw new Error(`setting up the environment failed: ${explain(setupEnv)}`);

    // One key for the whole fleet, as an operator has; host keys pinned in this run's own known_hosts,
    // added by an `ssh` first on PATH (the CLI reads the passwd home's known_hosts, which must stay untouched).
    identity = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'devenv-fleet-test', '-f', identity]);
    const pub = await readFile(`${identity}.pub`, 'utf8');
    const known: string[] = [];
    for (const host of hosts) {
      await host.target.copy(pub, '/home/ops/.ssh-authorized_keys.tmp', { mode: '0600' });
      await sh(
        host.target,
        'install -d -m 0700 -o ops -g ops /home/ops/.ssh && install -m 0600 -o ops -g ops /home/ops/.ssh-authorized_keys.tmp /home/ops/.ssh/authorized_keys && rm /home/ops/.ssh-authorized_keys.tmp',
      );
      const hostKey = (await sh(host.target, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(' ').slice(0, 2).join(' ');
      known.push(`[127.0.0.1]:${host.hostPort(22)} ${hostKey}`);
    }
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${known.join('\n')}\n`);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} "$@"\n`);
    await chmod(join(bin, 'ssh'), 0o755);
    env = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
    names = hosts.map((h) => `ops@127.0.0.1:${h.hostPort(22)}`);
    // The inventory file format: one host per line, comments allowed.
    await writeFile(join(dir, 'hosts.txt'), `# production stand-ins\n${names.map((n) => `ssh://${n}`).join('\n')}\n`);
    // sshd may still be starting after apt's postinst.
    for (const port of hosts.map((h) => h.hostPort(22)!)) {
      for (let attempt = 0; ; attempt++) {
        try {
          execFileSync(join(bin, 'ssh'), ['-o', 'BatchMode=yes', '-i', identity, '-p', String(port), 'ops@127.0.0.1', 'true'], { stdio: 'ignore' });
          break;
        } catch (error) {
          if (attempt > 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
  });

  afterAll(async () => {
    if (upDone) await devenv(['destroy', '--force'], { cwd: dir });
    await Promise.all(hosts.map((h) => h[Symbol.asyncDispose]()));
    if (dir) await rm(dir, { recursive: true, force: true });
    if (Object.keys(timings).length) console.info(`fleet parity timings (ms, whole CLI run): ${JSON.stringify(timings)}`);
  });

  it('an untouched fleet: one devenv.fleet-parity/v1 document, a devenv.parity/v1 per host, all clean, exit 0', async () => {
    const fleet = await cli(['parity', '--against', 'hosts.txt', '--json']);
    expect(fleet.exitCode, explain(fleet)).toBe(0);
    const doc = JSON.parse(fleet.stdout) as FleetDoc;
    expect(doc.schema).toBe('devenv.fleet-parity/v1');
    expect(doc.hosts.map((h) => [h.host, h.status])).toEqual(names.map((n) => [n, 'clean']));
    for (const host of doc.hosts) {
      expect(host.parity!.schema).toBe('devenv.parity/v1');
      expect(host.parity!.drift.filter((d) => d.severity === 'error')).toEqual([]);
    }
    expect(doc.summary).toMatchObject({ hosts: 3, clean: 3, drift: 0, failed: 0, error: 0 });
  });

  it('one host changed by hand: reported on that host alone, exit 1, in about the time of one host', async () => {
    await sh(hosts[1]!.target, "mkdir -p /etc/cron.d && printf '*/5 * * * * root /usr/local/bin/backup\\n' > /etc/cron.d/backup && usermod -aG adm www-data");
    // Warm-up: the first run pays for the page cache; both measured runs start equal.
    await cli(['parity', '--against', `ssh://${names[0]}`, '--json']);
    const one = await timed('one host', ['parity', '--against', `ssh://${names[0]}`, '--json']);
    expect(one.exitCode, explain(one)).toBe(0);
    // A one-host run is exactly today's document, not a fleet of one.
    expect((JSON.parse(one.stdout) as ParityDoc).schema).toBe('devenv.parity/v1');

    const three = await timed('three hosts', ['parity', '--against', `ssh://${names[0]},ssh://${names[1]}`, '--against', `ssh://${names[2]}`, '--json']);
    expect(three.exitCode, explain(three)).toBe(1);
    const doc = JSON.parse(three.stdout) as FleetDoc;
    expect(doc.hosts.map((h) => [h.host, h.status])).toEqual([
      [names[0], 'clean'],
      [names[1], 'drift'],
      [names[2], 'clean'],
    ]);
    const drifted = doc.hosts[1]!.parity!.drift.filter((d) => d.severity === 'error').map((d) => d.path);
    expect(drifted).toEqual(expect.arrayContaining(['files./etc/cron.d/backup', 'accounts.users.www-data.groups']));
    expect(doc.summary).toMatchObject({ hosts: 3, clean: 2, drift: 1, failed: 0 });
    expect(doc.summary.error).toBe(drifted.length);
    // Collected in parallel, one connection each: three hosts cost about what one does.
    expect(timings['three hosts']!).toBeLessThan(2 * timings['one host']! + 2000);

    const text = await cli(['parity', '--against', 'hosts.txt']);
    expect(text.exitCode, explain(text)).toBe(1);
    expect(text.stdout).toContain('fleet parity: 3 hosts against');
    expect(text.stdout).toMatch(new RegExp(`\\n${names[1]!.replace(/\./g, '\\.')} +DRIFT +${drifted.length} `));
    expect(text.stdout).toMatch(new RegExp(`\\n${names[0]!.replace(/\./g, '\\.')} +clean +0 `));
  });

  it("-e staging compares with the staging overlay's production host, the profile itself with its own", async () => {
    const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
    await writeFile(
      join(dir, 'devenv.yaml'),
      `${profile}production: { ssh: "ssh://${names[0]}", sudo: true }\nenvironments:\n  staging:\n    production: { ssh: "ssh://${names[1]}", sudo: true }\n`,
    );
    try {
      const own = await cli(['parity', '--json']);
      expect(own.exitCode, explain(own)).toBe(0);
      expect((JSON.parse(own.stdout) as ParityDoc & { reference: { name: string } }).reference.name).toBe(names[0]);
      const staging = await cli(['-e', 'staging', 'parity', '--json']);
      expect(staging.exitCode, explain(staging)).toBe(1);
      const doc = JSON.parse(staging.stdout) as ParityDoc & { reference: { name: string } };
      expect(doc.reference.name).toBe(names[1]);
      expect(doc.drift.map((d) => d.path)).toContain('files./etc/cron.d/backup');
      const unknown = await cli(['-e', 'prod', 'parity']);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toMatch(/devenv\.yaml:\d+:1: environments: -e prod: the profile has no environment "prod" \(it has staging\)/);
    } finally {
      await writeFile(join(dir, 'devenv.yaml'), profile);
    }
  });

  it('inventory names the host that lags behind on a package, live and from the facts files of the fleet', async () => {
    await Promise.all(hosts.map((h, i) => sh(h.target, demoPackage(i === 2 ? '1.9-1' : '1.10-1'))));

    const facts = await cli(['facts', '--target', 'hosts.txt', '-o', 'facts']);
    expect(facts.exitCode, explain(facts)).toBe(0);
    const files = (await readdir(join(dir, 'facts'))).sort();
    expect(files).toEqual(names.map((n) => `${n.replace(':', '_')}.facts.json`).sort());

    const fromFiles = await cli(['inventory', ...files.map((f) => join('facts', f)), '--json']);
    expect(fromFiles.exitCode, explain(fromFiles)).toBe(0);
    const doc = JSON.parse(fromFiles.stdout) as InventoryDoc;
    expect(doc.schema).toBe('devenv.inventory/v1');
    const demo = doc.packages.find((p) => p.kind === 'apt' && p.name === DEMO)!;
    const third = `facts/${names[2]!.replace(':', '_')}.facts.json`;
    expect(demo).toMatchObject({ newest: '1.10-1', lagging: [third], missing: [] });
    expect(demo.versions[third]).toBe('1.9-1');
    // Everything else came from the same box and the same script: nothing else lags.
    expect(doc.summary.lagging[third]).toBe(1);

    const live = await cli(['inventory', 'hosts.txt', '--package', DEMO]);
    expect(live.exitCode, explain(live)).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`${names[2]!.replace(/\./g, '\\.')} +1\\.9-1 +lags`));
    expect(live.stdout).toMatch(new RegExp(`${names[0]!.replace(/\./g, '\\.')} +1\\.10-1 +newest`));

    const markdown = await cli(['inventory', 'hosts.txt', '--format', 'markdown']);
    expect(markdown.exitCode, explain(markdown)).toBe(0);
    expect(markdown.stdout).toContain(`| ${DEMO} | apt | 1.10-1 | 1.10-1 | 1.9-1 ↓ |`);
  });
});
