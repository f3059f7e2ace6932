import { z } from 'zod';
import { AccountsFacts, GroupFacts, UserFacts } from './areas/accounts.js';
import { AptSource } from './areas/apt-sources.js';
import { ChangedConffile } from './areas/conffiles.js';
import { CronFacts, CrontabFacts, TimerFacts } from './areas/cron.js';
import { SystemFile } from './areas/described-files.js';
import { ServiceEnvFacts } from './areas/env.js';
import { Fail2banFacts } from './areas/fail2ban.js';
import { FileFacts } from './areas/files.js';
import { FirewallFacts } from './areas/firewall.js';
import { ListenersFacts, SocketListener, UnixListener } from './areas/listeners.js';
import { LocaleFacts } from './areas/locale.js';
import { LoggingFacts } from './areas/logging.js';
import { DebPackage, PackagesFacts } from './areas/packages.js';
import { PlatformFacts } from './areas/platform.js';
import { ProcessFacts } from './areas/processes.js';
import { ResourceFacts } from './areas/resources.js';
import { NodeApp, PythonVenv, RuntimesFacts } from './areas/runtimes.js';
import { SecurityUpdateFacts } from './areas/security-updates.js';
import { ServiceFacts } from './areas/services.js';
import { TimeFacts } from './areas/time.js';
import { TreeEntry, TreeFacts } from './areas/trees.js';

/**
 * devenv.facts/v1 — what the collector reports about one system, the same shape
 * for the environment, a Vagrant machine, production over SSH, or an import from
 * Facter/Ansible. Every section is optional: a section the source could not read
 * is absent and named in `errors` (collector failure) or `missing` (an importer
 * that has no such data). Absent is never the same as empty.
 *
 * Each section's schema lives with its fact area (src/facts/areas/); this file
 * puts them together.
 */
export const FACTS_SCHEMA_ID = 'devenv.facts/v1';

export {
  AptSource,
  ChangedConffile,
  CronFacts,
  CrontabFacts,
  DebPackage,
  Fail2banFacts,
  FileFacts,
  FirewallFacts,
  GroupFacts,
  LocaleFacts,
  LoggingFacts,
  NodeApp,
  PlatformFacts,
  ProcessFacts,
  PythonVenv,
  ResourceFacts,
  SecurityUpdateFacts,
  ServiceEnvFacts,
  ServiceFacts,
  SocketListener,
  SystemFile,
  TimeFacts,
  TimerFacts,
  TreeEntry,
  TreeFacts,
  UnixListener,
  UserFacts,
};

const str = z.string();

export const FactsSchema = z.object({
  schema: z.literal(FACTS_SCHEMA_ID),
  collected_at: str,
  /** devenv (the collector) or the importer that produced these facts. */
  source: z.enum(['devenv', 'facter', 'ansible']),
  target: z.object({ kind: str, name: str, container: z.boolean() }),
  /** section → one-line reason it could not be collected. */
  errors: z.record(str, str).default({}),
  /** sections the source has no data for (importers). */
  missing: z.array(str).default([]),
  platform: PlatformFacts.optional(),
  resources: ResourceFacts.optional(),
  apt_sources: z.array(AptSource).optional(),
  packages: PackagesFacts.optional(),
  runtimes: RuntimesFacts.optional(),
  accounts: AccountsFacts.optional(),
  services: z.record(str, ServiceFacts).optional(),
  listeners: ListenersFacts.optional(),
  processes: z.array(ProcessFacts).optional(),
  files: z.record(str, FileFacts).optional(),
  /** Package conffiles (and ucf-managed files) changed on this system, by path; unchanged ones are not listed. */
  conffiles: z.record(str, ChangedConffile).optional(),
  /** Files under /etc and keyrings in /usr/share/keyrings that no package owns, by path. */
  unowned_files: z.record(str, SystemFile).optional(),
  /** Top-level trees under /usr/local and /opt, by path. */
  trees: z.record(str, TreeFacts).optional(),
  cron: CronFacts.optional(),
  sysctl: z.record(str, str).optional(),
  time: TimeFacts.optional(),
  locale: LocaleFacts.optional(),
  /** Effective sshd settings from `sshd -T`, lowercase keys. */
  ssh: z.record(str, str).optional(),
  firewall: FirewallFacts.optional(),
  /** Per service: environment variable names and keyed fingerprints. */
  env: z.record(str, ServiceEnvFacts).optional(),
  security_updates: SecurityUpdateFacts.optional(),
  fail2ban: Fail2banFacts.optional(),
  logging: LoggingFacts.optional(),
});

export type Facts = z.output<typeof FactsSchema>;
export type FactsSection = Exclude<keyof Facts, 'schema' | 'collected_at' | 'source' | 'target' | 'errors' | 'missing'>;
export type UserFactsT = z.output<typeof UserFacts>;
export type ServiceFactsT = z.output<typeof ServiceFacts>;
export type FileFactsT = z.output<typeof FileFacts>;
export type SystemFileT = z.output<typeof SystemFile>;
export type TreeFactsT = z.output<typeof TreeFacts>;
