import { createHash } from 'node:crypto';
import { OperationError, UnavailableError } from '../core/errors.js';

/**
 * Reading a Debian archive without Debian's tools: Release and Packages
 * indices, and .deb files split into their members (a .deb is an ar archive;
 * its data.tar.* is left compressed, for the engine to unpack).
 */

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Debian's name for a Go architecture (what an engine's `version` reports as Arch). */
const DEBIAN_ARCH: Record<string, string> = {
  amd64: 'amd64',
  arm64: 'arm64',
  aarch64: 'arm64',
  x86_64: 'amd64',
  arm: 'armhf',
  '386': 'i386',
  ppc64le: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export function debianArch(goArch: string | undefined): string | undefined {
  return goArch === undefined ? undefined : DEBIAN_ARCH[goArch.toLowerCase()];
}

/** Fields of one deb822 stanza; continuation lines are kept, joined by \n. */
export type Stanza = Map<string, string>;

export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = new Map();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size) stanzas.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (/^\s/.test(line)) {
      if (last !== undefined) current.set(last, `${current.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size) stanzas.push(current);
  return stanzas;
}

export interface Release {
  suite: string | undefined;
  codename: string | undefined;
  /** undefined: the Release has no Valid-Until. */
  validUntil: Date | undefined;
  /** path (e.g. main/binary-amd64/Packages.gz) → sha256 and size. */
  sha256: Map<string, { sha256: string; size: number }>;
}

export function parseRelease(text: string): Release {
  const fields = parseStanzas(text)[0] ?? new Map<string, string>();
  const hashes = new Map<string, { sha256: string; size: number }>();
  for (const line of (fields.get('SHA256') ?? '').split('\n')) {
    const [hash, size, path] = line.trim().split(/\s+/);
    if (hash && size && path && /^[0-9a-f]{64}$/.test(hash)) hashes.set(path, { sha256: hash, size: Number(size) });
  }
  const validUntil = fields.get('Valid-Until');
  return { suite: fields.get('Suite'), codename: fields.get('Codename'), validUntil: validUntil ? new Date(validUntil) : undefined, sha256: hashes };
}

/**
 * Checks what a verified Release says about itself: it is the suite asked for,
 * still valid, and lists the index.
 */
export function checkRelease(release: Release, suite: string, now = new Date()): void {
  if (release.suite !== suite && release.codename !== suite) {
    throw new OperationError(`InRelease of ${suite} failed verification: it is the Release of ${release.codename ?? release.suite ?? 'an unnamed suite'}`);
  }
  if (release.validUntil && !(release.validUntil.getTime() > now.getTime())) {
    throw new OperationError(`InRelease of ${suite} failed verification: expired on ${release.validUntil.toISOString()} (a stale mirror?)`);
  }
}

export interface PackageEntry {
  package: string;
  version: string;
  architecture: string;
  filename: string;
  size: number;
  sha256: string;
  depends: string;
  preDepends: string;
}

/** The Packages index, by package name (one entry per name: the last, as apt takes the highest of one archive). */
export function parsePackages(text: string): Map<string, PackageEntry> {
  const entries = new Map<string, PackageEntry>();
  for (const fields of parseStanzas(text)) {
    const name = fields.get('Package');
    const filename = fields.get('Filename');
    const hash = fields.get('SHA256');
    if (!name || !filename || !hash) continue;
    entries.set(name, {
      package: name,
      version: fields.get('Version') ?? '',
      architecture: fields.get('Architecture') ?? '',
      filename,
      size: Number(fields.get('Size') ?? 0),
      sha256: hash,
      depends: fields.get('Depends') ?? '',
      preDepends: fields.get('Pre-Depends') ?? '',
    });
  }
  return entries;
}

export interface DebMembers {
  /** control.tar.* */
  control: { name: string; data: Buffer };
  /** data.tar.* (data.tar.xz, .gz, .zst or plain): its name says how it is compressed. */
  data: { name: string; data: Buffer };
}

/** Splits a .deb (an ar archive: debian-binary, control.tar.*, data.tar.*) into its members. */
export function splitDeb(deb: Buffer, what = 'package'): DebMembers {
  const bad = (detail: string): never => {
    throw new OperationError(`${what} is not a valid .deb: ${detail}`);
  };
  if (deb.subarray(0, 8).toString('latin1') !== '!<arch>\n') bad('no ar header');
  const members: { name: string; data: Buffer }[] = [];
  let at = 8;
  while (at < deb.length) {
    if (at + 60 > deb.length) bad('truncated member header');
    const header = deb.subarray(at, at + 60);
    if (header.subarray(58, 60).toString('latin1') !== '`\n') bad('bad member header');
    const name = header.subarray(0, 16).toString('latin1').trimEnd().replace(/\/$/, '');
    const sizeText = header.subarray(48, 58).toString('latin1').trim();
    if (!/^\d+$/.test(sizeText)) bad(`bad size of member ${name}`);
    const size = Number(sizeText);
    if (at + 60 + size > deb.length) bad(`member ${name} is truncated`);
    members.push({ name, data: deb.subarray(at + 60, at + 60 + size) });
    at += 60 + size + (size & 1);
  }
  const [binary, control, data] = members;
  if (binary?.name !== 'debian-binary' || !binary.data.toString('latin1').startsWith('2.')) bad('no debian-binary 2.x first');
  if (!control?.name.startsWith('control.tar')) bad('no control.tar second');
  if (!data || !/^data\.tar(\.(xz|gz|zst|bz2))?$/.test(data.name)) bad('no data.tar third');
  return { control: control!, data: data! };
}

/** GET a file of the mirror; a failure is one line naming the URL's file and the cause. */
export async function fetchFromMirror(url: string, signal?: AbortSignal): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UnavailableError(`cannot reach the Debian mirror for ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {
      hint: 'check that this machine reaches its Debian mirror',
      cause: error,
    });
  }
  if (!response.ok) throw new OperationError(`GET ${url} failed: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
