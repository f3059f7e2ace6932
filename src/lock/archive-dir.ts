import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, copyFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { UsageError, UnavailableError } from '../core/errors.js';
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

/** Reads an exported archive (its Packages index says what each .deb is) or a folder of .debs and wheels. */
export async function importArchive(store: ArchiveStore, dir: string): Promise<{ debs: number; wheels: number }> {
  if (!existsSync(dir)) throw new UsageError(`${displayPath(dir)} does not exist`);
  let debs = 0;
  const indexed = new Set<string>();
  if (existsSync(join(dir, 'Packages'))) {
    for (const entry of parsePackagesIndex(await readFile(join(dir, 'Packages'), 'utf8'))) {
      const data = await readFile(join(dir, entry.filename)).catch(() => undefined);
      const identity = controlIdentity(entry.control);
      if (!data || !identity) continue;
      // The index's hash is checked, never trusted: a file that does not match is not imported.
      if (sha256Hex(data) !== entry.sha256) throw new UsageError(`${displayPath(join(dir, entry.filename))} does not match the sha256 its Packages index gives; the archive is damaged`);
      await store.addDeb(data, { ...identity, control: entry.control });
      indexed.add(basename(entry.filename));
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
  let wheels = 0;
  for (const path of files.filter((f) => f.endsWith('.whl'))) {
    await store.addWheelFile(path, basename(path));
    wheels++;
  }
  return { debs, wheels };
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
      throw new UnavailableError(`${displayPath(path)} has no Packages index beside it and this machine has no dpkg-deb to read it`, { hint: 'import an archive written by `devenv archive export`, or install dpkg' });
    }
    throw new UsageError(`${displayPath(path)} is not a Debian package: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`);
  }
}
