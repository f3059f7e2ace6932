import type { Facts } from '../../facts/schema.js';
import { APT_SOURCE_FILE, DEFAULT_APT_SOURCE_FILE, classifyUnowned, fileGroup, linkedUnit } from '../system-files.js';
import { isMachineUnit } from '../classify.js';
import type { DriftTopic } from '../severity.js';
import { keysOf, show, type Emit, type ParityArea, type Place } from './area.js';
import { always, type Rules } from './rules.js';
import { comparedByFiles, compareFileMeta } from './files.js';

/** Parity of the unowned_files fact area: its comparer and the drift topics it names, with their severity. */

export const unownedFilesTopics = {
  /** A file no package owns (production's own configuration): on one side only, or different. */
  'unowned.config': always('error'),
  /** A file the base system derives from the package set (rc?.d, alternatives, pam common-*) whose content differs. */
  'unowned.generated': always('warning'),
  /** A derived file on one side only: the package set (reported under packages) makes it. */
  'unowned.generated.presence': always('info'),
  /** Per-machine files (host keys, fstab, ld.so.cache), those another section compares, and devenv's box plumbing. */
  'unowned.machine': always('info'),
  /** A systemctl enable/mask link of a unit that is not a service or timer (those are compared by state). */
  'unowned.enablement': always('warning'),
} satisfies Rules;

function compareUnowned(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.unowned_files;
  const a = act.unowned_files;
  if (!r || !a) return;
  const skip = comparedByFiles(ref, act);
  for (const path of keysOf(r, a)) {
    if (skip.has(path)) continue;
    const rf = r[path];
    const af = a[path];
    const type = (rf ?? af)!.type;
    const cls = classifyUnowned(path, type);
    if (cls === 'account_db') continue;
    const at = `files.${path}`;
    const group: Place = { group: fileGroup(path), category: 'unowned' };
    let presence: DriftTopic;
    let content: DriftTopic;
    if (cls === 'config') {
      const aptDefault = DEFAULT_APT_SOURCE_FILE.test(path);
      presence = aptDefault ? 'unowned.machine' : 'unowned.config';
      content = APT_SOURCE_FILE.test(path) ? 'unowned.machine' : 'unowned.config';
    } else if (cls === 'generated') {
      presence = 'unowned.generated.presence';
      content = 'unowned.generated';
    } else if (cls === 'enablement') {
      const unit = linkedUnit(path);
      // Services and timers: their enabled state is compared where they are.
      if (/\.(service|timer)$/.test(unit)) continue;
      presence = isMachineUnit(unit.replace(/\.[a-z]+$/, '')) ? 'services.machine' : 'unowned.enablement';
      content = presence;
    } else {
      presence = 'unowned.machine';
      content = 'unowned.machine';
    }
    const what = type === 'link' ? 'link' : 'file';
    if (rf && !af) {
      emit(
        presence,
        at,
        'missing',
        rf.link_target ?? rf.sha256 ?? rf.type,
        undefined,
        `production has ${what} ${path}, which no package owns; it is missing here`,
        group,
      );
      continue;
    }
    if (!rf && af) {
      emit(presence, at, 'extra', undefined, af.link_target ?? af.sha256 ?? af.type, `${what} ${path}, which no package owns, exists only here`, group);
      continue;
    }
    if (!rf || !af) continue;
    if (rf.type !== af.type) {
      emit(content, at, 'changed', rf.type, af.type, `${path}: expected a ${rf.type}, got a ${af.type}`, group);
      continue;
    }
    if (cls === 'config' || cls === 'generated') compareFileMeta(emit, at, `file ${path}`, group, rf, af);
    if (rf.type === 'link') {
      if (rf.link_target !== af.link_target)
        emit(
          content,
          `${at}.link_target`,
          'changed',
          rf.link_target,
          af.link_target,
          `link ${path}: expected ${show(rf.link_target)}, got ${show(af.link_target)}`,
          group,
        );
    } else if (!rf.secret && !af.secret && rf.sha256 && af.sha256 && rf.sha256 !== af.sha256) {
      emit(
        content,
        `${at}.sha256`,
        'changed',
        rf.sha256,
        af.sha256,
        `file ${path}, which no package owns, differs (configuration-management headers ignored)`,
        group,
      );
    }
  }
}

export const unownedFilesParity: ParityArea = { report: 'files', errorLevel: true, compare: (ref, act, emit) => compareUnowned(ref, act, emit) };
