import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAptSourceFile } from '../core/apt-sources.js';

/**
 * Which mirror serves each Debian archive, read from the host's own apt
 * configuration. devenv never carries a mirror host name of its own: where the
 * host has none, debootstrap uses its default and the box keeps what
 * debootstrap wrote.
 */
export type MirrorMap = Map<string, string>;

const APT_DIR = '/etc/apt';

export async function hostMirrors(aptDir = APT_DIR): Promise<MirrorMap> {
  const texts: { name: string; text: string }[] = [];
  const read = async (path: string): Promise<void> => {
    try {
      texts.push({ name: path, text: await readFile(path, 'utf8') });
    } catch {
      // Absent files are normal (deb822-only hosts have no sources.list).
    }
  };
  await read(join(aptDir, 'sources.list'));
  try {
    for (const entry of (await readdir(join(aptDir, 'sources.list.d'))).sort()) {
      if (entry.endsWith('.list') || entry.endsWith('.sources')) await read(join(aptDir, 'sources.list.d', entry));
    }
  } catch {
    // No sources.list.d.
  }
  const mirrors: MirrorMap = new Map();
  for (const { name, text } of texts) {
    // Binary sources only: the builders fetch packages, not source.
    for (const { uri } of parseAptSourceFile(name, text).filter((source) => source.type === 'deb')) {
      const archive = archiveName(uri);
      if (archive && !mirrors.has(archive)) mirrors.set(archive, uri.replace(/\/+$/, ''));
    }
  }
  return mirrors;
}

/** The last path segment names the archive: .../debian, .../debian-security, .../ubuntu. */
export function archiveName(uri: string): string | undefined {
  const match = /^[a-z]+:\/\/[^/]+(?:\/[^\s]*)?$/.exec(uri);
  if (!match) return undefined;
  const segments = uri
    .replace(/^[a-z]+:\/\/[^/]+/, '')
    .split('/')
    .filter(Boolean);
  return segments[segments.length - 1];
}

/**
 * The URI for an archive the box needs. Falls back to the sibling of a known
 * archive (…/debian → …/debian-security), as Debian's mirrors are laid out.
 */
export function mirrorFor(archive: string, mirrors: MirrorMap, debootstrapMirror?: string): string | undefined {
  const known = mirrors.get(archive);
  if (known) return known;
  const base = mirrors.get('debian') ?? debootstrapMirror;
  if (!base) return undefined;
  return base.replace(/\/[^/]+$/, `/${archive}`);
}
