import type { Facts } from '../../facts/schema.js';
import { compareValue, type Emit, type ParityArea } from './area.js';
import { hostOwned, type Rules } from './rules.js';

/** Parity of the resources fact area: its comparer and the drift topics it names, with their severity. */

export const resourcesTopics = {
  /** cpus and memory: sizing templates may depend on, unless the container sees its host's. */
  'resources.sizing': hostOwned,
} satisfies Rules;

function compareResources(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.resources || !act.resources) return;
  compareValue(emit, 'resources.sizing', 'resources.cpus', 'CPUs', ref.resources.cpus, act.resources.cpus);
  compareValue(emit, 'resources.sizing', 'resources.memory_bytes', 'memory', ref.resources.memory_bytes, act.resources.memory_bytes);
}

export const resourcesParity: ParityArea = { report: 'own', errorLevel: false, compare: (ref, act, emit) => compareResources(ref, act, emit) };
