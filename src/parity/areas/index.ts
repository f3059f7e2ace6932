import type { FactsSection } from '../../facts/schema.js';
import { accountsParity } from './accounts.js';
import { aptSourcesParity } from './apt-sources.js';
import type { ParityArea } from './area.js';
import { conffilesParity } from './conffiles.js';
import { cronParity } from './cron.js';
import { envParity } from './env.js';
import { fail2banParity } from './fail2ban.js';
import { filesParity } from './files.js';
import { firewallParity } from './firewall.js';
import { listenersParity } from './listeners.js';
import { localeParity } from './locale.js';
import { loggingParity } from './logging.js';
import { packagesParity } from './packages.js';
import { platformParity } from './platform.js';
import { processesParity } from './processes.js';
import { resourcesParity } from './resources.js';
import { runtimesParity } from './runtimes.js';
import { securityUpdatesParity } from './security-updates.js';
import { servicesParity } from './services.js';
import { sshParity } from './ssh.js';
import { sysctlParity } from './sysctl.js';
import { timeParity } from './time.js';
import { treesParity } from './trees.js';
import { unownedFilesParity } from './unowned-files.js';

/**
 * Each fact area's parity, keyed by the fact area: a Record over every facts
 * section, so a new fact area does not compile until it says how parity treats
 * it. The order comes from the fact areas' one list (src/facts/areas/index.ts).
 */
export const PARITY_AREAS: Record<FactsSection, ParityArea> = {
  platform: platformParity,
  resources: resourcesParity,
  apt_sources: aptSourcesParity,
  packages: packagesParity,
  runtimes: runtimesParity,
  accounts: accountsParity,
  services: servicesParity,
  listeners: listenersParity,
  processes: processesParity,
  files: filesParity,
  conffiles: conffilesParity,
  unowned_files: unownedFilesParity,
  trees: treesParity,
  cron: cronParity,
  sysctl: sysctlParity,
  time: timeParity,
  locale: localeParity,
  ssh: sshParity,
  firewall: firewallParity,
  env: envParity,
  security_updates: securityUpdatesParity,
  fail2ban: fail2banParity,
  logging: loggingParity,
};
