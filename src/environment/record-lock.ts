import type { Progress } from '../core/progress.js';
import { buildCatalog } from '../manifest/catalog.js';
import { writeProvisionedMarker } from '../manifest/provisioned-marker.js';
import { provisionInputsHash } from '../provisioners/stages.js';
import type { LoadedProfile } from './load.js';
import { displayPath } from '../profile/yaml-source.js';
import type { Target } from '../targets/target.js';
import { ArchiveStore } from '../lock/archive-store.js';
import { readEnvironmentLock } from '../lock/environment-packages.js';
import { readLock, writeLock, type LockData } from '../lock/lock-file.js';

export interface LockRecord {
  path: string;
  /** Entries the lock did not have before (all of them for a new lock). */
  added: number;
  written: boolean;
  profile: LoadedProfile;
}

/**
 * The lock grows with the environment (pure): new packages are added and what an
 * entry lacked (an architecture, a sha256) is filled in, but a locked version is
 * never changed here; only `devenv lock --update` does that.
 */
export function mergeLock(locked: LockData | undefined, current: LockData): { data: LockData; added: number; changed: boolean } {
  if (!locked)
    return { data: current, added: Object.keys(current.apt).length + Object.values(current.pip).reduce((n, v) => n + Object.keys(v).length, 0), changed: true };
  let added = 0;
  let changed = false;
  const apt = { ...locked.apt };
  for (const [key, entry] of Object.entries(current.apt)) {
    const before = apt[key];
    if (!before) {
      apt[key] = entry;
      added++;
      changed = true;
    } else if (before.version === entry.version && ((!before.arch && entry.arch) || (!before.sha256 && entry.sha256))) {
      apt[key] = {
        ...entry,
        ...before,
        ...(before.arch ? {} : entry.arch ? { arch: entry.arch } : {}),
        ...(before.sha256 ? {} : entry.sha256 ? { sha256: entry.sha256 } : {}),
      };
      changed = true;
    }
  }
  const pip: LockData['pip'] = Object.fromEntries(Object.entries(locked.pip).map(([venv, wheels]) => [venv, { ...wheels }]));
  for (const [venv, wheels] of Object.entries(current.pip)) {
    const into = (pip[venv] ??= {});
    for (const [name, entry] of Object.entries(wheels)) {
      const before = into[name];
      if (!before) {
        into[name] = entry;
        added++;
        changed = true;
      } else if (before.version === entry.version && !before.sha256 && entry.sha256) {
        into[name] = { ...before, sha256: entry.sha256 };
        changed = true;
      }
    }
  }
  return { data: { ...locked, apt, pip }, added, changed };
}

/**
 * After a clean provision: writes devenv.lock from what the environment now holds
 * (or adds to it), keeps what apt downloaded in the own archive, and re-marks the
 * environment as provisioned from inputs that now include the lock (it matches it).
 */
export async function recordLock(profile: LoadedProfile, target: Target, progress: Progress, options: { update?: boolean } = {}): Promise<LockRecord> {
  const store = new ArchiveStore();
  const venvs = buildCatalog(profile.manifests).ordered.flatMap((r) => (r.type === 'venv' && r.attrs.ensure === 'present' ? [r.name] : []));
  const current = await progress.step('Locking the packages', () => readEnvironmentLock(target, profile.data.box, venvs, store));
  const merged = mergeLock(options.update ? undefined : profile.lock?.data, current);
  if (!merged.changed) return { path: profile.lock?.path ?? '', added: 0, written: false, profile };
  const path = await writeLock(profile.path, merged.data, profile.machine?.name);
  const lock = await readLock(profile.path, profile.data.box, profile.machine?.name);
  const updated: LoadedProfile = { ...profile, ...(lock ? { lock } : {}) };
  await writeProvisionedMarker(target, provisionInputsHash(updated));
  progress.info(
    `${displayPath(path)}: ${profile.lock && !options.update ? `${merged.added} packages added` : `${Object.keys(merged.data.apt).length} packages locked`}`,
  );
  return { path, added: merged.added, written: true, profile: updated };
}
