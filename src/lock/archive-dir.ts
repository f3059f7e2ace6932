import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, copyFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { OperationError, UsageError, UnavailableError } from '../core/errors.js';
import { isArchiveUrl } from '../profile/schema.js';
import { displayPath } from '../profile/yaml-source.js';
import { ArchiveStore, sha256Hex } from './archive-store.js';
import { controlIdentity, packagesIndex, parsePackagesIndex, poolFileName, releaseFile } from './local-repo.js';

/**
 * The own archive as a plain directory a team can serve over HTTP (or share as a
 * folder): a flat apt repository (Packages, Release, pool/) and a pip find-links
 * folder (wheels/, with an index.html for HTTP). `import` reads such a directory
 * back, or any folder of .debs and .whl files.
 */
export async function exportArchive(store: ArchiveStore, dir: string): Promise<{ debs: number; wheels: number }> {
  const debs = [...(await store.listDebs()).values()];
  const wheels = [...(await store.listWheels()).values()];
  await mkdir(join(dir, 'pool'), { recursive: true });
  await mkdir(join(dir, 'wheels'), { recursive: true });
  for (const deb of debs) {
    const path = join(dir, poolFileName(deb));
    if (!existsSync(path) || (await stat(path)).size !== deb.size) await copyFile(store.debPath(deb.sha256), path);
  }
  for (const wheel of wheels) {
    const path = join(dir, 'wheels', wheel.file);
    if (!existsSync(path)) await copyFile(store.wheelPath(wheel), path);
  }
  const packages = packagesIndex(debs);
  await writeFile(join(dir, 'Packages'), packages);
  await writeFile(join(dir, 'Release'), releaseFile(packages));
  const links = wheels.map((w) => `<a href="${encodeURIComponent(w.file)}#sha256=${w.sha256}">${w.file}</a><br>`).join('\n');
  await writeFile(join(dir, 'wheels', 'index.html'), `<!DOCTYPE html>\n<html><body>\n${links}\n</body></html>\n`);
  return { debs: debs.length, wheels: wheels.length };
}

/**
 * Reads an exported archive (its Packages index says what each .deb is) or a folder of .debs and wheels
 * into the store. What the store already holds (by the index's sha256) is not read again, so a team
 * archive named in a profile costs one index read per provision once it has been imported.
 */
export async function importArchive(store: ArchiveStore, location: string): Promise<{ debs: number; wheels: number }> {
  if (isArchiveUrl(location)) return importArchiveOverHttp(store, location);
  const dir = location;
  if (!existsSync(dir)) throw new UsageError(`${displayPath(dir)} does not exist`);
  let debs = 0;
  const indexed = new Set<string>();
  const held = await store.listDebs();
  if (existsSync(join(dir, 'Packages'))) {
    for (const entry of parsePackagesIndex(await readFile(join(dir, 'Packages'), 'utf8'))) {
      indexed.add(basename(entry.filename));
      if (held.has(entry.sha256)) {
        debs++;
        continue;
      }
      const data = await readFile(join(dir, entry.filename)).catch(() => undefined);
      const identity = controlIdentity(entry.control);
      if (!data || !identity) continue;
      // The index's hash is checked, never trusted: a file that does not match is not imported.
      if (sha256Hex(data) !== entry.sha256)
        throw new UsageError(`${displayPath(join(dir, entry.filename))} does not match the sha256 its Packages index gives; the archive is damaged`);
      await store.addDeb(data, { ...identity, control: entry.control });
      debs++;
    }
  }
  const files = await walk(dir);
  for (const path of files.filter((f) => f.endsWith('.deb') && !indexed.has(basename(f)))) {
    const control = await controlOf(path);
    const identity = controlIdentity(control);
    if (!identity) continue;
    await store.addDeb(await readFile(path), { ...identity, control });
    debs++;
  }
  const heldWheels = new Set([...(await store.listWheels()).values()].map((wheel) => `${wheel.sha256}/${wheel.file}`));
  const wheelIndex = existsSync(join(dir, 'wheels', 'index.html')) ? parseWheelIndex(await readFile(join(dir, 'wheels', 'index.html'), 'utf8')) : [];
  let wheels = 0;
  for (const path of files.filter((f) => f.endsWith('.whl'))) {
    const listed = wheelIndex.find((entry) => entry.file === basename(path));
    if (!(listed && heldWheels.has(`${listed.sha256}/${listed.file}`))) await store.addWheelFile(path, basename(path));
    wheels++;
  }
  return { debs, wheels };
}

/**
 * The same layout over HTTP(S), as `archive export` writes it and any static file server serves it:
 * Packages, pool/…, wheels/index.html, wheels/…. Only what the store lacks is downloaded, and every
 * file is checked against the sha256 its index gives before it is kept.
 */
async function importArchiveOverHttp(store: ArchiveStore, url: string): Promise<{ debs: number; wheels: number }> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const packages = await fetchArchiveFile(base, 'Packages', { optional: true });
  const index = await fetchArchiveFile(base, 'wheels/index.html', { optional: true });
  if (!packages && !index) throw new OperationError(`${url} is not an archive written by \`devenv archive export\` (no Packages index, no wheels/index.html)`);
  const held = await store.listDebs();
  let debs = 0;
  for (const entry of parsePackagesIndex(packages?.toString('utf8') ?? '')) {
    const identity = controlIdentity(entry.control);
    if (!identity) continue;
    debs++;
    if (held.has(entry.sha256)) continue;
    const data = (await fetchArchiveFile(base, entry.filename))!;
    if (sha256Hex(data) !== entry.sha256)
      throw new OperationError(`${new URL(entry.filename, base).href} does not match the sha256 its Packages index gives; the archive is damaged`);
    await store.addDeb(data, { ...identity, control: entry.control });
  }
  const heldWheels = new Set([...(await store.listWheels()).values()].map((wheel) => `${wheel.sha256}/${wheel.file}`));
  let wheels = 0;
  for (const entry of parseWheelIndex(index?.toString('utf8') ?? '')) {
    wheels++;
    if (heldWheels.has(`${entry.sha256}/${entry.file}`)) continue;
    const data = (await fetchArchiveFile(base, `wheels/${encodeURIComponent(entry.file)}`))!;
    if (sha256Hex(data) !== entry.sha256)
      throw new OperationError(
        `${new URL(`wheels/${encodeURIComponent(entry.file)}`, base).href} does not match the sha256 wheels/index.html gives; the archive is damaged`,
      );
    await store.addWheel(data, entry.file);
  }
  return { debs, wheels };
}

const ARCHIVE_FETCH_TIMEOUT_MS = 60_000;

async function fetchArchiveFile(base: string, path: string, options: { optional?: boolean } = {}): Promise<Buffer | undefined> {
  const url = new URL(path, base).href;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(ARCHIVE_FETCH_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new OperationError(`cannot read the archive at ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
  }
  if (response.status === 404 && options.optional) return undefined;
  if (!response.ok) throw new OperationError(`cannot read ${url}: HTTP ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The find-links page `archive export` writes: `<a href="FILE#sha256=HEX">`, file names URL-encoded. */
export function parseWheelIndex(html: string): { file: string; sha256: string }[] {
  return [...html.matchAll(/href="([^"#]+)#sha256=([0-9a-f]{64})"/g)].flatMap((match) => {
    try {
      return [{ file: decodeURIComponent(match[1]!), sha256: match[2]! }];
    } catch {
      return [];
    }
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A loose .deb's control stanza, from the host's dpkg-deb (an exported archive needs none: its index has them). */
async function controlOf(path: string): Promise<string> {
  try {
    return (await execa('dpkg-deb', ['-f', path], { stripFinalNewline: false })).stdout;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      throw new UnavailableError(`${displayPath(path)} has no Packages index beside it and this machine has no dpkg-deb to read it`, {
        hint: 'import an archive written by `devenv archive export`, or install dpkg',
      });
    }
    throw new UsageError(`${displayPath(path)} is not a Debian package: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`);
  }
}
