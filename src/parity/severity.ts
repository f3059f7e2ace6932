import { accountsTopics } from './areas/accounts.js';
import { aptSourcesTopics } from './areas/apt-sources.js';
import { conffilesTopics } from './areas/conffiles.js';
import { cronTopics } from './areas/cron.js';
import { envTopics } from './areas/env.js';
import { fail2banTopics } from './areas/fail2ban.js';
import { filesTopics } from './areas/files.js';
import { firewallTopics } from './areas/firewall.js';
import { listenersTopics } from './areas/listeners.js';
import { localeTopics } from './areas/locale.js';
import { loggingTopics } from './areas/logging.js';
import { packagesTopics } from './areas/packages.js';
import { platformTopics } from './areas/platform.js';
import { resourcesTopics } from './areas/resources.js';
import { always } from './areas/rules.js';
import { runtimesTopics } from './areas/runtimes.js';
import { securityUpdatesTopics } from './areas/security-updates.js';
import { servicesTopics } from './areas/services.js';
import { sshTopics } from './areas/ssh.js';
import { sysctlTopics } from './areas/sysctl.js';
import { timeTopics } from './areas/time.js';
import { treesTopics } from './areas/trees.js';
import { unownedFilesTopics } from './areas/unowned-files.js';

/**
 * Where parity decides how much a difference matters (DESIGN.md "Parity").
 * Each parity area (src/parity/areas/) finds differences, names each with a
 * topic and declares its topics' rules beside its comparer; this table puts
 * them together and turns a topic and the two sides' nature into a severity.
 * Pure data and functions.
 *
 * - error: what makes the environment not production — OS and major version,
 *   arch, apt sources, the package set and versions, runtime package sets,
 *   declared users and groups, services and their state, listeners, managed
 *   files, timezone, locale, environment variable names.
 * - warning: real but secondary skew — package arch/status, undeclared
 *   accounts, sizing, extra env names, unmanaged config files, sysctl, sshd,
 *   firewall and security tooling on hosts.
 * - info: what must differ between two machines, or between a container and a
 *   host — hostname, machine-id, kernel, addresses, memory/cpus and host-owned
 *   sysctls, firewall and time sync inside a container, the kernel, boot and
 *   device packages only a machine has (beside a container), Vagrant's way in
 *   (sshd, sudo, rsync) beside a Vagrant machine. Reported, never a pass and
 *   never an error.
 * - wave 2: a changed package conffile, a file no package owns, a tree under
 *   /usr/local or /opt, a crontab or timer, a privileged group membership are
 *   errors; what every host generates for itself is info (system-files.ts).
 */
export type Severity = 'error' | 'warning' | 'info';

/** Defined beside the rule shapes (areas/rules.ts), which an area may import without importing this table. */
export { SEVERITY_RANK } from './areas/rules.js';

export interface SeverityContext {
  /** The side being checked (the environment) is a container, sharing its host's kernel. */
  actualIsContainer: boolean;
  /** The two sides run on different kinds of virtualization (container vs VM vs physical). */
  virtualizationDiffers: boolean;
  /** One side is a machine Vagrant reaches: its box carries sshd, sudo and rsync for Vagrant (isVagrantAccessPackage). */
  vagrantMachine: boolean;
}

export const SEVERITY_RULES = {
  ...platformTopics,
  ...resourcesTopics,
  ...aptSourcesTopics,
  ...packagesTopics,
  ...runtimesTopics,
  ...accountsTopics,
  ...servicesTopics,
  ...listenersTopics,
  ...filesTopics,
  ...conffilesTopics,
  ...unownedFilesTopics,
  ...treesTopics,
  ...cronTopics,
  ...sysctlTopics,
  ...timeTopics,
  ...localeTopics,
  ...sshTopics,
  ...firewallTopics,
  ...envTopics,
  ...securityUpdatesTopics,
  ...fail2banTopics,
  ...loggingTopics,
  /** A section one side could not collect, where the section holds error-level facts. */
  'section.uncollected': always('warning'),
  /** A section one side has no data for by nature (an importer), or one that holds no error-level facts. */
  'section.absent': always('info'),
} satisfies Record<string, (ctx: SeverityContext) => Severity>;

export type DriftTopic = keyof typeof SEVERITY_RULES;

export function severityOf(topic: DriftTopic, ctx: SeverityContext): Severity {
  return SEVERITY_RULES[topic](ctx);
}

export {
  isHostOwnedSysctl,
  isHostPlumbingProcess,
  isMachinePackage,
  isMachineUnit,
  isSessionUnit,
  isTimeSyncUnit,
  isVagrantAccessPackage,
  isVagrantAccessUnit,
} from './classify.js';
