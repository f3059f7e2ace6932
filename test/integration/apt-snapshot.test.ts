import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hostMirrors } from '../../src/box/mirror.js';
import { devenv, type CliResult } from './cli.js';
import { describeWithEngine } from './support.js';

/**
 * Issue 15: an upstream snapshot archive as a source (`apt.sources[].url`). A snapshot is
 * the archive as it was, served with the Release files Debian signed; here one is made from
 * the real archive — bookworm's signed InRelease, its amd64 Packages and English translations
 * and one package's .deb, fetched once from this machine's own mirror (its apt configuration) and cached — and
 * served inside the environment on its loopback by busybox's httpd, so nothing but the
 * environment itself is contacted. devenv must read the archive from there alone, checked
 * with the box's keyring (a tampered InRelease fails, exit 4, and the run after converges).
 */

const NAME = `snapshot-${process.pid}`;
const PORT = 8765;
const PACKAGE = 'hello';

interface Snapshot {
  dir: string;
  version: string;
}

/** bookworm's InRelease, main's amd64 Packages.xz and Translation-en.xz (also under by-hash) and the package's .deb, from the host's mirror; cached. */
async function snapshotOfMirror(): Promise<Snapshot> {
  const mirror = (await hostMirrors()).get('debian');
  if (!mirror) throw new Error("this machine's apt configuration names no mirror for the debian archive");
  const dir = join(homedir(), '.cache', 'devenv', 'test-fixtures', 'snapshot-bookworm');
  const root = join(dir, 'debian');
  const get = async (path: string): Promise<Buffer> => {
    const local = join(root, path);
    if (existsSync(local)) return readFile(local);
    const response = await fetch(`${mirror}/${path}`, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`${mirror}/${path}: HTTP ${response.status}`);
    const data = Buffer.from(await response.arrayBuffer());
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, data);
    return data;
  };
  const inRelease = (await get('dists/bookworm/InRelease')).toString('utf8');
  // An index as the Release lists it, also where apt asks for it when the Release says Acquire-By-Hash: yes.
  const index = async (path: string): Promise<Buffer> => {
    const sha256 = new RegExp(`^ ([0-9a-f]{64})\\s+\\d+ ${path.replace(/\./g, '\\.')}$`, 'm').exec(inRelease.split('SHA256:')[1] ?? '')?.[1];
    if (!sha256) throw new Error(`the mirror's InRelease lists no ${path}`);
    const data = await get(`dists/bookworm/${path}`);
    expect(createHash('sha256').update(data).digest('hex')).toBe(sha256);
    const byHash = join(root, 'dists/bookworm', dirname(path), 'by-hash/SHA256', sha256);
    if (!existsSync(byHash)) {
      await mkdir(dirname(byHash), { recursive: true });
      await copyFile(join(root, 'dists/bookworm', path), byHash);
    }
    return data;
  };
  const packagesXz = await index('main/binary-amd64/Packages.xz');
  await index('main/i18n/Translation-en.xz');
  const packages = execFileSync('xz', ['-dc'], { input: packagesXz, maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
  const stanza = packages.split('\n\n').find((s) => s.startsWith(`Package: ${PACKAGE}\n`));
  const filename = /^Filename: (.+)$/m.exec(stanza ?? '')?.[1];
  const version = /^Version: (.+)$/m.exec(stanza ?? '')?.[1];
  if (!filename || !version) throw new Error(`bookworm's Packages has no ${PACKAGE}`);
  await get(filename);
  return { dir, version };
}

function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n${result.stderr.slice(-2500)}\n${result.stdout.slice(-1500)}`;
}

describeWithEngine('apt sources from a snapshot archive (real engine, real signatures)', () => {
  let project: string;
  let snapshot: Snapshot;
  const run = (args: string[]) => devenv(args, { cwd: project });

  beforeAll(async () => {
    snapshot = await snapshotOfMirror();
    project = await mkdtemp(join(tmpdir(), 'devenv-snapshot-'));
    await mkdir(join(project, 'manifests'));
    await writeFile(
      join(project, 'devenv.yaml'),
      `name: ${NAME}
box: debian-12
sync: ["${snapshot.dir}:/srv/snapshot:ro"]
manifests: [manifests/app.yaml]
apt:
  sources:
    - { archive: debian, suites: [bookworm], components: [main], url: "http://127.0.0.1:${PORT}/debian/" }
`,
    );
    await writeFile(join(project, 'manifests', 'app.yaml'), `apt:\n  ${PACKAGE}: { ensure: "${snapshot.version}" }\n`);
  });

  afterAll(async () => {
    if (project) {
      await run(['destroy', '--force']);
      await rm(project, { recursive: true, force: true });
    }
  });

  it('installs from the snapshot alone, checked with the box keyring; a tampered InRelease fails and the next run converges', async () => {
    const up = await run(['up', '--no-provision']);
    expect(up.exitCode, explain(up)).toBe(0);
    // The snapshot's server, inside the environment on its own loopback (busybox from the box's mirror,
    // before the sources change). A copy of the tree whose InRelease is tampered is served beside it.
    const serve = await run([
      'exec',
      '--',
      'sh',
      '-c',
      `set -e
DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox >/dev/null; }
mkdir -p /srv/tampered /srv/www && cp -a /srv/snapshot/debian /srv/tampered/debian
sed -i 's/^Origin: Debian$/Origin: Debiam/' /srv/tampered/debian/dists/bookworm/InRelease
grep -q '^Origin: Debiam$' /srv/tampered/debian/dists/bookworm/InRelease
ln -sfn /srv/tampered/debian /srv/www/debian
busybox httpd -p 127.0.0.1:${PORT} -h /srv/www`,
    ]);
    expect(serve.exitCode, explain(serve)).toBe(0);

    const tampered = await run(['provision']);
    expect(tampered.exitCode, explain(tampered)).toBe(4);
    expect(tampered.stderr).toMatch(/apt-get update failed on .*(signature|not signed|BADSIG|NOSPLIT)/is);

    // The real snapshot now: the same URL, the untouched tree.
    const swap = await run(['exec', '--', 'ln', '-sfn', '/srv/snapshot/debian', '/srv/www/debian']);
    expect(swap.exitCode, explain(swap)).toBe(0);
    const provision = await run(['provision']);
    expect(provision.exitCode, explain(provision)).toBe(0);

    const policy = await run(['exec', '--', 'sh', '-c', `apt-cache policy ${PACKAGE}; cat /etc/apt/sources.list.d/debian.sources`]);
    expect(policy.stdout).toContain(`Installed: ${snapshot.version}`);
    expect(policy.stdout).toContain(`http://127.0.0.1:${PORT}/debian bookworm/main`);
    expect(policy.stdout).toContain('Check-Valid-Until: no');
    expect(policy.stdout).toContain('Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg');
    // Nothing but the snapshot is a source: the box's mirror and its other suites are gone.
    expect(policy.stdout).not.toMatch(/bookworm-(security|updates)/);

    const plan = await run(['plan']);
    expect(plan.exitCode, explain(plan)).toBe(0);
  });
});
