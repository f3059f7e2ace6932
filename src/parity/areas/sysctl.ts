import type { Facts } from '../../facts/schema.js';
import { isHostOwnedSysctl } from '../classify.js';
import type { DriftTopic } from '../severity.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { always, hostOwned, type Rules } from './rules.js';

/** Parity of the sysctl fact area: its comparer and the drift topics it names, with their severity. */

export const sysctlTopics = {
  'sysctl.namespaced': always('warning'),
  'sysctl.host_owned': hostOwned,
} satisfies Rules;

function compareSysctl(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.sysctl || !act.sysctl) return;
  for (const key of keysOf(ref.sysctl, act.sysctl)) {
    const topic: DriftTopic = isHostOwnedSysctl(key) ? 'sysctl.host_owned' : 'sysctl.namespaced';
    compareValue(emit, topic, `sysctl.${key}`, `sysctl ${key}`, ref.sysctl[key], act.sysctl[key]);
  }
}

export const sysctlParity: ParityArea = { report: 'own', errorLevel: false, compare: (ref, act, emit) => compareSysctl(ref, act, emit) };
