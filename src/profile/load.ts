import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { boxNotFound, loadBoxDefinition, resolveBoxPath, type BoxDefinition } from '../box/definition.js';
import { loadManifestFile, type LoadedManifest } from '../manifest/load.js';
import { ProfileSchema, type ProfileData, type SyncFolder } from './schema.js';
import { configErrorAt, displayPath, readYamlSource, validateSource, type YamlSource } from './yaml-source.js';

export const DEFAULT_PROFILE = 'devenv.yaml';

export interface ResolvedSync extends SyncFolder {
  /** Absolute host path. */
  hostPath: string;
}

export interface LoadedProfile {
  /** Absolute path of the profile file. */
  path: string;
  /** As shown to the user. */
  file: string;
  /** The folder relative paths are resolved against. */
  dir: string;
  data: ProfileData;
  source: YamlSource;
  box: BoxDefinition;
  manifests: LoadedManifest[];
  sync: ResolvedSync[];
  /** Hash of what shapes the environment itself (box, ports, sync, resources): changing it recreates the environment. */
  environmentHash: string;
}

/** Finds the profile: -p FILE, else devenv.yaml in the working directory. */
export function locateProfile(option: string | undefined, cwd = process.cwd()): string {
  const path = resolve(cwd, option ?? DEFAULT_PROFILE);
  if (!existsSync(path)) {
    throw new UsageError(`no profile at ${displayPath(path)}`, {
      hint: option ? 'check the path given to -p/--profile' : 'run `devenv init` to write one, or pass -p FILE',
    });
  }
  if (statSync(path).isDirectory()) {
    const inner = resolve(path, DEFAULT_PROFILE);
    if (existsSync(inner)) return inner;
    throw new UsageError(`${displayPath(path)} is a folder without a ${DEFAULT_PROFILE}`);
  }
  return path;
}

/**
 * Reads and validates the profile and everything it references (box definition,
 * manifests, synced folders) before anything touches an engine.
 */
export async function loadProfile(path: string): Promise<LoadedProfile> {
  const source = await readYamlSource(path);
  if (source.doc.contents === null) {
    throw configErrorAt(source, [], 'the profile is empty (it needs at least "name" and "box")');
  }
  const data = validateSource(source, ProfileSchema);
  const dir = dirname(path);

  const boxPath = resolveBoxPath(data.box, dir);
  if (!boxPath) throw boxNotFound(source, ['box'], data.box);
  const box = await loadBoxDefinition(boxPath, { source, at: ['box'] });

  if (data.backend === 'vagrant' && !data.vagrant) {
    throw configErrorAt(source, ['backend'], 'backend "vagrant" needs a "vagrant" block (at least its provider)');
  }

  const seenHostPorts = new Map<string, number>();
  data.ports.forEach((port, index) => {
    const key = `${port.hostIp}:${port.hostPort}/${port.protocol}`;
    const earlier = seenHostPorts.get(key);
    if (earlier !== undefined) throw configErrorAt(source, ['ports', index], `host port ${key} is already used by ports[${earlier}]`);
    seenHostPorts.set(key, index);
  });

  const sync: ResolvedSync[] = data.sync.map((folder, index) => {
    const hostPath = isAbsolute(folder.host) ? folder.host : resolve(dir, folder.host);
    if (!existsSync(hostPath)) throw configErrorAt(source, ['sync', index], `the host folder ${displayPath(hostPath)} does not exist`);
    return { ...folder, hostPath };
  });

  const manifests: LoadedManifest[] = [];
  const seenManifests = new Set<string>();
  for (const [index, manifest] of data.manifests.entries()) {
    const manifestPath = isAbsolute(manifest) ? manifest : resolve(dir, manifest);
    if (seenManifests.has(manifestPath)) throw configErrorAt(source, ['manifests', index], `${manifest} is listed twice`);
    seenManifests.add(manifestPath);
    manifests.push(await loadManifestFile(manifestPath, { source, at: ['manifests', index] }));
  }

  if (data.production?.facts !== undefined) {
    const factsPath = resolve(dir, data.production.facts);
    if (!existsSync(factsPath)) throw configErrorAt(source, ['production', 'facts'], `${displayPath(factsPath)} does not exist`);
  }

  const environmentHash = hashOf({
    box: box.hash,
    backend: data.backend,
    vagrant: data.vagrant,
    ports: data.ports,
    sync: sync.map((s) => [s.hostPath, s.guest, s.readOnly]),
    resources: data.resources,
  });

  return { path, file: source.file, dir, data, source, box, manifests, sync, environmentHash };
}
