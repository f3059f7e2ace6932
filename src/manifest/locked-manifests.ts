import type { LoadedManifest } from './load.js';
import { refOf, type Resource } from './resource.js';
import type { AptResource } from './resources/apt.js';
import type { PipResource } from './resources/python.js';
import { normalizePipName, RELATION_KEYS, type RelationKey } from './schema.js';
import { configErrorAt, positionOf } from '../profile/yaml-source.js';
import type { LoadedLock } from '../lock/lock-file.js';

const NO_RELATIONS = (): Record<RelationKey, string[]> => Object.fromEntries(RELATION_KEYS.map((key) => [key, []])) as unknown as Record<RelationKey, string[]>;

/**
 * The manifests as the lock makes them (pure): a package the manifests want
 * `present` or `latest` is pinned to the lock's version, and every other locked
 * package becomes an exact pin of its own, declared by the lock itself (so errors
 * and the plan point into devenv.lock). The catalog, observation, plan and apply
 * then need nothing new: the closure is installed in the manifests' own apt
 * transaction, at the lock's versions.
 *
 * A manifest pin that disagrees with the lock is a profile error naming both:
 * the lock is changed only by `devenv lock --update`, never silently.
 */
export function lockedManifests(manifests: readonly LoadedManifest[], lock: LoadedLock): LoadedManifest[] {
  const aptDeclared = new Map<string, AptResource>();
  const pipDeclared = new Map<string, PipResource>();
  const venvs = new Set<string>();
  for (const manifest of manifests) {
    for (const resource of manifest.declarations) {
      if (resource.type === 'apt') aptDeclared.set(resource.name, resource);
      if (resource.type === 'pip') pipDeclared.set(`${resource.attrs.venv}\0${normalizePipName(resource.name)}`, resource);
      if (resource.type === 'venv') venvs.add(resource.name);
    }
  }
  const lockAt = (path: (string | number)[]): string => {
    const position = positionOf(lock.source, path, 'key');
    return `${position.file}:${position.line}:${position.column}`;
  };

  const overridden = new Map<Resource, Resource>();
  for (const resource of aptDeclared.values()) {
    const locked = lock.data.apt[resource.name];
    if (!locked) continue;
    const ensure = resource.attrs.ensure;
    if (ensure === 'present' || ensure === 'latest') {
      overridden.set(resource, { ...resource, attrs: { ...resource.attrs, ensure: locked.version } });
    } else if (ensure !== locked.version) {
      const wants = ensure === 'absent' || ensure === 'purged' ? `wants ${resource.name} ${ensure}` : `pins ${resource.name} ${ensure}`;
      throw configErrorAt(
        resource.origin.source,
        [...resource.origin.path, 'ensure'],
        `${wants} but devenv.lock has ${locked.version} (${lockAt(['apt', resource.name])})`,
        {
          hint: 'change the one that is wrong; after changing a pin, `devenv lock --update` provisions from the manifests and writes the lock anew',
        },
      );
    }
  }
  for (const [venv, packages] of Object.entries(lock.data.pip)) {
    for (const [name, locked] of Object.entries(packages)) {
      const resource = pipDeclared.get(`${venv}\0${normalizePipName(name)}`);
      if (resource && resource.attrs.ensure !== locked.version) {
        throw configErrorAt(
          resource.origin.source,
          [...resource.origin.path, 'ensure'],
          `pins ${resource.name} ${resource.attrs.ensure} in ${venv} but devenv.lock has ${locked.version} (${lockAt(['pip', venv, name])})`,
          {
            hint: 'change the one that is wrong; after changing a pin, `devenv lock --update` provisions from the manifests and writes the lock anew',
          },
        );
      }
    }
  }

  const dir = lock.source.path.slice(0, lock.source.path.lastIndexOf('/') + 1) || '.';
  const declarations: Resource[] = [];
  const refs = new Set(manifests.flatMap((manifest) => manifest.declarations.map((resource) => resource.ref)));
  for (const [key, locked] of Object.entries(lock.data.apt)) {
    // A foreign architecture's package keeps its key (libc6:i386): the apt provider adds the architecture.
    if (aptDeclared.has(key)) continue;
    declarations.push({
      type: 'apt',
      name: key,
      ref: refOf('apt', key),
      attrs: { ensure: locked.version },
      relations: NO_RELATIONS(),
      origin: { source: lock.source, dir, path: ['apt', key] },
    });
  }
  for (const [venv, packages] of Object.entries(lock.data.pip)) {
    // Locked wheels go into the venvs the manifests make; a venv they no longer make is not revived.
    if (!venvs.has(venv)) continue;
    for (const [name, locked] of Object.entries(packages)) {
      const ref = refOf('pip', name);
      if (pipDeclared.has(`${venv}\0${normalizePipName(name)}`) || refs.has(ref)) continue;
      refs.add(ref);
      declarations.push({
        type: 'pip',
        name,
        ref,
        attrs: { ensure: locked.version, venv },
        relations: NO_RELATIONS(),
        origin: { source: lock.source, dir, path: ['pip', venv, name] },
      });
    }
  }
  const lockManifest: LoadedManifest = {
    path: lock.path,
    file: lock.source.file,
    source: lock.source,
    resources: { apt: Object.fromEntries(declarations.filter((r) => r.type === 'apt').map((r) => [r.name, { ensure: (r as AptResource).attrs.ensure }])) },
    declarations,
  };
  const rewritten = manifests.map((manifest) =>
    manifest.declarations.some((resource) => overridden.has(resource))
      ? { ...manifest, declarations: manifest.declarations.map((resource) => overridden.get(resource) ?? resource) }
      : manifest,
  );
  return [lockManifest, ...rewritten];
}

const locked = new WeakMap<readonly LoadedManifest[], { lock: LoadedLock; manifests: LoadedManifest[] }>();

/**
 * The manifests provisioning applies: the profile's own, with its lock applied when
 * it has one. The same array for the same inputs, so the catalog built from it is
 * built once (buildCatalog memoises by identity).
 */
export function provisionManifests(profile: { manifests: LoadedManifest[]; lock?: LoadedLock }): LoadedManifest[] {
  if (!profile.lock) return profile.manifests;
  const cached = locked.get(profile.manifests);
  if (cached && cached.lock === profile.lock) return cached.manifests;
  const manifests = lockedManifests(profile.manifests, profile.lock);
  locked.set(profile.manifests, { lock: profile.lock, manifests });
  return manifests;
}
