import type { FieldPath, YamlSource } from '../profile/yaml-source.js';
import type { ResourceProvider } from './provider.js';
import type { RESOURCE_PROVIDERS } from './resources/registry.js';
import type { RelationKey } from './schema.js';

/** Where a resource was declared, so later errors (references, templates, cycles) can point at it. */
export interface ResourceOrigin {
  source: YamlSource;
  /** Folder that `source:` and `template:` paths are relative to. */
  dir: string;
  /** Field path of the resource inside its manifest: [type, name]. */
  path: FieldPath;
}

/** One declared resource of type T with attributes A (validated, relations taken out). */
export interface ResourceOf<T extends string, A> {
  type: T;
  name: string;
  /** "type:name", how relations refer to it. */
  ref: string;
  attrs: A;
  /** Explicit relations as written, each a "type:name" reference. */
  relations: Record<RelationKey, string[]>;
  origin: ResourceOrigin;
}

type ResourceOfProvider<P> = P extends ResourceProvider<infer T, infer A> ? ResourceOf<T, A> : never;

/** Every resource type the registry lists, as one union: its `type` tells them apart. */
export type Resource = ResourceOfProvider<(typeof RESOURCE_PROVIDERS)[number]>;
export type ResourceType = Resource['type'];

export function refOf(type: string, name: string): string {
  return `${type}:${name}`;
}
