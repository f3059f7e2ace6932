import { commentStyleFor } from '../manifest/header.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { DeclaredAptPin, DeclaredPythonPin, DeclaredState } from './types.js';

type ManifestResources = LoadedManifest['resources'];

/**
 * File resources devenv writes with its header: content it writes, in a format
 * with comments (the same rule apply uses). Links, folders, absent files and
 * JSON carry none, nor a file that says `header: false`.
 */
function carriesHeader(path: string, attributes: Record<string, unknown>): boolean {
  const ensure = attributes['ensure'];
  if (ensure !== undefined && ensure !== 'file' && ensure !== 'present') return false;
  // `header: false`: apply writes the file as given (renderDesiredContents), so there is no header to ask for.
  if (attributes['header'] === false) return false;
  const template = attributes['template'];
  if (template === undefined && attributes['content'] === undefined && attributes['source'] === undefined) return false;
  return commentStyleFor(path, typeof template === 'string' ? template : undefined) !== undefined;
}

/**
 * What the manifests declare, reduced to what checks compare against: the files
 * that must carry devenv's header, the pip and apt pins and the services. Pure over the parsed manifests.
 */
export function declaredStateFromManifests(manifests: readonly { resources: ManifestResources }[]): DeclaredState {
  const managedFiles = new Set<string>();
  const filePaths = new Set<string>();
  const pythonPins: DeclaredPythonPin[] = [];
  const aptPins: DeclaredAptPin[] = [];
  const services = new Set<string>();
  for (const { resources } of manifests) {
    for (const [path, attributes] of Object.entries(resources['file'] ?? {})) {
      filePaths.add(path);
      if (attributes && carriesHeader(path, attributes)) managedFiles.add(path);
    }
    for (const [name, attributes] of Object.entries(resources['pip'] ?? {})) {
      const venv = attributes?.['venv'];
      if (typeof venv !== 'string') continue;
      const ensure = attributes['ensure'];
      pythonPins.push({ venv, name, ensure: typeof ensure === 'string' || typeof ensure === 'number' ? String(ensure) : 'present' });
    }
    for (const [name, attributes] of Object.entries(resources['apt'] ?? {})) {
      const ensure = attributes?.['ensure'];
      aptPins.push({ name, ensure: typeof ensure === 'string' ? ensure : 'present' });
    }
    for (const name of Object.keys(resources['service'] ?? {})) services.add(name);
  }
  return { managedFiles: [...managedFiles].sort(), filePaths: [...filePaths].sort(), pythonPins, aptPins, services: [...services].sort() };
}
