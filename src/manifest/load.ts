import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap } from 'yaml';
import { configErrorAt, displayPath, readYamlSource, validateSource, type FieldPath, type YamlSource } from '../profile/yaml-source.js';
import { refOf, type Resource } from './resource.js';
import { ATTRIBUTE_SCHEMAS, checkResourceName, ManifestSchema, RELATION_KEYS, RESOURCE_TYPES, type RelationKey } from './schema.js';

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

/** Validates a parsed manifest; separate from reading so tests can feed text. */
export function parseManifest(source: YamlSource): LoadedManifest {
  const contents = source.doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw configErrorAt(source, [], 'a manifest is a mapping of resource type → name → attributes');
  }
  const raw = validateSource(source, ManifestSchema);
  const dir = dirname(source.path);
  const declarations: Resource[] = [];
  // Document order of the types as written, so ties follow what the reader sees.
  const typesInOrder = Object.keys(raw).filter((key): key is (typeof RESOURCE_TYPES)[number] => (RESOURCE_TYPES as readonly string[]).includes(key));
  for (const type of typesInOrder) {
    const entries = raw[type] ?? {};
    for (const name of Object.keys(entries)) {
      const at: FieldPath = [type, name];
      const nameProblem = checkResourceName(type, name);
      if (nameProblem) throw configErrorAt(source, at, nameProblem, { which: 'key' });
      const attrs = validateSource(source, ATTRIBUTE_SCHEMAS[type], at) as Record<string, unknown>;
      const relations = Object.fromEntries(RELATION_KEYS.map((key) => [key, (attrs[key] as string[] | undefined) ?? []])) as Record<RelationKey, string[]>;
      for (const key of RELATION_KEYS) delete attrs[key];
      const resource = { type, name, ref: refOf(type, name), attrs, relations, origin: { source, dir, path: at } } as Resource;
      checkLocalFiles(resource);
      declarations.push(resource);
    }
  }
  return { path: source.path, file: source.file, source, resources: (source.doc.toJS() ?? {}) as LoadedManifest['resources'], declarations };
}

/** `source:` and `template:` are relative to the manifest and must exist now, not halfway through an apply. */
function checkLocalFiles(resource: Resource): void {
  if (resource.type !== 'file') return;
  for (const key of ['source', 'template'] as const) {
    const relative = resource.attrs[key];
    if (relative === undefined) continue;
    const at = [...resource.origin.path, key];
    if (isAbsolute(relative)) {
      throw configErrorAt(resource.origin.source, at, `"${relative}" must be relative to the manifest (it is read on this machine, not in the guest)`);
    }
    const full = resolve(resource.origin.dir, relative);
    if (!existsSync(full)) throw configErrorAt(resource.origin.source, at, `${displayPath(full)} does not exist`);
    if (!statSync(full).isFile()) throw configErrorAt(resource.origin.source, at, `${displayPath(full)} is not a file`);
    try {
      accessSync(full, constants.R_OK);
    } catch (error) {
      throw configErrorAt(resource.origin.source, at, `${displayPath(full)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
}

export function manifestSourcePath(resource: Resource, relative: string): string {
  return resolve(resource.origin.dir, relative);
}
