import type { Facts } from '../../facts/schema.js';
import { type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the apt_sources fact area: its comparer and the drift topics it names, with their severity. */

export const aptSourcesTopics = {
  apt_sources: always('error'),
} satisfies Rules;

/** Apt sources as a set of "type.archive/suite/component" (hosts were never collected). */
function aptSourceKeys(sources: NonNullable<Facts['apt_sources']>): Set<string> {
  const keys = new Set<string>();
  for (const source of sources) {
    for (const suite of source.suites) {
      if (source.components.length === 0) keys.add(`${source.type}.${source.archive}/${suite}`);
      for (const component of source.components) keys.add(`${source.type}.${source.archive}/${suite}/${component}`);
    }
  }
  return keys;
}

function compareAptSources(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.apt_sources || !act.apt_sources) return;
  const r = aptSourceKeys(ref.apt_sources);
  const a = aptSourceKeys(act.apt_sources);
  for (const key of [...r].sort()) {
    if (!a.has(key)) emit('apt_sources', `apt_sources.${key}`, 'missing', key, undefined, `apt source ${key.replace('.', ' ')} is missing here`);
  }
  for (const key of [...a].sort()) {
    if (!r.has(key)) emit('apt_sources', `apt_sources.${key}`, 'extra', undefined, key, `apt source ${key.replace('.', ' ')} is only here`);
  }
}

export const aptSourcesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => compareAptSources(ref, act, emit) };
