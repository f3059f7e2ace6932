import { createHash } from 'node:crypto';
import type { ArchivedDeb } from './archive-store.js';
import { debFileName } from './lock-file.js';

/**
 * A flat apt repository (`deb [trusted=yes] file:DIR ./`) made of archived .debs:
 * the Packages index from their control stanzas, and a Release naming its hash.
 * Pure text: the same index is written into an environment and by `archive export`.
 * Trust: the repository is devenv's own archive, each file stored by its sha256 and
 * checked by apt against the index it is listed in.
 */
export const POOL = 'pool';

export function poolFileName(deb: Pick<ArchivedDeb, 'name' | 'version' | 'arch'>): string {
  return `${POOL}/${debFileName(deb.name, deb.version, deb.arch)}`;
}

export function packagesIndex(debs: readonly ArchivedDeb[]): string {
  const sorted = [...debs].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
  return sorted
    .map((deb) => {
      const control = deb.control
        .replace(/\n+$/, '')
        .split('\n')
        .filter((line) => !/^(Filename|Size|SHA256|MD5sum):/.test(line));
      // dpkg-deb puts Package first; the index keeps its order and appends where the file is.
      return [...control, `Filename: ${poolFileName(deb)}`, `Size: ${deb.size}`, `SHA256: ${deb.sha256}`].join('\n');
    })
    .join('\n\n')
    .concat(sorted.length ? '\n' : '');
}

export function releaseFile(packages: string, date = new Date()): string {
  const sha = createHash('sha256').update(packages).digest('hex');
  return [
    'Origin: devenv',
    'Label: devenv archive',
    'Suite: ./',
    `Date: ${date.toUTCString()}`,
    'SHA256:',
    ` ${sha} ${Buffer.byteLength(packages)} Packages`,
    '',
  ].join('\n');
}

/** Package, Version and Architecture of a control stanza (dpkg-deb -f output). */
export function controlIdentity(control: string): { name: string; version: string; arch: string } | undefined {
  const field = (key: string): string | undefined => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(control)?.[1]?.trim();
  const name = field('Package');
  const version = field('Version');
  const arch = field('Architecture');
  return name && version && arch ? { name, version, arch } : undefined;
}

/** Stanzas of a Packages index (an exported archive's), each with its control fields and Filename/SHA256. */
export function parsePackagesIndex(text: string): { control: string; filename: string; sha256: string; size: number }[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => stanza.trim())
    .filter(Boolean)
    .flatMap((stanza) => {
      const filename = /^Filename:\s*(.+)$/m.exec(stanza)?.[1]?.trim();
      const sha256 = /^SHA256:\s*([0-9a-f]{64})$/m.exec(stanza)?.[1];
      const size = Number(/^Size:\s*(\d+)$/m.exec(stanza)?.[1]);
      if (!filename || !sha256) return [];
      const control = stanza
        .split('\n')
        .filter((line) => !/^(Filename|Size|SHA256|MD5sum):/.test(line))
        .join('\n');
      return [{ control: `${control}\n`, filename, sha256, size }];
    });
}
