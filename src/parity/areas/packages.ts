import type { Facts } from '../../facts/schema.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the packages fact area: its comparer and the drift topics it names, with their severity. */

export const packagesTopics = {
  'packages.set': always('error'),
  'packages.version': always('error'),
  /** arch or dpkg status (held, half-installed) of a package both sides have. */
  'packages.other': always('warning'),
} satisfies Rules;

function comparePackages(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.packages?.deb;
  const a = act.packages?.deb;
  if (!r || !a) return;
  for (const name of keysOf(r, a)) {
    const rp = r[name];
    const ap = a[name];
    const path = `packages.deb.${name}`;
    if (rp && !ap) emit('packages.set', path, 'missing', rp.version, undefined, `package ${name} ${rp.version} is not installed here`);
    else if (!rp && ap) emit('packages.set', path, 'extra', undefined, ap.version, `package ${name} ${ap.version} is installed only here`);
    else if (rp && ap) {
      if (rp.version !== ap.version) emit('packages.version', path, 'changed', rp.version, ap.version, `package ${name}: expected ${rp.version}, got ${ap.version}`);
      compareValue(emit, 'packages.other', `${path}.arch`, `package ${name} architecture`, rp.arch, ap.arch);
      compareValue(emit, 'packages.other', `${path}.status`, `package ${name} dpkg status`, rp.status, ap.status);
    }
  }
}

export const packagesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => comparePackages(ref, act, emit) };
