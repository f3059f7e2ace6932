import type { Facts } from '../facts/schema.js';
import type { Check } from './types.js';
import { fail, pass, warn } from './types.js';
import { listSome } from './sections.js';

/** Where each fingerprint appears: "file /etc/app/secrets.env" or "env mysite.service SECRET_KEY". Never the value. */
function fingerprintLocations(facts: Facts): Map<string, string[]> {
  const locations = new Map<string, string[]>();
  const add = (fingerprint: string, where: string): void => {
    if (fingerprint === '') return;
    const list = locations.get(fingerprint) ?? [];
    list.push(where);
    locations.set(fingerprint, list);
  };
  for (const [path, file] of Object.entries(facts.files ?? {})) {
    if (file.fingerprint !== undefined) add(file.fingerprint, `file ${path}`);
  }
  for (const [service, env] of Object.entries(facts.env ?? {})) {
    for (const [name, fingerprint] of Object.entries(env.fingerprints)) add(fingerprint, `${name} of ${service}`);
  }
  return locations;
}

export const distinctCredentials: Check = {
  id: 'distinct-credentials',
  title: 'No secret is shared with production',
  remediation: 'generate separate secrets for this environment (keys, passwords, tokens) and keep production\'s out of it',
  run(input) {
    if (!input.production) {
      return warn(`cannot compare secrets: ${input.productionUnavailable ?? 'no production facts (set production: in devenv.yaml)'}`, 'configure production: (ssh or facts) in devenv.yaml so secrets can be compared by fingerprint');
    }
    const here = fingerprintLocations(input.facts);
    const there = fingerprintLocations(input.production);
    if (here.size === 0 || there.size === 0) {
      const side = here.size === 0 ? 'this target' : 'production';
      return warn(`no secret fingerprints on ${side} to compare (no secret files or secret environment variables collected)`);
    }
    const shared: string[] = [];
    for (const [fingerprint, places] of here) {
      const production = there.get(fingerprint);
      if (!production) continue;
      for (const place of places) {
        const same = production.includes(place) ? '' : ` (production's ${listSome(production, 2)})`;
        shared.push(`${place}${same}`);
      }
    }
    if (shared.length > 0) return fail(`same value as production: ${listSome(shared.sort(), 4)}`);
    return pass(`${here.size} secret fingerprint${here.size > 1 ? 's' : ''} compared, none shared with production`);
  },
};

export const stagingParity: Check = {
  id: 'staging-parity',
  title: 'No error-level drift against production',
  remediation: 'run `devenv parity` and fix each error-level drift (or ignore it in parity.ignore with a reason)',
  run(input) {
    if (!input.parity) return warn(`cannot judge parity: ${input.productionUnavailable ?? 'no parity result against production'}`, 'configure production: (ssh or facts) in devenv.yaml and run `devenv parity`');
    const errors = input.parity.drift.filter((drift) => drift.severity === 'error');
    const count = Math.max(input.parity.summary.error, errors.length);
    if (count > 0) {
      const paths = errors.map((drift) => drift.path);
      return fail(`${count} error-level drift${count > 1 ? 's' : ''} against production${paths.length > 0 ? `: ${listSome(paths)}` : ''}`);
    }
    return pass('no error-level drift against production');
  },
};
