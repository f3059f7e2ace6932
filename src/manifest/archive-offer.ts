import type { Progress } from '../core/progress.js';
import { isPinnedVersion } from '../core/debian-version.js';
import type { Catalog } from './catalog.js';
import type { Resource } from './resource.js';
import type { Target } from '../targets/target.js';
import { normalizePipName } from './schema.js';
import { ArchiveStore } from '../lock/archive-store.js';
import { importArchive } from '../lock/archive-dir.js';
import { isArchiveUrl } from '../profile/schema.js';
import { OperationError } from '../core/errors.js';
import { archiveOffer, offerArchive, OFFERED_WHEELS_DIR, readInstalled } from '../lock/environment-packages.js';

export interface Offered {
  debs: number;
  wheels: number;
  findLinks: { dir: string; noIndex: boolean };
}

/**
 * Before a provision: the catalog's exact apt pins (the lock's among them) and pip
 * pins that the own archive holds and the environment lacks are shipped in (see
 * offerArchive). With an empty archive this costs nothing, not even a round trip.
 */
export async function offerOwnArchive(
  catalog: Catalog,
  target: Target,
  progress: Progress,
  archives: readonly string[] = [],
  store = new ArchiveStore(),
): Promise<Offered> {
  // The profile's shared archives join this machine's first (idempotent: content-addressed).
  for (const location of archives) {
    try {
      await progress.step(`Reading the archive ${location}`, () => importArchive(store, location));
    } catch (error) {
      // A team's archive server that does not answer is not this run's end: what this machine's archive
      // and the mirror hold may be all it needs, and a version neither has is named by apt's own error.
      if (!(isArchiveUrl(location) && error instanceof OperationError)) throw error;
      progress.warn(`${error.message}; going on with this machine's archive and the mirror`);
    }
  }
  const none: Offered = { debs: 0, wheels: 0, findLinks: { dir: OFFERED_WHEELS_DIR, noIndex: false } };
  const aptPins = new Map<string, string>();
  const pipPins: { name: string; version: string }[] = [];
  for (const resource of catalog.ordered) {
    if (resource.type === 'apt' && isPinnedVersion(resource.attrs.ensure)) aptPins.set(resource.name, resource.attrs.ensure);
    if (resource.type === 'pip' && resource.attrs.ensure !== 'absent') pipPins.push({ name: resource.name, version: resource.attrs.ensure });
  }
  const archived = [...(await store.listDebs()).values()];
  const wheels = [...(await store.listWheels()).values()];
  const mayOffer = (aptPins.size > 0 && archived.length > 0) || (pipPins.length > 0 && wheels.length > 0);
  if (!mayOffer) return none;
  const installed = await readInstalled(target);
  const offer = archiveOffer({
    aptPins,
    installed: installed.packages,
    nativeArch: installed.nativeArch,
    archived,
    pipPins,
    wheels,
    offeredWheels: installed.offeredWheels,
  });
  const wheelsThere = wheels.filter((wheel) => installed.offeredWheels.includes(wheel.file)).length + offer.wheels.length;
  const findLinks = {
    dir: OFFERED_WHEELS_DIR,
    noIndex:
      pipPins.length > 0 &&
      pipPins.every((pin) =>
        wheels.some(
          (w) => w.version === pin.version && w.name === normalizePipName(pin.name) && (installed.offeredWheels.includes(w.file) || offer.wheels.includes(w)),
        ),
      ),
  };
  if (offer.debs.length === 0 && offer.wheels.length === 0) return wheelsThere > 0 ? { debs: 0, wheels: wheelsThere, findLinks } : none;
  await progress.step(`Offering ${offer.debs.length} packages and ${offer.wheels.length} wheels from the own archive`, () =>
    offerArchive(target, store, offer.debs, offer.wheels),
  );
  return { debs: offer.debs.length, wheels: wheelsThere, findLinks };
}

/** Of the given apt resources, those whose exact version the own archive holds: ref → version. */
export async function archivedPins(resources: readonly (Resource | undefined)[], store = new ArchiveStore()): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const resource of resources) {
    if (resource?.type !== 'apt' || !isPinnedVersion(resource.attrs.ensure)) continue;
    if (await store.findDeb(resource.name, resource.attrs.ensure)) held.set(resource.ref, resource.attrs.ensure);
  }
  return held;
}
