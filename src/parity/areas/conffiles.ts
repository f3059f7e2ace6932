import type { Facts } from '../../facts/schema.js';
import { isMachinePackage, isVagrantAccessPackage } from '../classify.js';
import type { DriftTopic } from '../severity.js';
import { fileGroup } from '../system-files.js';
import { keysOf, type Emit, type ParityArea, type Place } from './area.js';
import { always, type Rules } from './rules.js';
import { comparedByFiles, compareFileMeta } from './files.js';

/** Parity of the conffiles fact area: its comparer and the drift topics it names, with their severity. */

export const conffilesTopics = {
  /** A package conffile whose content differs from the other side's (one or both edited since the package shipped it). */
  'conffiles.changed': always('error'),
} satisfies Rules;

function compareConffiles(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.conffiles;
  const a = act.conffiles;
  if (!r || !a) return;
  const skip = comparedByFiles(ref, act);
  for (const path of keysOf(r, a)) {
    if (skip.has(path)) continue;
    const rc = r[path];
    const ac = a[path];
    const at = `files.${path}`;
    const group: Place = { group: fileGroup(path), category: 'conffile' };
    const pkg = (rc ?? ac)!.package;
    const label = `conffile ${path} (${pkg})`;
    const state = (c: typeof rc): string =>
      c === undefined ? 'as packaged' : c.type === 'absent' ? 'deleted' : c.secret ? 'edited (secret: content not compared)' : 'edited';
    if (rc && ac) {
      if (rc.type !== ac.type) {
        emit('conffiles.changed', at, 'changed', state(rc), state(ac), `${label} is ${state(rc)} there, ${state(ac)} here`, group);
        continue;
      }
      compareFileMeta(emit, at, label, group, rc, ac);
      if (!rc.secret && !ac.secret && rc.sha256 && ac.sha256 && rc.sha256 !== ac.sha256) {
        emit(
          'conffiles.changed',
          `${at}.sha256`,
          'changed',
          rc.sha256,
          ac.sha256,
          `${label} is edited on both sides, differently (configuration-management headers ignored)`,
          group,
        );
      }
      continue;
    }
    // Edited on one side only: the other has what the package shipped, or not the package at all.
    const other = rc ? act : ref;
    const installed = other.packages?.deb ? Object.keys(other.packages.deb).some((name) => name === pkg || name.startsWith(`${pkg}:`)) : true;
    const otherState = installed ? 'as packaged' : `absent (${pkg} not installed)`;
    // The package is on one side only: its edited conffile reads as the package's absence does (a machine's, Vagrant's).
    const topic: DriftTopic = installed
      ? 'conffiles.changed'
      : isMachinePackage(pkg)
        ? 'packages.machine'
        : isVagrantAccessPackage(pkg)
          ? 'packages.vagrant'
          : 'conffiles.changed';
    if (rc) {
      emit(
        topic,
        at,
        installed ? 'changed' : 'missing',
        rc.sha256 ?? state(rc),
        otherState,
        `production's ${label} is ${state(rc)}; here it is ${otherState}`,
        group,
      );
    } else {
      emit(
        topic,
        at,
        installed ? 'changed' : 'extra',
        otherState,
        ac!.sha256 ?? state(ac),
        `${label} is ${state(ac)} here; production's is ${otherState}`,
        group,
      );
    }
  }
}

export const conffilesParity: ParityArea = { report: 'files', errorLevel: true, compare: (ref, act, emit) => compareConffiles(ref, act, emit) };
