import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintKeyPath, loadFingerprintKey } from '../../../src/facts/fingerprint-key.js';

describe('loadFingerprintKey', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const project = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'devenv-key-'));
    dirs.push(dir);
    return dir;
  };

  it('creates a random key readable by the owner only, and returns the same one after', async () => {
    const dir = await project();
    const key = await loadFingerprintKey(dir);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(fingerprintKeyPath(dir))).mode & 0o777).toBe(0o600);
    expect(await loadFingerprintKey(dir)).toBe(key);
    expect(await loadFingerprintKey(await project())).not.toBe(key);
  });

  it('refuses a key file that is not one', async () => {
    const dir = await project();
    await loadFingerprintKey(dir);
    await writeFile(fingerprintKeyPath(dir), 'hello\n');
    await expect(loadFingerprintKey(dir)).rejects.toThrow(/not a devenv fingerprint key/);
  });
});
