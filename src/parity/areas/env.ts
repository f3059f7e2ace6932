import type { Facts } from '../../facts/schema.js';
import { keysOf, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the env fact area: its comparer and the drift topics it names, with their severity. */

export const envTopics = {
  'env.missing': always('error'),
  'env.extra': always('warning'),
} satisfies Rules;

function compareEnv(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.env;
  const a = act.env;
  if (!r || !a) return;
  for (const service of keysOf(r, a)) {
    // A service missing on one side is already reported under services.
    if (ref.services && act.services && (!ref.services[service] || !act.services[service])) continue;
    const rNames = new Set(r[service]?.names ?? []);
    const aNames = new Set(a[service]?.names ?? []);
    for (const name of [...rNames].sort()) {
      if (!aNames.has(name))
        emit('env.missing', `env.${service}.${name}`, 'missing', name, undefined, `service ${service} lacks environment variable ${name} here`);
    }
    for (const name of [...aNames].sort()) {
      if (!rNames.has(name))
        emit('env.extra', `env.${service}.${name}`, 'extra', undefined, name, `service ${service} has environment variable ${name} only here`);
    }
  }
}

export const envParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => compareEnv(ref, act, emit) };
