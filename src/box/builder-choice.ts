import { UsageError } from '../core/errors.js';

export type BoxBuilder = 'host' | 'engine';

export interface BuilderProbe {
  /** DEVENV_BOX_BUILDER */
  forced: string | undefined;
  /** DOCKER_HOST */
  dockerHost: string | undefined;
  isRoot: boolean;
  debootstrapInstalled: () => Promise<boolean>;
}

/**
 * Where a box is built. debootstrap on this machine (the fast path) when it is
 * installed, we are root and the engine is local, so the tree it writes is on
 * the engine's own machine; otherwise debootstrap in a container of the engine,
 * which needs nothing here. `DEVENV_BOX_BUILDER=host|engine` forces one.
 */
export async function chooseBoxBuilder(probe: BuilderProbe): Promise<BoxBuilder> {
  const forced = probe.forced?.trim();
  if (forced === 'host' || forced === 'engine') return forced;
  if (forced) throw new UsageError(`DEVENV_BOX_BUILDER=${forced} is not a box builder (host or engine)`);
  const localEngine = !probe.dockerHost || probe.dockerHost.startsWith('unix://');
  if (!localEngine || !probe.isRoot) return 'engine';
  return (await probe.debootstrapInstalled()) ? 'host' : 'engine';
}
