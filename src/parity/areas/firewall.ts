import type { Facts } from '../../facts/schema.js';
import { compareValue, type Emit, type ParityArea } from './area.js';
import { hostOwned, type Rules } from './rules.js';

/** Parity of the firewall fact area: its comparer and the drift topics it names, with their severity. */

export const firewallTopics = {
  firewall: hostOwned,
} satisfies Rules;

function compareFirewall(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.firewall;
  const a = act.firewall;
  if (!r || !a) return;
  compareValue(emit, 'firewall', 'firewall.backend', 'firewall backend', r.backend, a.backend);
  if (r.readable && a.readable) {
    compareValue(emit, 'firewall', 'firewall.default_input', 'firewall inbound policy', r.default_input, a.default_input);
    if (r.rules_sha256 && a.rules_sha256) compareValue(emit, 'firewall', 'firewall.rules_sha256', 'firewall rules', r.rules_sha256, a.rules_sha256);
  } else if (r.readable !== a.readable) {
    emit(
      'firewall',
      'firewall.readable',
      'changed',
      r.readable,
      a.readable,
      `firewall rules could not be read on the ${r.readable ? 'actual' : 'reference'} side (not compared)`,
    );
  }
}

export const firewallParity: ParityArea = { report: 'own', errorLevel: false, compare: (ref, act, emit) => compareFirewall(ref, act, emit) };
