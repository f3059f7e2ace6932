import type { Facts } from '../facts/schema.js';
import { classifyUnowned } from '../parity/system-files.js';
import type { ChecklistConfig } from './types.js';

/**
 * `check` with no profile: what a profile would say, read off the target itself.
 * The app is what production's admins installed by hand: the services whose unit
 * file no package owns (/etc/systemd/system), run as their own user (never a
 * package's system user such as chrony's _chrony, whose unit the package ships);
 * its secrets are the config files no package owns that are secret by name or
 * closed to others. Pure; a profile always overrides it.
 */
export interface InferredChecklist {
  checklist: ChecklistConfig;
  /** One sentence of what was inferred, for the user. */
  said: string;
}

export function inferChecklist(facts: Facts, defaults: ChecklistConfig): InferredChecklist {
  const unowned = facts.unowned_files ?? {};
  const services = facts.services ?? {};
  const serviceOf = (unit: string) => services[unit] ?? services[unit.replace(/\.service$/, '')];
  const units = Object.entries(unowned)
    .filter(([path, file]) => file.type === 'file' && /^\/etc\/systemd\/system\/[^/]+\.service$/.test(path))
    .map(([path]) => path.slice(path.lastIndexOf('/') + 1))
    .filter((unit) => serviceOf(unit) !== undefined)
    .sort();
  // The app user: the one most of those services run as, root never.
  const counts = new Map<string, number>();
  for (const unit of units) {
    const user = serviceOf(unit)?.user;
    if (user && user !== 'root') counts.set(user, (counts.get(user) ?? 0) + 1);
  }
  const appUser = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
  const secrets = Object.entries(unowned)
    .filter(([path, file]) => file.secret === true && file.type === 'file' && classifyUnowned(path, file.type) === 'config' && !path.startsWith('/etc/ssh/'))
    .map(([path]) => path)
    .sort();
  const checklist: ChecklistConfig = {
    ...defaults,
    ...(appUser ? { app_user: appUser } : {}),
    ...(units.length ? { app_services: units } : {}),
    ...(secrets.length ? { secrets } : {}),
  };
  const parts = [
    appUser ? `app user ${appUser}` : 'no app user (no hand-installed service runs as its own user)',
    units.length ? `app services ${units.join(', ')}` : undefined,
    secrets.length ? `secrets ${secrets.join(', ')}` : 'no secret files',
  ].filter(Boolean);
  return { checklist, said: `inferred from ${facts.target.name}: ${parts.join('; ')} (a profile's checklist overrides this)` };
}
