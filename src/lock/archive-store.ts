import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../core/cache-dir.js';

/**
 * The own archive: every .deb and wheel a lock names, kept on this machine by
 * content (sha256), so that an unchanged lock rebuilds with no mirror and a
 * version that has left the mirror still installs. Layout, all plain files:
 *
 *   deb/<sha256>.deb    the package as apt downloaded it
 *   deb/<sha256>.json   { name, version, arch, size, control }: its control stanza,
 *                       so a local apt repository can be indexed without dpkg-deb
 *   wheel/<sha256>/<file>.whl   a wheel under its own file name (pip needs it)
 *
 * Writes are atomic (temporary name, then rename): environments and commands
 * working at once never see half a file, and the same content lands once.
 */
export interface ArchivedDeb {
  name: string;
  version: string;
  arch: string;
  size: number;
  sha256: string;
  /** The control stanza as dpkg-deb -f prints it (no Filename/Size/SHA256: the index adds them). */
  control: string;
}

export interface ArchivedWheel {
  /** PEP 503 name and version, from the wheel's file name. */
  name: string;
  version: string;
  file: string;
  sha256: string;
}

export function archiveDir(): string {
  return process.env.DEVENV_ARCHIVE_DIR ?? join(cacheDir(), 'archive');
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

export class ArchiveStore {
  private debs?: Map<string, ArchivedDeb>;
  private wheels?: Map<string, ArchivedWheel>;

  constructor(readonly root: string = archiveDir()) {}

  /** Every .deb, by sha256 (the index is read once per store object). */
  async listDebs(): Promise<Map<string, ArchivedDeb>> {
    if (this.debs) return this.debs;
    const debs = new Map<string, ArchivedDeb>();
    const dir = join(this.root, 'deb');
    const names = existsSync(dir) ? await readdir(dir) : [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const sha256 = name.slice(0, -'.json'.length);
      if (!names.includes(`${sha256}.deb`)) continue;
      try {
        const meta = JSON.parse(await readFile(join(dir, name), 'utf8')) as Omit<ArchivedDeb, 'sha256'>;
        debs.set(sha256, { ...meta, sha256 });
      } catch {
        // A record that cannot be read is as good as absent: the package is fetched again.
      }
    }
    this.debs = debs;
    return debs;
  }

  /** The archived .deb of one exact version, if any (by its lock sha256 when given). */
  async findDeb(name: string, version: string, arch?: string, sha256?: string): Promise<ArchivedDeb | undefined> {
    const debs = await this.listDebs();
    if (sha256) return debs.get(sha256);
    for (const deb of debs.values())
      if (deb.name === name && deb.version === version && (arch === undefined || deb.arch === arch || deb.arch === 'all')) return deb;
    return undefined;
  }

  debPath(sha256: string): string {
    return join(this.root, 'deb', `${sha256}.deb`);
  }

  /** Adds a .deb; its sha256 is computed here, never trusted from elsewhere. */
  async addDeb(data: Buffer, meta: Omit<ArchivedDeb, 'sha256' | 'size'>): Promise<ArchivedDeb> {
    const sha256 = sha256Hex(data);
    const dir = join(this.root, 'deb');
    await mkdir(dir, { recursive: true });
    const record: ArchivedDeb = { ...meta, size: data.length, sha256 };
    if (!existsSync(this.debPath(sha256))) await writeAtomically(this.debPath(sha256), data);
    const { sha256: _omit, ...stored } = record;
    await writeAtomically(join(dir, `${sha256}.json`), `${JSON.stringify(stored)}\n`);
    this.debs?.set(sha256, record);
    return record;
  }

  async listWheels(): Promise<Map<string, ArchivedWheel>> {
    if (this.wheels) return this.wheels;
    const wheels = new Map<string, ArchivedWheel>();
    const dir = join(this.root, 'wheel');
    for (const sha256 of existsSync(dir) ? await readdir(dir) : []) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) continue;
      for (const file of await readdir(join(dir, sha256))) {
        const parsed = parseWheelName(file);
        if (parsed) wheels.set(sha256, { ...parsed, file, sha256 });
      }
    }
    this.wheels = wheels;
    return wheels;
  }

  wheelPath(wheel: ArchivedWheel): string {
    return join(this.root, 'wheel', wheel.sha256, wheel.file);
  }

  async addWheel(data: Buffer, file: string): Promise<ArchivedWheel> {
    const parsed = parseWheelName(file);
    if (!parsed) throw new Error(`${file} is not a wheel's file name (name-version-python-abi-platform.whl)`);
    const sha256 = sha256Hex(data);
    const dir = join(this.root, 'wheel', sha256);
    await mkdir(dir, { recursive: true });
    if (!existsSync(join(dir, file))) await writeAtomically(join(dir, file), data);
    const wheel = { ...parsed, file, sha256 };
    this.wheels?.set(sha256, wheel);
    return wheel;
  }

  async addWheelFile(path: string, file: string): Promise<ArchivedWheel> {
    return this.addWheel(await readFile(path), file);
  }

  async copyDebTo(sha256: string, path: string): Promise<void> {
    await copyFile(this.debPath(sha256), path);
  }
}

/** PEP 427 file names: {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl; the name normalised (PEP 503). */
export function parseWheelName(file: string): { name: string; version: string } | undefined {
  const match = /^([A-Za-z0-9_.]+)-([A-Za-z0-9_.!+]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file);
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase().replace(/[-_.]+/g, '-'), version: match[2]! };
}
