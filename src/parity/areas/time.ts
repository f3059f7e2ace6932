import type { Facts } from '../../facts/schema.js';
import { compareValue, type Emit, type ParityArea } from './area.js';
import { always, hostOwned, type Rules } from './rules.js';

/** Parity of the time fact area: its comparer and the drift topics it names, with their severity. */

export const timeTopics = {
  'time.timezone': always('error'),
  'time.sync': hostOwned,
} satisfies Rules;

function compareTime(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.time || !act.time) return;
  compareValue(emit, 'time.timezone', 'time.timezone', 'timezone', ref.time.timezone, act.time.timezone);
  compareValue(emit, 'time.sync', 'time.ntp_services', 'time daemons', [...ref.time.ntp_services].sort(), [...act.time.ntp_services].sort());
  if (ref.time.synchronized !== undefined && act.time.synchronized !== undefined) {
    compareValue(emit, 'time.sync', 'time.synchronized', 'clock synchronized', ref.time.synchronized, act.time.synchronized);
  }
}

export const timeParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => compareTime(ref, act, emit) };
