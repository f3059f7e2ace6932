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

describe('box mask_units', () => {
  it('accepts systemd unit names and rejects anything else with the position', async () => {
    const { mkdtemp, writeFile, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadBoxDefinition, bundledBoxesDir } = await import('../../../src/box/definition.js');
    const trixie = await loadBoxDefinition(`${bundledBoxesDir()}debian-13.yaml`);
    expect(trixie.mask_units).toEqual(['tmp.mount']);
    const dir = await mkdtemp(join(tmpdir(), 'devenv-box-'));
    const path = join(dir, 'bad.yaml');
    await writeFile(path, `${await readFile(`${bundledBoxesDir()}debian-12.yaml`, 'utf8')}mask_units: [tmp.mount, "x; rm -rf /"]\n`);
    const error = await loadBoxDefinition(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(/bad\.yaml:\d+:\d+: mask_units\[1\]: must be a systemd unit name/);
  });
});
