import { configErrorAt, readYamlSource, type FieldPath, type YamlSource } from '../profile/yaml-source.js';
import { isMap } from 'yaml';

/**
 * A manifest file, parsed and validated. (The resource schema, graph and plan
 * live beside this file; this loader is what the profile loader calls so that
 * every manifest is validated before anything touches an engine.)
 */
export interface LoadedManifest {
  path: string;
  file: string;
  source: YamlSource;
  /** type → name → attributes, as written (validated by the manifest schema). */
  resources: Record<string, Record<string, Record<string, unknown>>>;
}

export async function loadManifestFile(path: string, referencedFrom?: { source: YamlSource; at: FieldPath }): Promise<LoadedManifest> {
  const source = await readYamlSource(path, referencedFrom);
  const contents = source.doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw configErrorAt(source, [], 'a manifest is a mapping of resource type → name → attributes');
  }
  const resources = (source.doc.toJS() ?? {}) as LoadedManifest['resources'];
  return { path, file: source.file, source, resources };
}
