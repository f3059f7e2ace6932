import type { Facts } from '../facts/schema.js';
import type { Check } from './types.js';
import { fail, pass, warn } from './types.js';
import { listSome } from './sections.js';

/**
 * The collector fingerprints every variable of every enabled unit; only those
 * named like credentials are compared, since settings such as
 * DJANGO_SETTINGS_MODULE or LANG are meant to be the same as production.
 */
export const SECRET_ENV_NAME =
  /(SECRET|PASSW(OR)?D|PASS$|PWD$|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|(^|_)KEY$|DSN$|DATABASE_URL|_URL$|SALT|SIGNING|WEBHOOK)/i;

/** Where each fingerprint appears: "file /etc/app/secrets.env" or "SECRET_KEY of mysite". Never the value. */
function fingerprintLocations(facts: Facts, secretFiles: readonly string[]): Map<string, string[]> {
  const locations = new Map<string, string[]>();
  const add = (fingerprint: string, where: string): void => {
    if (fingerprint === '') return;
    const list = locations.get(fingerprint) ?? [];
    list.push(where);
    locations.set(fingerprint, list);
  };
  // Only the profile's secret files: /etc/shadow is fingerprinted too, but equal account databases are parity, not a shared secret.
  for (const path of secretFiles) {
    const fingerprint = facts.files?.[path]?.fingerprint;
    if (fingerprint !== undefined) add(fingerprint, `file ${path}`);
  }
  for (const [service, env] of Object.entries(facts.env ?? {})) {
    for (const [name, fingerprint] of Object.entries(env.fingerprints)) {
      if (SECRET_ENV_NAME.test(name)) add(fingerprint, `${name} of ${service}`);
    }
  }
  return locations;
}

export const distinctCredentials: Check = {
  id: 'distinct-credentials',
  title: 'No secret is shared with production',
  remediation: "generate separate secrets for this environment (keys, passwords, tokens) and keep production's out of it",
  run(input) {
    if (!input.production) {
      return warn(
        `cannot compare secrets: ${input.productionUnavailable ?? 'no production facts (set production: in devenv.yaml)'}`,
        'check a non-production target with production: (ssh or facts) configured in devenv.yaml, so secrets are compared by fingerprint',
      );
    }
    const here = fingerprintLocations(input.facts, input.checklist.secrets);
    const there = fingerprintLocations(input.production, input.checklist.secrets);
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
    // Unreadable environment files mean some secrets were never fingerprinted: not a clean bill.
    const unread = [input.facts, input.production].flatMap((facts) =>
      Object.keys(facts.errors)
        .filter((key) => key === 'env' || key.startsWith('env:'))
        .map((key) => `${facts.target.name} ${key}`),
    );
    if (unread.length > 0)
      return warn(
        `no shared secret among ${here.size} compared, but some environments could not be read: ${listSome(unread, 3)}`,
        'collect as root (--sudo) so every EnvironmentFile can be fingerprinted',
      );
    return pass(`${here.size} secret fingerprint${here.size > 1 ? 's' : ''} compared, none shared with production`);
  },
};

export const stagingParity: Check = {
  id: 'staging-parity',
  title: 'No error-level drift against production',
  remediation: 'run `devenv parity` and fix each error-level drift (or ignore it in parity.ignore with a reason)',
  run(input) {
    if (!input.parity)
      return warn(
        `cannot judge parity: ${input.productionUnavailable ?? 'no parity result against production'}`,
        'check a non-production target with production: (ssh or facts) configured in devenv.yaml, or run `devenv parity`',
      );
    const errors = input.parity.drift.filter((drift) => drift.severity === 'error');
    const count = Math.max(input.parity.summary.error, errors.length);
    if (count > 0) {
      const paths = errors.map((drift) => drift.path);
      return fail(`${count} error-level drift${count > 1 ? 's' : ''} against production${paths.length > 0 ? `: ${listSome(paths)}` : ''}`);
    }
    return pass('no error-level drift against production');
  },
};
