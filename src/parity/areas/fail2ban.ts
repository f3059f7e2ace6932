import type { Facts } from '../../facts/schema.js';
import { compareFlatRecord, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the fail2ban fact area: installed, active, and the jails as a sorted list. */

export const fail2banTopics = {
  fail2ban: always('warning'),
} satisfies Rules;

function compareFail2ban(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.fail2ban || !act.fail2ban) return;
  compareFlatRecord(
    emit,
    'fail2ban',
    'fail2ban',
    'fail2ban',
    { ...ref.fail2ban, jails: [...ref.fail2ban.jails].sort() },
    { ...act.fail2ban, jails: [...act.fail2ban.jails].sort() },
  );
}

export const fail2banParity: ParityArea = { report: 'own', errorLevel: false, compare: (ref, act, emit) => compareFail2ban(ref, act, emit) };
