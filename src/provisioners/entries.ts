import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ManifestProfile } from '../manifest/provision.js';
import type { AnsibleProvisionerData, ProfileData, PuppetProvisionerData } from '../profile/schema.js';
import { configErrorAt, displayPath, type FieldPath, type YamlSource } from '../profile/yaml-source.js';

/**
 * The profile's `provisioners:` resolved on this machine (paths checked, code
 * trees found), in the order they run. `manifests:` alone is one devenv entry.
 * Devenv entries point into the profile's loaded manifests (one catalog, in
 * order), so devenv's own plan and apply keep working on `profile.manifests`.
 */
export type ProvisionerEntry = DevenvEntry | PuppetEntry | AnsibleEntry;

/** What provisioning reads of a loaded profile: devenv's manifests and the provisioners around them. */
export interface ProvisioningProfile extends ManifestProfile {
  /** What builds the environment, in order (`manifests:` alone is one devenv entry); empty when manifests were not read. */
  provisioners: ProvisionerEntry[];
}

export interface DevenvEntry {
  kind: 'devenv';
  index: number;
  /** This entry's manifests are profile.manifests[from, to). */
  from: number;
  to: number;
}

export interface PuppetEntry {
  kind: 'puppet';
  index: number;
  config: PuppetProvisionerData;
  /** The code tree on this machine copied into the environment: the folder holding the manifest, modules and hiera. */
  root: string;
  /** Paths inside the tree (relative to root, "/" separated). */
  manifest: string;
  modulepath: string[];
  hiera?: string;
}

export interface AnsibleEntry {
  kind: 'ansible';
  index: number;
  config: AnsibleProvisionerData;
  /** The playbook's folder (roles/, group_vars/, ansible.cfg beside it, as ansible-playbook reads them). */
  root: string;
  playbook: string;
}

/** A manifest to load, with where the profile names it (for errors). */
export interface ManifestReference {
  path: string;
  at: FieldPath;
}

export interface ResolvedProvisioners {
  manifests: ManifestReference[];
  entries: ProvisionerEntry[];
}

/**
 * Checks the entries against the file system and finds each code tree: every
 * problem is exit 2 with the entry's position, before any engine is touched.
 * A profile with both `manifests:` and `provisioners:` is refused: the order
 * between devenv's manifests and the other provisioners would be a guess.
 */
export function resolveProvisioners(source: YamlSource, data: ProfileData, dir: string): ResolvedProvisioners {
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(dir, path));
  if (data.provisioners === undefined) {
    const manifests = data.manifests.map((path, index) => ({ path: absolute(path), at: ['manifests', index] }));
    return { manifests, entries: manifests.length > 0 ? [{ kind: 'devenv', index: 0, from: 0, to: manifests.length }] : [] };
  }
  if (source.doc.hasIn(['manifests'])) {
    throw configErrorAt(
      source,
      ['manifests'],
      'with "provisioners", list devenv\'s own manifests there as a "- devenv: [...]" entry, in the order they run (not in "manifests")',
    );
  }
  const manifests: ManifestReference[] = [];
  const entries: ProvisionerEntry[] = [];
  data.provisioners.forEach((entry, index) => {
    const at: FieldPath = ['provisioners', index];
    if (entry.devenv) {
      const from = manifests.length;
      entry.devenv.forEach((path, position) => manifests.push({ path: absolute(path), at: [...at, 'devenv', position] }));
      entries.push({ kind: 'devenv', index, from, to: manifests.length });
    } else if (entry.puppet) {
      const config = entry.puppet;
      const manifest = existing(source, [...at, 'puppet', 'manifest'], absolute(config.manifest), 'file');
      const modulepath = config.modulepath.map((path, position) => existing(source, [...at, 'puppet', 'modulepath', position], absolute(path), 'folder'));
      const hiera = config.hiera === undefined ? undefined : existing(source, [...at, 'puppet', 'hiera'], absolute(config.hiera), 'file');
      const root = commonFolder([dirname(manifest), ...modulepath, ...(hiera ? [dirname(hiera)] : [])]);
      const inside = (path: string): string => relative(root, path).split(sep).join('/') || '.';
      entries.push({
        kind: 'puppet',
        index,
        config,
        root,
        manifest: inside(manifest),
        modulepath: modulepath.map(inside),
        ...(hiera ? { hiera: inside(hiera) } : {}),
      });
    } else if (entry.ansible) {
      const playbook = existing(source, [...at, 'ansible', 'playbook'], absolute(entry.ansible.playbook), 'file');
      entries.push({ kind: 'ansible', index, config: entry.ansible, root: dirname(playbook), playbook });
    }
  });
  return { manifests, entries };
}

function existing(source: YamlSource, at: FieldPath, path: string, kind: 'file' | 'folder'): string {
  if (!existsSync(path)) throw configErrorAt(source, at, `${displayPath(path)} does not exist`);
  const isFolder = statSync(path).isDirectory();
  if (kind === 'folder' && !isFolder) throw configErrorAt(source, at, `${displayPath(path)} is a file, not a folder`);
  if (kind === 'file' && isFolder) throw configErrorAt(source, at, `${displayPath(path)} is a folder, not a file`);
  return path;
}

/** The deepest folder holding every one of these folders. */
export function commonFolder(folders: readonly string[]): string {
  const split = folders.map((folder) => resolve(folder).split(sep));
  const first = split[0] ?? [sep];
  let length = first.length;
  for (const parts of split) {
    let same = 0;
    while (same < Math.min(length, parts.length) && parts[same] === first[same]) same++;
    length = same;
  }
  return first.slice(0, length).join(sep) || sep;
}
