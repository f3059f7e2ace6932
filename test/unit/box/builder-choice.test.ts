import { describe, expect, it } from 'vitest';
import { chooseBoxBuilder, type BuilderProbe } from '../../../src/box/builder-choice.js';
import { UsageError } from '../../../src/core/errors.js';

const probe = (over: Partial<BuilderProbe> = {}): BuilderProbe => ({
  forced: undefined,
  dockerHost: undefined,
  isRoot: true,
  debootstrapInstalled: async () => true,
  ...over,
});

describe('chooseBoxBuilder', () => {
  it('builds on the host when debootstrap is installed, we are root and the engine is local', async () => {
    expect(await chooseBoxBuilder(probe())).toBe('host');
    expect(await chooseBoxBuilder(probe({ dockerHost: 'unix:///run/podman/podman.sock' }))).toBe('host');
  });

  it('builds in the engine otherwise: remote engine, no root, no debootstrap', async () => {
    expect(await chooseBoxBuilder(probe({ dockerHost: 'tcp://10.0.0.2:2376' }))).toBe('engine');
    expect(await chooseBoxBuilder(probe({ dockerHost: 'ssh://me@box' }))).toBe('engine');
    expect(await chooseBoxBuilder(probe({ isRoot: false }))).toBe('engine');
    expect(await chooseBoxBuilder(probe({ debootstrapInstalled: async () => false }))).toBe('engine');
  });

  it('DEVENV_BOX_BUILDER forces one; another value is a usage error', async () => {
    expect(await chooseBoxBuilder(probe({ forced: 'engine' }))).toBe('engine');
    expect(await chooseBoxBuilder(probe({ forced: 'host', isRoot: false }))).toBe('host');
    await expect(chooseBoxBuilder(probe({ forced: 'vm' }))).rejects.toThrow(UsageError);
  });
});
