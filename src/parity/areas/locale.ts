import type { Facts } from '../../facts/schema.js';
import { compareValue, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the locale fact area: its comparer and the drift topics it names, with their severity. */

export const localeTopics = {
  locale: always('error'),
} satisfies Rules;

function compareLocale(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.locale || !act.locale) return;
  compareValue(emit, 'locale', 'locale.lang', 'LANG', ref.locale.lang, act.locale.lang);
  compareValue(emit, 'locale', 'locale.lc_all', 'LC_ALL', ref.locale.lc_all, act.locale.lc_all);
}

export const localeParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => compareLocale(ref, act, emit) };
