import type { Facts } from '../../facts/schema.js';
import { keysOf, type Emit, type ParityArea, type Place } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the trees fact area: its comparer and the drift topics it names, with their severity. */

export const treesTopics = {
  /** A tree under /usr/local or /opt (an agent, a script in /usr/local/bin): on one side only, or its content differs. */
  'trees.changed': always('error'),
  'trees.meta': always('warning'),
} satisfies Rules;

function compareTrees(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.trees;
  const a = act.trees;
  if (!r || !a) return;
  for (const path of keysOf(r, a)) {
    const rt = r[path];
    const at = a[path];
    const dp = `files.${path}`;
    const place: Place = { group: path, category: 'tree' };
    // An empty directory on one side is the same as none: /usr/local/games exists on some hosts only.
    // Both there, one empty: the entries say what the other has.
    const empty = (t: typeof rt): boolean => t === undefined || (t.type === 'directory' && t.count === 0);
    if (empty(rt) && empty(at)) continue;
    if (!rt) {
      emit('trees.changed', dp, 'extra', undefined, `${at!.count} entries`, `${path} exists only here (${at!.count} entries)`, place);
      continue;
    }
    if (!at) {
      emit('trees.changed', dp, 'missing', `${rt.count} entries`, undefined, `production has ${path} (${rt.count} entries); it is missing here`, place);
      continue;
    }
    if (rt.type !== at.type || rt.link_target !== at.link_target) {
      emit(
        'trees.changed',
        dp,
        'changed',
        rt.link_target ?? rt.type,
        at.link_target ?? at.type,
        `${path}: expected ${rt.link_target ? `a link to ${rt.link_target}` : `a ${rt.type}`}, got ${at.link_target ? `a link to ${at.link_target}` : `a ${at.type}`}`,
        place,
      );
      continue;
    }
    if (rt.digest === at.digest && rt.content === at.content) continue;
    if (rt.truncated || at.truncated || rt.content !== at.content) {
      emit(
        'trees.changed',
        `${dp}.digest`,
        'changed',
        `${rt.count} entries`,
        `${at.count} entries`,
        `${path} differs (${rt.count} entries there, ${at.count} here; too large to list)`,
        place,
      );
      continue;
    }
    for (const rel of keysOf(rt.entries, at.entries)) {
      const re = rt.entries[rel];
      const ae = at.entries[rel];
      const ep = `${dp}/${rel}`;
      const full = `${path}/${rel}`;
      if (re && !ae) emit('trees.changed', ep, 'missing', re.sha256 ?? re.type, undefined, `production has ${full}; it is missing here`, place);
      else if (!re && ae) emit('trees.changed', ep, 'extra', undefined, ae.sha256 ?? ae.type, `${full} exists only here`, place);
      else if (re && ae) {
        if (re.type !== ae.type || re.link_target !== ae.link_target || re.sha256 !== ae.sha256 || (re.sha256 === undefined && re.size !== ae.size)) {
          emit('trees.changed', ep, 'changed', re.sha256 ?? re.link_target ?? re.type, ae.sha256 ?? ae.link_target ?? ae.type, `${full} differs`, place);
        } else {
          for (const key of ['mode', 'owner', 'group'] as const) {
            if (re[key] !== ae[key])
              emit('trees.meta', `${ep}.${key}`, 'changed', re[key], ae[key], `${full} ${key}: expected ${re[key]}, got ${ae[key]}`, place);
          }
        }
      }
    }
  }
}

export const treesParity: ParityArea = { report: 'files', errorLevel: true, compare: (ref, act, emit) => compareTrees(ref, act, emit) };
