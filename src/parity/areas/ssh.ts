import { compareFlatRecord, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the ssh fact area (effective sshd settings): every key compared as it is. */

export const sshTopics = {
  ssh: always('warning'),
} satisfies Rules;

export const sshParity: ParityArea = {
  report: 'own',
  errorLevel: false,
  compare: (ref, act, emit) => compareFlatRecord(emit, 'ssh', 'ssh', 'sshd', ref.ssh, act.ssh),
};
