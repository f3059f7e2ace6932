import { existsSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Document, isMap } from 'yaml';
import { z } from 'zod';
import { DEBIAN_VERSION } from '../core/debian-version.js';
import { readYamlSource, validateSource, configErrorAt, type YamlSource } from '../profile/yaml-source.js';

/**
 * devenv.lock (see DESIGN.md, "Locked packages and the own archive"): the exact
 * version, architecture and sha256 of every package of an environment after a
 * clean provision, the whole closure. Written by devenv, committed by the team,
 * read at every load so that a pin that disagrees with it is a profile error.
 */
export const LOCK_FILE = 'devenv.lock';
export const LOCK_SCHEMA_ID = 'devenv.lock/v1';

const SHA256 = /^[0-9a-f]{64}$/;

const aptEntry = z.strictObject({
  version: z.string().regex(DEBIAN_VERSION, 'must be an exact Debian version such as "1.22.1-9+deb12u9"'),
  /** Unknown for an entry written from production's facts until the first provision fills it. */
  arch: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'an architecture such as amd64 or all')
    .optional(),
  sha256: z.string().regex(SHA256, 'a sha256 is 64 lowercase hex digits').optional(),
});

const pipEntry = z.strictObject({
  version: z.string().min(1),
  sha256: z.string().regex(SHA256, 'a sha256 is 64 lowercase hex digits').optional(),
});

export const LockSchema = z.strictObject({
  schema: z.literal(LOCK_SCHEMA_ID),
  box: z.string().min(1),
  apt: z.record(z.string().regex(/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/, 'a Debian package name'), aptEntry).default({}),
  pip: z.record(z.string().startsWith('/', 'a venv is an absolute path in the environment'), z.record(z.string().min(1), pipEntry)).default({}),
});

export type LockData = z.output<typeof LockSchema>;
export type LockedDeb = LockData['apt'][string];
export type LockedWheel = LockData['pip'][string][string];

export interface LoadedLock {
  path: string;
  source: YamlSource;
  data: LockData;
}

/**
 * devenv.lock beside the profile; with `machines:`, one lock per machine
 * (devenv.web.lock, devenv.db.lock): each machine is an environment of its own,
 * with its own packages, and two machines never write one file.
 */
export function lockPathFor(profilePath: string, machine?: string): string {
  return join(dirname(profilePath), machine === undefined ? LOCK_FILE : `devenv.${machine}.lock`);
}

/** The lock beside a profile, validated with positions (exit 2 at file:line:column), or undefined when there is none. */
export async function readLock(profilePath: string, box: string, machine?: string): Promise<LoadedLock | undefined> {
  const path = lockPathFor(profilePath, machine);
  if (!existsSync(path)) return undefined;
  const source = await readYamlSource(path);
  if (source.doc.contents === null) throw configErrorAt(source, [], `the lock is empty; delete it or run \`devenv lock --update\``);
  const data = validateSource(source, LockSchema);
  if (data.box !== box) {
    throw configErrorAt(
      source,
      ['box'],
      `the lock was written for box "${data.box}" but the profile uses "${box}"; run \`devenv lock --update\` to lock the new box's packages`,
    );
  }
  return { path, source, data };
}

const HEADER = [
  '# devenv.lock — written by devenv; `devenv lock --update` refreshes it.',
  '# Every package of the environment after a clean provision (the whole closure):',
  '# `devenv up` installs exactly these, from the own archive when the mirror lacks them.',
  '# Commit it beside devenv.yaml.',
].join('\n');

/** Stable text: entries sorted, one flow mapping per package, so a diff shows one line per changed package. */
export function renderLock(data: LockData): string {
  const sorted = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]!]),
    );
  const doc = {
    schema: LOCK_SCHEMA_ID,
    box: data.box,
    apt: sorted(data.apt),
    pip: Object.fromEntries(
      Object.keys(data.pip)
        .sort()
        .map((venv) => [venv, sorted(data.pip[venv]!)]),
    ),
  };
  const document = new Document(doc);
  // One line per package: each entry's mapping in flow style.
  const flow = (node: unknown): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) if (isMap(pair.value)) pair.value.flow = true;
  };
  flow(document.get('apt'));
  const pip = document.get('pip');
  if (isMap(pip)) for (const pair of pip.items) flow(pair.value);
  const flowed = document.toString({ lineWidth: 0 });
  return `${HEADER}\n${flowed}`;
}

/** Written beside the profile atomically: a crash never leaves half a lock. */
export async function writeLock(profilePath: string, data: LockData, machine?: string): Promise<string> {
  const path = lockPathFor(profilePath, machine);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, renderLock(data));
  await rename(temporary, path);
  return path;
}

/** dpkg's file name of a package in /var/cache/apt/archives: the epoch's colon is %3a. */
export function debFileName(name: string, version: string, arch: string): string {
  return `${name}_${version.replace(':', '%3a')}_${arch}.deb`;
}

/** The lock's key for a package: its name, with the architecture only for a foreign one (libc6:i386). */
export function lockKey(name: string, arch: string | undefined, nativeArch: string): string {
  return arch === undefined || arch === 'all' || arch === nativeArch ? name : `${name}:${arch}`;
}

/** The package name of a lock key (libc6:i386 → libc6). */
export function packageOfKey(key: string): string {
  return key.split(':')[0]!;
}
