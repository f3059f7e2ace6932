import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledBoxesDir, listBundledBoxNames, loadBoxDefinition, resolveBoxPath } from '../../../src/box/definition.js';

describe('bundled boxes', () => {
  it('ships debian-11, debian-12 and debian-13', () => {
    expect(listBundledBoxNames()).toEqual(['debian-11', 'debian-12', 'debian-13']);
  });

  it.each(['debian-11', 'debian-12', 'debian-13'])('%s is a valid definition named after its file', async (name) => {
    const path = resolveBoxPath(name, '/nonexistent-profile-dir');
    expect(path).toBe(join(bundledBoxesDir(), `${name}.yaml`));
    const box = await loadBoxDefinition(path!);
    expect(box.name).toBe(name);
    expect(box.os.id).toBe('debian');
    expect(box.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses names that could be paths or options', () => {
    expect(resolveBoxPath('Debian-12', '/tmp')).toBeUndefined();
    expect(resolveBoxPath('-debian', '/tmp')).toBeUndefined();
    expect(resolveBoxPath('debian 12', '/tmp')).toBeUndefined();
  });
});
