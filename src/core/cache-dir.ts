import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where devenv keeps caches and locks on this machine (debootstrap's .debs, build trees, lock files). */
export function cacheDir(): string {
  return process.env.DEVENV_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devenv');
}
