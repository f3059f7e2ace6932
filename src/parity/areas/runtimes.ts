import type { Facts } from '../../facts/schema.js';
import type { DriftKind } from '../drift.js';
import { compareValue, keysOf, sentence, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the runtimes fact area: its comparer and the drift topics it names, with their severity. */

export const runtimesTopics = {
  'runtimes.set': always('error'),
  'runtimes.interpreter': always('warning'),
} satisfies Rules;

function compareRuntimes(ref: Facts, act: Facts, emit: Emit): void {
  for (const runtime of ['python', 'node'] as const) {
    const r = ref.runtimes?.[runtime];
    const a = act.runtimes?.[runtime];
    if (!r || !a) continue;
    for (const app of keysOf<unknown>(r, a)) {
      const rv = r[app];
      const av = a[app];
      const path = `runtimes.${runtime}.${app}`;
      const label = runtime === 'python' ? `venv ${app}` : `node app ${app}`;
      if (rv && !av) {
        emit('runtimes.set', path, 'missing', Object.keys(rv.packages).length, undefined, `${label} is missing here`);
        continue;
      }
      if (!rv && av) {
        emit('runtimes.set', path, 'extra', undefined, Object.keys(av.packages).length, `${label} exists only here`);
        continue;
      }
      if (!rv || !av) continue;
      for (const pkg of keysOf(rv.packages, av.packages)) {
        const expected = rv.packages[pkg];
        const actual = av.packages[pkg];
        if (expected === actual) continue;
        const kind: DriftKind = expected === undefined ? 'extra' : actual === undefined ? 'missing' : 'changed';
        emit('runtimes.set', `${path}.${pkg}`, kind, expected, actual, sentence(`${label}: ${pkg}`, kind, expected, actual));
      }
      if ('python' in rv && 'python' in av) {
        compareValue(emit, 'runtimes.interpreter', `${path}.python`, `${label} interpreter`, rv.python, av.python);
      }
      if ('lockfile_sha256' in rv && 'lockfile_sha256' in av) {
        compareValue(emit, 'runtimes.set', `${path}.lockfile_sha256`, `${label} lockfile`, rv.lockfile_sha256, av.lockfile_sha256);
      }
    }
  }
}

export const runtimesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => compareRuntimes(ref, act, emit) };
