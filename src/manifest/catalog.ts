import { ConfigError } from '../core/errors.js';
import { configErrorAt } from '../profile/yaml-source.js';
import { formatCycle, orderResources, type OrderingEdge } from './graph.js';
import type { LoadedManifest } from './load.js';
import { isResourceType, providerFor, resourceTypes } from './providers.js';
import type { Resource } from './resource.js';
import { RELATION_KEYS } from './schema.js';

/**
 * Every resource of a profile's manifests, with references resolved, implied
 * edges added and a deterministic apply order. Building it is the last load-time
 * check: anything wrong here is a ConfigError (exit 2) before a target is touched.
 */
export interface Catalog {
  /** In apply order. */
  ordered: Resource[];
  byRef: ReadonlyMap<string, Resource>;
  edges: OrderingEdge[];
}

/**
 * One catalog per list of manifests: a provision checks it at load, hashes its inputs
 * and plans from it, and the manifests do not change in between (nor does a catalog).
 */
const built = new WeakMap<readonly LoadedManifest[], Catalog>();

export function buildCatalog(manifests: readonly LoadedManifest[]): Catalog {
  let catalog = built.get(manifests);
  if (!catalog) {
    catalog = buildCatalogOnce(manifests);
    built.set(manifests, catalog);
  }
  return catalog;
}

function buildCatalogOnce(manifests: readonly LoadedManifest[]): Catalog {
  const declared: Resource[] = [];
  const byRef = new Map<string, Resource>();
  for (const manifest of manifests) {
    for (const resource of manifest.declarations) {
      const earlier = byRef.get(resource.ref);
      if (earlier) {
        throw configErrorAt(resource.origin.source, resource.origin.path, `${resource.ref} is already declared in ${earlier.origin.source.file}`, {
          which: 'key',
        });
      }
      byRef.set(resource.ref, resource);
      declared.push(resource);
    }
  }

  const edges: OrderingEdge[] = [];
  for (const resource of declared) {
    for (const key of RELATION_KEYS) {
      resource.relations[key].forEach((target, index) => {
        if (!byRef.has(target)) throw unknownReference(resource, key, index, target, byRef);
        const refresh = key === 'subscribe' || key === 'notify';
        const dependsOnTarget = key === 'require' || key === 'subscribe';
        edges.push(dependsOnTarget ? { from: target, to: resource.ref, refresh } : { from: resource.ref, to: target, refresh });
      });
    }
    // The edges people forget to write, each type's own (a file after its folder and owner, a service after its package…).
    const implied = providerFor(resource.type).impliedAfter?.(resource, byRef) ?? [];
    edges.push(...implied.map((from) => ({ from, to: resource.ref, refresh: false })));
  }

  const result = orderResources(
    declared.map((r) => r.ref),
    edges,
  );
  if (!result.ok) {
    const first = byRef.get(result.cycle[0]!)!;
    throw configErrorAt(first.origin.source, first.origin.path, `dependency cycle: ${formatCycle(result.cycle)}`, { which: 'key' });
  }
  return { ordered: result.order.map((ref) => byRef.get(ref)!), byRef, edges };
}

function unknownReference(resource: Resource, key: string, index: number, target: string, byRef: ReadonlyMap<string, Resource>): ConfigError {
  const at = [...resource.origin.path, key, ...(isListWritten(resource, key) ? [index] : [])];
  const colon = target.indexOf(':');
  const type = colon > 0 ? target.slice(0, colon) : '';
  if (colon <= 0 || !isResourceType(type)) {
    return configErrorAt(resource.origin.source, at, `"${target}" is not a reference; write type:name with a type among ${resourceTypes().join(', ')}`);
  }
  const sameName = [...byRef.keys()].filter((ref) => ref.endsWith(`:${target.slice(colon + 1)}`));
  const hint = sameName.length ? ` (did you mean ${sameName.join(' or ')}?)` : '';
  return configErrorAt(resource.origin.source, at, `${target} is not declared in any manifest of this profile${hint}`);
}

function isListWritten(resource: Resource, key: string): boolean {
  const value = resource.origin.source.doc.getIn([...resource.origin.path, key]) as unknown;
  return typeof value === 'object' && value !== null && 'items' in value;
}

/** Every refresh source of each resource: subscribe on the receiver, notify on the sender. */
export function refreshSources(catalog: Catalog): Map<string, string[]> {
  const sources = new Map<string, string[]>();
  for (const edge of catalog.edges) {
    if (!edge.refresh) continue;
    const list = sources.get(edge.to) ?? [];
    if (!list.includes(edge.from)) list.push(edge.from);
    sources.set(edge.to, list);
  }
  return sources;
}
