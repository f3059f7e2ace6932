import { compareFlatRecord, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the security_updates fact area: each setting compared as it is. */

export const securityUpdatesTopics = {
  security_updates: always('warning'),
} satisfies Rules;

export const securityUpdatesParity: ParityArea = {
  report: 'own',
  errorLevel: false,
  compare: (ref, act, emit) => compareFlatRecord(emit, 'security_updates', 'security_updates', 'security updates', ref.security_updates, act.security_updates),
};
