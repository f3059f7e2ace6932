import type { LoadedManifest } from '../manifest/load.js';
import type { DeclaredPythonPin, DeclaredState } from './types.js';

type ManifestResources = LoadedManifest['resources'];

/** File resources devenv writes content into; links, folders and absent files carry no header. */
function writesContent(attributes: Record<string, unknown>): boolean {
  const ensure = attributes['ensure'];
  if (ensure !== undefined && ensure !== 'file' && ensure !== 'present') return false;
  return attributes['template'] !== undefined || attributes['content'] !== undefined || attributes['source'] !== undefined;
}

/**
 * What the manifests declare, reduced to what checks compare against: the files
 * devenv writes, the pip pins and the services. Pure over the parsed manifests.
 */
export function declaredStateFromManifests(manifests: readonly { resources: ManifestResources }[]): DeclaredState {
  const managedFiles = new Set<string>();
  const pythonPins: DeclaredPythonPin[] = [];
  const services = new Set<string>();
  for (const { resources } of manifests) {
    for (const [path, attributes] of Object.entries(resources['file'] ?? {})) {
      if (attributes && writesContent(attributes)) managedFiles.add(path);
    }
    for (const [name, attributes] of Object.entries(resources['pip'] ?? {})) {
      const venv = attributes?.['venv'];
      if (typeof venv !== 'string') continue;
      const ensure = attributes['ensure'];
      pythonPins.push({ venv, name, ensure: typeof ensure === 'string' || typeof ensure === 'number' ? String(ensure) : 'present' });
    }
    for (const name of Object.keys(resources['service'] ?? {})) services.add(name);
  }
  return { managedFiles: [...managedFiles].sort(), pythonPins, services: [...services].sort() };
}
