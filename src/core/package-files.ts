import { fileURLToPath } from 'node:url';

/**
 * A file shipped with devenv (boxes/, Vagrantfile.template), by its path from the package root.
 * This module sits two folders below the root both as tsc emits it (dist/core/) and inside
 * the bundle (dist/bundle/devenv.cjs, where import.meta.url is the bundle's URL), and in src/
 * under the tests, so one relative URL serves all three.
 */
export function packageFile(relativePath: string): string {
  return fileURLToPath(new URL(`../../${relativePath}`, import.meta.url));
}
