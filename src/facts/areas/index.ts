import { accountsArea } from './accounts.js';
import { aptSourcesArea } from './apt-sources.js';
import type { FactArea } from './area.js';
import { conffilesArea } from './conffiles.js';
import { cronArea } from './cron.js';
import { envArea } from './env.js';
import { fail2banArea } from './fail2ban.js';
import { filesArea } from './files.js';
import { firewallArea } from './firewall.js';
import { listenersArea } from './listeners.js';
import { localeArea } from './locale.js';
import { loggingArea } from './logging.js';
import { packagesArea } from './packages.js';
import { platformArea } from './platform.js';
import { processesArea } from './processes.js';
import { resourcesArea } from './resources.js';
import { runtimesArea } from './runtimes.js';
import { securityUpdatesArea } from './security-updates.js';
import { servicesArea } from './services.js';
import { sshArea } from './ssh.js';
import { sysctlArea } from './sysctl.js';
import { timeArea } from './time.js';
import { treesArea } from './trees.js';
import { unownedFilesArea } from './unowned-files.js';

/**
 * Every fact area, once, in collector order — which is also the facts' report
 * order. The collector runs every section once (in lanes side by side, see
 * collector-script.ts; services before cron and env, which read what it found),
 * the parser walks it (honouring parseAfter), importers name what they lack
 * from it, and parity's areas are keyed by it. A new area is one file in this folder and one line here (plus
 * its key in schema.ts and its parity entry, which the compiler asks for).
 */
export const FACT_AREAS: readonly FactArea[] = [
  platformArea,
  resourcesArea,
  aptSourcesArea,
  packagesArea,
  runtimesArea,
  accountsArea,
  servicesArea,
  listenersArea,
  processesArea,
  filesArea,
  conffilesArea,
  unownedFilesArea,
  treesArea,
  cronArea,
  sysctlArea,
  timeArea,
  localeArea,
  sshArea,
  firewallArea,
  envArea,
  securityUpdatesArea,
  fail2banArea,
  loggingArea,
];

/** The areas in parse order: each after the areas it names in parseAfter, otherwise in collector order. */
export function parseOrder(areas: readonly FactArea[] = FACT_AREAS): FactArea[] {
  const done = new Set<string>();
  const order: FactArea[] = [];
  const visit = (area: FactArea, path: readonly string[]): void => {
    if (done.has(area.section)) return;
    if (path.includes(area.section)) throw new Error(`fact areas depend on each other in a cycle: ${[...path, area.section].join(' → ')}`);
    for (const name of area.parseAfter ?? []) {
      const first = areas.find((a) => a.section === name);
      if (first) visit(first, [...path, area.section]);
    }
    done.add(area.section);
    order.push(area);
  };
  for (const area of areas) visit(area, []);
  return order;
}
