import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';

/**
 * Issue 15's lock and own archive, end to end through the built CLI on a real engine:
 * - `up` of exact pins writes devenv.lock (the whole closure, with sha256s) and keeps
 *   the .debs apt fetched in the own archive;
 * - a version no mirror has (a package built here) and a wheel (no package index is
 *   reachable here) install from the archive alone; without it the error names them;
 * - so does a foreign architecture's package (i386 on the amd64 box): dpkg is told the
 *   architecture, and the lock keys it name:arch;
 * - a pin that disagrees with the lock is exit 2 naming both, before any engine;
 * - `outdated` marks the pinned nginx, behind bookworm-security, as a security update;
 * - the archive exported to a folder, served over HTTP on loopback and named by the profile
 *   of a "new machine" (another store) rebuilds the environment with the mirror
 *   unreachable: converges, `plan` empty.
 */

const NAME = `locktest-${process.pid}`;
const PROBE_DEB = 'devenv-lock-probe';
/** A package of a foreign architecture (i386 beside the box's amd64), also only in the own archive. */
const FOREIGN_DEB = 'devenv-lock-foreign';
const MANIFEST = (nginx: string): string => `apt:
  nginx: { ensure: "${nginx}" }
  python3-venv: { ensure: present }
  ${PROBE_DEB}: { ensure: "1.0" }
  ${FOREIGN_DEB}:i386: { ensure: "1.0" }
venv:
  /srv/lk/venv: { require: [apt:python3-venv] }
pip:
  devenv-probe: { ensure: "1.0", venv: /srv/lk/venv }
`;
const NGINX = '1.22.1-9+deb12u9';

describeWithEngine('devenv.lock and the own archive (real engine)', () => {
  let dir: string;
  let store: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-lock-'));
    store = join(dir, 'store');
    env = { DEVENV_ARCHIVE_DIR: store };
    await mkdir(join(dir, 'project', 'manifests'), { recursive: true });
    await writeFile(join(dir, 'project', 'devenv.yaml'), `name: ${NAME}\nbox: debian-12\nmanifests: [manifests/app.yaml]\n`);
    await writeFile(join(dir, 'project', 'manifests', 'app.yaml'), MANIFEST(NGINX));
    // A package no mirror has, built here with dpkg-deb, and a wheel (a zip, as PEP 427 describes it).
    const root = join(dir, 'probe-deb');
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await mkdir(join(root, 'usr', 'share', 'doc', PROBE_DEB), { recursive: true });
    await writeFile(
      join(root, 'DEBIAN', 'control'),
      `Package: ${PROBE_DEB}\nVersion: 1.0\nArchitecture: all\nMaintainer: devenv tests <tests@devenv.invalid>\nDescription: a package only the own archive has\n`,
    );
    await writeFile(join(root, 'usr', 'share', 'doc', PROBE_DEB, 'README'), 'probe\n');
    await mkdir(join(dir, 'incoming'));
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, join(dir, 'incoming', `${PROBE_DEB}_1.0_all.deb`)], { stdio: 'ignore' });
    const foreign = join(dir, 'foreign-deb');
    await mkdir(join(foreign, 'DEBIAN'), { recursive: true });
    await mkdir(join(foreign, 'usr', 'share', 'doc', `${FOREIGN_DEB}`), { recursive: true });
    await writeFile(
      join(foreign, 'DEBIAN', 'control'),
      `Package: ${FOREIGN_DEB}\nVersion: 1.0\nArchitecture: i386\nMulti-Arch: same\nMaintainer: devenv tests <tests@devenv.invalid>\nDescription: a foreign architecture's package only the own archive has\n`,
    );
    await writeFile(join(foreign, 'usr', 'share', 'doc', FOREIGN_DEB, 'README'), 'foreign\n');
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', foreign, join(dir, 'incoming', `${FOREIGN_DEB}_1.0_i386.deb`)], { stdio: 'ignore' });
    execFileSync('python3', ['-c', WHEEL_SCRIPT, join(dir, 'incoming')]);
  });

  const after: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of after) await step();
    await devenv(['destroy', '--force'], { cwd: join(dir, 'project'), env });
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], options: { env?: Record<string, string> } = {}) => devenv(args, { cwd: join(dir, 'project'), env: { ...env, ...options.env } });

  it('names a version only the archive has while the archive lacks it, then installs it from there and locks everything', async () => {
    expect((await run(['up', '--no-provision'])).exitCode).toBe(0);
    const without = await run(['plan']);
    expect(without.exitCode).toBe(4);
    expect(without.stderr).toMatch(new RegExp(`package ${PROBE_DEB} version 1\\.0 is not available from the configured repositories \\(available: none\\)`));

    const imported = await run(['archive', 'import', join(dir, 'incoming'), '--json']);
    expect(imported.exitCode).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ debs: 2, wheels: 1 });
    const planned = await run(['plan']);
    expect(planned.exitCode).toBe(1);
    expect(planned.stdout).toContain(`version: (not installed) → 1.0 (from the own archive)`);
    // dpkg knows no i386 yet: the plan says the transaction adds it.
    expect(planned.stdout).toContain(`apt:${FOREIGN_DEB}:i386`);
    expect(planned.stdout).toContain('(adds the architecture i386)');

    const up = await run(['up']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/Offering 2 packages and 1 wheels from the own archive/);
    expect(up.stderr).toMatch(/devenv\.lock: \d+ packages locked/);
    const lock = parse(await readFile(join(dir, 'project', 'devenv.lock'), 'utf8'));
    expect(lock).toMatchObject({ schema: 'devenv.lock/v1', box: 'debian-12' });
    // The closure, not only the pins: nginx-common at nginx's exact version, with the mirror's sha256.
    expect(lock.apt['nginx-common']).toMatchObject({ version: NGINX, arch: 'all', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(lock.apt.nginx).toMatchObject({ version: NGINX, arch: 'amd64' });
    expect(lock.apt[PROBE_DEB]).toMatchObject({ version: '1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // A foreign architecture's package is locked by name:arch, and is there at that architecture.
    expect(lock.apt[`${FOREIGN_DEB}:i386`]).toMatchObject({ version: '1.0', arch: 'i386', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(lock.apt[FOREIGN_DEB]).toBeUndefined();
    const foreignThere = await run(['exec', '--', 'dpkg-query', '-W', '-f', '${Package}:${Architecture} ${Version}', `${FOREIGN_DEB}:i386`]);
    expect(foreignThere.stdout.trim()).toBe(`${FOREIGN_DEB}:i386 1.0`);
    expect(lock.apt.libc6.version).toMatch(/^2\.36-/);
    expect(lock.pip['/srv/lk/venv']['devenv-probe']).toMatchObject({ version: '1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const probe = await run(['exec', '--', '/srv/lk/venv/bin/python', '-c', 'import devenv_probe; print(devenv_probe.ANSWER)']);
    expect(probe.stdout.trim()).toBe('42');

    // What apt fetched is in the archive now: nginx's .deb among them.
    const listed = JSON.parse((await run(['archive', 'list', '--json'])).stdout);
    expect(listed.debs.map((d: { name: string; version: string }) => `${d.name}=${d.version}`)).toEqual(
      expect.arrayContaining([`nginx=${NGINX}`, `nginx-common=${NGINX}`, `${PROBE_DEB}=1.0`]),
    );

    const check = await run(['lock']);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/holds exactly what devenv\.lock locks/);
    expect((await run(['plan'])).exitCode).toBe(0);
  });

  it('refuses a pin that disagrees with the lock, naming both, before any engine', async () => {
    const manifest = join(dir, 'project', 'manifests', 'app.yaml');
    await writeFile(manifest, MANIFEST('1.22.1-9+deb12u11'));
    try {
      const plan = await run(['plan'], { env: { DOCKER_HOST: 'tcp://127.0.0.1:9' } });
      expect(plan.exitCode).toBe(2);
      expect(plan.stderr).toMatch(/app\.yaml:2:\d+.*pins nginx 1\.22\.1-9\+deb12u11 but devenv\.lock has 1\.22\.1-9\+deb12u9 \(.*devenv\.lock:\d+:\d+\)/);
    } finally {
      await writeFile(manifest, MANIFEST(NGINX));
    }
  });

  it('marks the pinned nginx, behind bookworm-security, as a security update', async () => {
    const outdated = await run(['outdated', '--json']);
    expect(outdated.exitCode).toBe(1);
    const report = JSON.parse(outdated.stdout);
    expect(report.schema).toBe('devenv.outdated/v1');
    const nginx = report.packages.find((p: { package: string }) => p.package === 'nginx');
    expect(nginx).toMatchObject({ pinned: NGINX, security: true });
    expect(nginx.newer.length).toBeGreaterThan(0);
  });

  it('rebuilds from an exported archive on another machine with the mirror unreachable', async () => {
    const exported = join(dir, 'team-archive');
    expect((await run(['archive', 'export', exported])).exitCode).toBe(0);
    expect(await readdir(exported)).toEqual(expect.arrayContaining(['Packages', 'Release', 'pool', 'wheels']));
    // "Another machine": an empty store, and the team's archive named by the profile, served over
    // HTTP as a team would (a plain static server on this machine's loopback).
    const served = await serveFolder(exported);
    after.push(() => served.close());
    const otherStore = { DEVENV_ARCHIVE_DIR: join(dir, 'other-store') };
    await writeFile(join(dir, 'project', 'devenv.yaml'), `name: ${NAME}\nbox: debian-12\nmanifests: [manifests/app.yaml]\narchives: ["${served.url}"]\n`);
    // The foreign architecture's package is now the lock's alone: the manifests no longer name it.
    await writeFile(join(dir, 'project', 'manifests', 'app.yaml'), MANIFEST(NGINX).replace(/^.*:i386:.*\n/m, ''));
    expect((await run(['destroy', '--force'])).exitCode).toBe(0);
    expect((await run(['up', '--no-provision'], { env: otherStore })).exitCode).toBe(0);
    // The mirror's names resolve to nowhere (read from the environment's own sources), and
    // this machine's shared .deb cache holds no nginx: only the archive can provide them.
    const cut = await run(['exec', '--', 'sh', '-c', CUT_MIRROR]);
    expect(cut.exitCode, cut.stdout + cut.stderr).toBe(0);
    expect(cut.stdout).toContain('mirror unreachable');

    const provision = await run(['provision'], { env: otherStore });
    expect(provision.exitCode, provision.stdout + provision.stderr).toBe(0);
    expect(provision.stderr).toMatch(/Offering \d+ packages and 1 wheels from the own archive/);
    expect(served.requests).toEqual(expect.arrayContaining(['Packages', 'wheels/index.html', 'wheels/devenv_probe-1.0-py3-none-any.whl']));
    expect(served.requests.some((path) => /^pool\/nginx_.*\.deb$/.test(path))).toBe(true);
    expect(served.requests).toContain(`pool/${FOREIGN_DEB}_1.0_i386.deb`);
    const foreignThere = await run(['exec', '--', 'dpkg-query', '-W', '-f', '${Version}', `${FOREIGN_DEB}:i386`]);
    expect(foreignThere.stdout.trim()).toBe('1.0');
    const plan = await run(['plan'], { env: otherStore });
    expect(plan.exitCode, plan.stdout).toBe(0);
    const check = await run(['lock'], { env: otherStore });
    expect(check.exitCode, check.stdout).toBe(0);
  });
});

/** A plain static file server on 127.0.0.1 for one folder, recording the paths asked for. */
async function serveFolder(folder: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    requests.push(path);
    readFile(join(folder, path)).then(
      (data) => response.end(data),
      () => {
        response.statusCode = 404;
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Points every mirror host of the environment's apt sources at a closed port, and removes nginx from the shared .deb cache. */
const CUT_MIRROR = `set -e
hosts=$(grep -rhoE 'https?://[^/ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | sed -E 's#https?://##; s#:.*##' | sort -u)
for h in $hosts; do echo "127.0.0.1 $h" >> /etc/hosts; done
rm -f /var/cache/devenv/apt-archives/nginx* /var/cache/devenv/apt-archives/libnginx* /var/cache/apt/archives/*.deb
if LC_ALL=C apt-get update -q 2>&1 | grep -q -E '^(Err|W: Failed to fetch|E: Failed to fetch)'; then echo 'mirror unreachable'; fi`;

/** Writes devenv_probe-1.0-py3-none-any.whl into the folder given: a module, METADATA, WHEEL and RECORD. */
const WHEEL_SCRIPT = `
import base64, hashlib, sys, zipfile
files = {
  'devenv_probe/__init__.py': 'ANSWER = 42\\n',
  'devenv_probe-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: devenv-probe\\nVersion: 1.0\\n',
  'devenv_probe-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: devenv-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
def digest(data):
  return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b'=').decode()
record = ''.join(f'{name},{digest(data)},{len(data.encode())}\\n' for name, data in files.items()) + 'devenv_probe-1.0.dist-info/RECORD,,\\n'
with zipfile.ZipFile(sys.argv[1] + '/devenv_probe-1.0-py3-none-any.whl', 'w') as wheel:
  for name, data in files.items(): wheel.writestr(name, data)
  wheel.writestr('devenv_probe-1.0.dist-info/RECORD', record)
`;
