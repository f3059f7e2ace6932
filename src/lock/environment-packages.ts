import { readFile } from 'node:fs/promises';
import { OperationError } from '../core/errors.js';
import { lastLines } from '../core/last-lines.js';
import { execBatch } from '../targets/exec-batch.js';
import type { Target } from '../targets/target.js';
import { normalizePythonName as normalizePipName } from '../core/python-name.js';
import { ArchiveStore, type ArchivedDeb, type ArchivedWheel } from './archive-store.js';
import { lockKey, debFileName, packageOfKey, type LockData } from './lock-file.js';
import { controlIdentity, packagesIndex, poolFileName, releaseFile } from './local-repo.js';

/**
 * What an environment holds, read for the lock, and the own archive offered to it.
 * Actors only: every decision (what to lock, what to ship) is in the pure helpers
 * below, tested over recorded output.
 */

const INSTALLED_SCRIPT = `dpkg --print-architecture
dpkg-query -W -f='\${Package}\\t\${Version}\\t\${Architecture}\\t\${db:Status-Abbrev}\\n' || exit 1
for f in /var/lib/devenv/archive/wheels/*.whl; do [ -e "$f" ] && printf 'W\\t%s\\n' "\${f##*/}"; done
exit 0`;

/** sha256 and architecture of the installed versions, from apt's lists (what a mirror serves). */
const SHOW_SCRIPT = 'LC_ALL=C apt-cache show -- "$@" 2>/dev/null; exit 0';

/** Wheels' names and versions in each venv (dist-info folders), and pip's own, which the venv brings. */
const VENV_SCRIPT = `for v in "$@"; do
  echo "V $v"
  for d in "$v"/lib/python3*/site-packages/*.dist-info; do [ -d "$d" ] && echo "D \${d##*/}"; done
done
exit 0`;

export interface InstalledDeb {
  name: string;
  version: string;
  arch: string;
}

export function parseInstalled(stdout: string): { nativeArch: string; packages: InstalledDeb[]; offeredWheels: string[] } {
  const [first = '', ...lines] = stdout.split('\n');
  const packages: InstalledDeb[] = [];
  const offeredWheels: string[] = [];
  for (const line of lines) {
    const [name, version, arch, status] = line.split('\t');
    if (name === 'W' && version) offeredWheels.push(version);
    if (!name || !version || !arch || status?.trim() !== 'ii') continue;
    packages.push({ name, version, arch });
  }
  return { nativeArch: first.trim(), packages, offeredWheels };
}

/** `apt-cache show` stanzas → "name version arch" → sha256. */
export function parseShowHashes(stdout: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const stanza of stdout.split(/\n\s*\n/)) {
    const identity = controlIdentity(stanza);
    const sha = /^SHA256:\s*([0-9a-f]{64})$/m.exec(stanza)?.[1];
    if (identity && sha) hashes.set(`${identity.name} ${identity.version} ${identity.arch}`, sha);
  }
  return hashes;
}

/** Folder names like Django-4.2.16.dist-info → normalised name → version, per venv; the venv's own pip and setuptools left out. */
export function parseVenvWheels(stdout: string): Record<string, Record<string, string>> {
  const venvs: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('V ')) venvs[line.slice(2)] = current = {};
    const match = /^D (.+)-([^-]+)\.dist-info$/.exec(line);
    if (match && current) {
      const name = normalizePipName(match[1]!);
      if (name !== 'pip' && name !== 'setuptools') current[name] = match[2]!;
    }
  }
  return venvs;
}

/**
 * The lock of what the environment holds now (pure): every installed package with
 * its architecture and the sha256 apt's lists (or the own archive) give for it;
 * the wheels of each venv, with the sha256 of the archived wheel when there is one.
 */
export function lockFromEnvironment(input: {
  box: string;
  nativeArch: string;
  packages: readonly InstalledDeb[];
  hashes: ReadonlyMap<string, string>;
  archived: readonly ArchivedDeb[];
  venvs: Record<string, Record<string, string>>;
  wheels: readonly ArchivedWheel[];
}): LockData {
  const archivedHash = new Map(input.archived.map((deb) => [`${deb.name} ${deb.version} ${deb.arch}`, deb.sha256]));
  const apt: LockData['apt'] = {};
  for (const pkg of input.packages) {
    const id = `${pkg.name} ${pkg.version} ${pkg.arch}`;
    const sha256 = input.hashes.get(id) ?? archivedHash.get(id);
    apt[lockKey(pkg.name, pkg.arch, input.nativeArch)] = { version: pkg.version, arch: pkg.arch, ...(sha256 ? { sha256 } : {}) };
  }
  const pip: LockData['pip'] = {};
  for (const [venv, wheels] of Object.entries(input.venvs)) {
    if (Object.keys(wheels).length === 0) continue;
    pip[venv] = {};
    for (const [name, version] of Object.entries(wheels)) {
      const wheel = input.wheels.find((w) => w.name === name && w.version === version);
      pip[venv]![name] = { version, ...(wheel ? { sha256: wheel.sha256 } : {}) };
    }
  }
  return { schema: 'devenv.lock/v1', box: input.box, apt, pip };
}

/** Reads the environment for its lock and keeps what apt downloaded in the own archive (apt's lists only for what the archive lacks). */
export async function readEnvironmentLock(target: Target, box: string, venvs: readonly string[], store: ArchiveStore): Promise<LockData> {
  const first = await execBatch(target, { installed: { script: INSTALLED_SCRIPT }, venvs: { script: VENV_SCRIPT, args: [...venvs] } });
  const listed = first.installed!;
  if (listed.exitCode !== 0) throw new OperationError(`could not list the packages of ${target.describe().name}: ${lastLines(listed.stderr)}`);
  const { nativeArch, packages } = parseInstalled(listed.stdout);
  await archiveDownloaded(target, packages, store);
  const archived = [...(await store.listDebs()).values()];
  // The own archive's records give most sha256s (what apt just downloaded is in it now, and the box's
  // own packages since its build); apt's lists are asked only for the rest, often none: reading them
  // for a few hundred packages was most of what writing the lock cost.
  const held = new Set(archived.map((deb) => `${deb.name} ${deb.version} ${deb.arch}`));
  const unheld = packages.filter((p) => !held.has(`${p.name} ${p.version} ${p.arch}`));
  const show =
    unheld.length > 0
      ? await target.exec(['sh', '-c', SHOW_SCRIPT, 'devenv-show', ...unheld.map((p) => `${p.name}:${p.arch}=${p.version}`)], { env: { LC_ALL: 'C' } })
      : undefined;
  const hashes = parseShowHashes(show?.stdout ?? '');
  return lockFromEnvironment({
    box,
    nativeArch,
    packages,
    hashes,
    archived,
    venvs: parseVenvWheels(first.venvs?.stdout ?? ''),
    wheels: [...(await store.listWheels()).values()],
  });
}

/** Where apt leaves what it downloaded, and the machine-wide archive a Docker environment shares. */
const DOWNLOADED_DIRS = ['/var/cache/apt/archives', '/var/cache/devenv/apt-archives', '/var/lib/devenv/archive/pool'];

/**
 * Installed packages whose .deb is still in the environment and not yet in the own
 * archive are copied into it: their control stanzas (dpkg-deb -f) in one round trip,
 * the files themselves in one tar stream. What is not there (the box's own packages,
 * installed by debootstrap) is locked by version and the mirror's sha256 only.
 */
async function archiveDownloaded(target: Target, installed: readonly InstalledDeb[], store: ArchiveStore): Promise<number> {
  const have = new Set([...(await store.listDebs()).values()].map((deb) => `${deb.name} ${deb.version} ${deb.arch}`));
  const wanted = installed.filter((pkg) => !have.has(`${pkg.name} ${pkg.version} ${pkg.arch}`)).map((pkg) => debFileName(pkg.name, pkg.version, pkg.arch));
  if (wanted.length === 0) return 0;
  // Which of the wanted files are there, first found wins; each announced with its control stanza.
  const script = `dirs="$1"; shift
for f in "$@"; do
  for d in $dirs; do
    if [ -f "$d/$f" ]; then echo "=== $d/$f"; dpkg-deb -f "$d/$f"; break; fi
  done
done
exit 0`;
  const found = await target.exec(['sh', '-c', script, 'devenv-archive', DOWNLOADED_DIRS.join(' '), ...wanted]);
  const files: { path: string; control: string }[] = [];
  for (const chunk of found.stdout.split(/^=== /m).slice(1)) {
    const newline = chunk.indexOf('\n');
    files.push({ path: chunk.slice(0, newline), control: chunk.slice(newline + 1) });
  }
  if (files.length === 0) return 0;
  // One stream for all of them: base64, because a target's output is text.
  const tar = await target.exec(['sh', '-c', 'tar -cf - -P -- "$@" | base64 -w0', 'devenv-archive', ...files.map((f) => f.path)], { timeout: 600_000 });
  if (tar.exitCode !== 0) throw new OperationError(`could not read the downloaded packages of ${target.describe().name}: ${lastLines(tar.stderr)}`);
  const { extract } = await import('tar-stream');
  const contents = await untar(extract, Buffer.from(tar.stdout, 'base64'));
  let added = 0;
  for (const file of files) {
    const data = contents.get(file.path.replace(/^\//, '')) ?? contents.get(file.path);
    const identity = controlIdentity(file.control);
    if (!data || !identity) continue;
    await store.addDeb(data, { ...identity, control: file.control });
    added++;
  }
  return added;
}

async function untar(extract: typeof import('tar-stream').extract, data: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const stream = extract();
  const done = new Promise<void>((resolve, reject) => {
    stream.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      body.on('end', () => {
        files.set(header.name, Buffer.concat(chunks));
        next();
      });
      body.resume();
    });
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  stream.end(data);
  await done;
  return files;
}

/** Where the own archive is offered inside an environment, and the apt source that names it. */
export const OFFERED_ARCHIVE = '/var/lib/devenv/archive';
export const OFFERED_SOURCE = '/etc/apt/sources.list.d/devenv-archive.list';
const OFFERED_WHEELS = `${OFFERED_ARCHIVE}/wheels`;

/**
 * Ships archived .debs (and wheels) into the environment as a local apt repository
 * and pip find-links folder, and refreshes only that source: the rest of the apt
 * lists stay as they are, so this works with the mirror unreachable. The .debs are
 * also linked into apt's own cache, so apt installs them without downloading even
 * when the mirror offers the same version. One upload, one round trip.
 */
export async function offerArchive(target: Target, store: ArchiveStore, debs: readonly ArchivedDeb[], wheels: readonly ArchivedWheel[] = []): Promise<void> {
  if (debs.length === 0 && wheels.length === 0) return;
  const { pack } = await import('tar-stream');
  const packages = packagesIndex(debs);
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const deb of debs) tar.entry({ name: poolFileName(deb), mode: 0o644 }, await readFile(store.debPath(deb.sha256)));
  for (const wheel of wheels) tar.entry({ name: `wheels/${wheel.file}`, mode: 0o644 }, await readFile(store.wheelPath(wheel)));
  tar.entry({ name: 'Packages', mode: 0o644 }, packages);
  tar.entry({ name: 'Release', mode: 0o644 }, releaseFile(packages));
  tar.finalize();
  await ended;
  const upload = `/var/lib/devenv/archive-upload.${process.pid}.tar`;
  const mkdir = await target.exec(['mkdir', '-p', '/var/lib/devenv']);
  if (mkdir.exitCode !== 0) throw new OperationError(`could not prepare /var/lib/devenv on ${target.describe().name}: ${lastLines(mkdir.stderr)}`);
  await target.copy(Buffer.concat(chunks), upload, { mode: '0600' });
  const script = `set -e
archive=$1; upload=$2; source=$3
mkdir -p "$archive"
tar -xf "$upload" -C "$archive" --no-same-owner
rm -f "$upload"
for f in "$archive"/pool/*.deb; do
  [ -e "$f" ] || continue
  b=\${f##*/}; [ -e "/var/cache/apt/archives/$b" ] || ln "$f" "/var/cache/apt/archives/$b" 2>/dev/null || cp "$f" "/var/cache/apt/archives/$b"
done
[ -e "$archive/pool" ] || exit 0
echo "deb [trusted=yes] file:$archive ./" > "$source.tmp" && mv "$source.tmp" "$source"
LC_ALL=C apt-get update -q -o Dir::Etc::sourcelist="$source" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`;
  const result = await target.exec(['sh', '-c', script, 'devenv-offer', OFFERED_ARCHIVE, upload, OFFERED_SOURCE], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  if (result.exitCode !== 0)
    throw new OperationError(`could not offer the own archive to ${target.describe().name}: ${lastLines(result.stderr || result.stdout)}`);
}

export const OFFERED_WHEELS_DIR = OFFERED_WHEELS;

/**
 * What to ship (pure): the archived .deb of each exact pin the environment does not
 * hold at that version, and the archived wheel of each pip pin. Nothing when the
 * archive has none of them, and then no round trip is spent either.
 */
export function archiveOffer(input: {
  aptPins: ReadonlyMap<string, string>;
  installed: readonly InstalledDeb[];
  nativeArch: string;
  archived: readonly ArchivedDeb[];
  pipPins: readonly { name: string; version: string }[];
  wheels: readonly ArchivedWheel[];
  /** Wheel files the environment was offered before (they stay in its find-links folder). */
  offeredWheels?: readonly string[];
}): { debs: ArchivedDeb[]; wheels: ArchivedWheel[] } {
  // Keyed as the lock keys them: a foreign architecture's package by name:arch.
  const installed = new Map(input.installed.map((pkg) => [lockKey(pkg.name, pkg.arch, input.nativeArch), pkg.version]));
  const debs: ArchivedDeb[] = [];
  for (const [key, version] of input.aptPins) {
    if (installed.get(key) === version) continue;
    const name = packageOfKey(key);
    const foreign = key === name ? undefined : key.slice(name.length + 1);
    const fits = (arch: string): boolean => (foreign ? arch === foreign : arch === input.nativeArch || arch === 'all');
    const deb = input.archived.find((d) => d.name === name && d.version === version && fits(d.arch));
    if (deb) debs.push(deb);
  }
  const wheels = input.pipPins.flatMap((pin) => {
    const wheel = input.wheels.find((w) => w.name === normalizePipName(pin.name) && w.version === pin.version);
    return wheel && !input.offeredWheels?.includes(wheel.file) ? [wheel] : [];
  });
  return { debs, wheels };
}

/** Installed packages and the native architecture: one round trip. */
export async function readInstalled(target: Target): Promise<ReturnType<typeof parseInstalled>> {
  const result = await target.exec(['sh', '-c', INSTALLED_SCRIPT]);
  if (result.exitCode !== 0) throw new OperationError(`could not list the packages of ${target.describe().name}: ${lastLines(result.stderr)}`);
  return parseInstalled(result.stdout);
}
