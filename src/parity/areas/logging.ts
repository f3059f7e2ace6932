import { compareFlatRecord, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the logging fact area: each setting compared as it is. */

export const loggingTopics = {
  logging: always('warning'),
} satisfies Rules;

export const loggingParity: ParityArea = {
  report: 'own',
  errorLevel: false,
  compare: (ref, act, emit) => compareFlatRecord(emit, 'logging', 'logging', 'logging', ref.logging, act.logging),
};
