import { dirname, resolve } from 'node:path';
import { isMap } from 'yaml';
import { z } from 'zod';
import { configErrorAt, readYamlSource, validateSource, type FieldPath, type YamlSource } from '../profile/yaml-source.js';
import { providerFor, resourceTypes } from './providers.js';
import { refOf, type Resource } from './resource.js';
import { RELATION_KEYS, type RelationKey } from './schema.js';

/**
 * A manifest file, parsed and validated on its own: names, attributes, paths
 * of sources and templates. Checks that need every manifest (references,
 * duplicates across files, cycles) are in catalog.ts.
 */
export interface LoadedManifest {
  path: string;
  file: string;
  source: YamlSource;
  /** type → name → attributes, as written. */
  resources: Record<string, Record<string, Record<string, unknown>>>;
  /** The validated resources, in the order they are written. */
  declarations: Resource[];
}

export async function loadManifestFile(path: string, referencedFrom?: { source: YamlSource; at: FieldPath }): Promise<LoadedManifest> {
  const source = await readYamlSource(path, referencedFrom);
  return parseManifest(source);
}

/** The top level of a manifest: only known types, each a mapping of name → attributes. */
function manifestSchema(): z.ZodType<Record<string, Record<string, unknown> | undefined>> {
  return z.strictObject(Object.fromEntries(resourceTypes().map((type) => [type, z.record(z.string(), z.unknown()).optional()])));
}

/** Validates a parsed manifest; separate from reading so tests can feed text. */
export function parseManifest(source: YamlSource): LoadedManifest {
  const contents = source.doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw configErrorAt(source, [], 'a manifest is a mapping of resource type → name → attributes');
  }
  const raw = validateSource(source, manifestSchema());
  const dir = dirname(source.path);
  const declarations: Resource[] = [];
  // Document order of the types as written, so ties follow what the reader sees.
  const known = resourceTypes();
  const typesInOrder = Object.keys(raw).filter((key) => known.includes(key));
  for (const type of typesInOrder) {
    const provider = providerFor(type);
    const entries = raw[type] ?? {};
    for (const name of Object.keys(entries)) {
      const at: FieldPath = [type, name];
      const nameProblem = provider.nameProblem(name);
      if (nameProblem) throw configErrorAt(source, at, nameProblem, { which: 'key' });
      const attrs = validateSource(source, provider.attributes, at) as Record<string, unknown>;
      const relations = Object.fromEntries(RELATION_KEYS.map((key) => [key, (attrs[key] as string[] | undefined) ?? []])) as Record<RelationKey, string[]>;
      for (const key of RELATION_KEYS) delete attrs[key];
      const resource = { type, name, ref: refOf(type, name), attrs, relations, origin: { source, dir, path: at } } as Resource;
      provider.checkDeclared?.(resource);
      declarations.push(resource);
    }
  }
  return { path: source.path, file: source.file, source, resources: (source.doc.toJS() ?? {}) as LoadedManifest['resources'], declarations };
}

export function manifestSourcePath(resource: Resource, relative: string): string {
  return resolve(resource.origin.dir, relative);
}
