import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
    const uris = name.endsWith('.sources') ? deb822Uris(text) : oneLineUris(text);
    for (const uri of uris) {
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
  const segments = uri.replace(/^[a-z]+:\/\/[^/]+/, '').split('/').filter(Boolean);
  return segments[segments.length - 1];
}

export function oneLineUris(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ')) continue;
    // deb [options] URI suite components…
    const withoutOptions = line.replace(/^deb\s+(\[[^\]]*\]\s+)?/, '');
    const uri = withoutOptions.split(/\s+/)[0];
    if (uri) uris.push(uri);
  }
  return uris;
}

export function deb822Uris(text: string): string[] {
  const uris: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if ((fields.get('enabled') ?? 'yes') === 'no') continue;
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    uris.push(...(fields.get('uris') ?? '').split(/\s+/).filter(Boolean));
  }
  return uris;
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
