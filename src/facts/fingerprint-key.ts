import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationError } from '../core/errors.js';

/**
 * The per-project key for keyed fingerprints (env values, secret files): random,
 * created 0600 on first use at `<profile dir>/.devenv/fingerprint.key`. The same
 * key on both sides makes "production and staging share a secret" visible as
 * equal fingerprints, while the values themselves never leave either machine.
 */
export function fingerprintKeyPath(profileDir: string): string {
  return join(profileDir, '.devenv', 'fingerprint.key');
}

export async function loadFingerprintKey(profileDir: string): Promise<string> {
  const path = fingerprintKeyPath(profileDir);
  await mkdir(join(profileDir, '.devenv'), { recursive: true, mode: 0o700 });
  const fresh = randomBytes(32).toString('hex');
  try {
    // 'wx': create only if absent, so two runs at once cannot each write their own key.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${fresh}\n`);
    } finally {
      await handle.close();
    }
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new OperationError(`could not create the fingerprint key ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const existing = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(existing)) {
    throw new OperationError(`${path} is not a devenv fingerprint key (64 hex characters)`, { hint: 'delete it and run again to make a new one' });
  }
  return existing;
}
