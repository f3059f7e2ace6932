import { resolve } from 'node:path';
import { parseYamlSource } from '../../../src/profile/yaml-source.js';
import { buildCatalog, type Catalog } from '../../../src/manifest/catalog.js';
import { parseManifest, type LoadedManifest } from '../../../src/manifest/load.js';

/** A manifest parsed from text, as if it lived at test/unit/manifest/<name> (so messages show that path). */
export function manifestFromText(text: string, name = 'inline.yaml'): LoadedManifest {
  return parseManifest(parseYamlSource(text, resolve('test/unit/manifest', name)));
}

export function catalogFromText(...texts: string[]): Catalog {
  return buildCatalog(texts.map((text, index) => manifestFromText(text, `m${index + 1}.yaml`)));
}

/** The ConfigError message a function throws, or a failure. */
export function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}
