import { z } from 'zod';

/**
 * devenv.facts/v1 — what the collector reports about one system, the same shape
 * for the environment, a Vagrant machine, production over SSH, or an import from
 * Facter/Ansible. Every section is optional: a section the source could not read
 * is absent and named in `errors` (collector failure) or `missing` (an importer
 * that has no such data). Absent is never the same as empty.
 */
export const FACTS_SCHEMA_ID = 'devenv.facts/v1';

const str = z.string();
const num = z.number();

export const PlatformFacts = z.object({
  os: z.object({ id: str, version_id: str, codename: str.optional(), pretty_name: str.optional() }),
  kernel: str,
  arch: str,
  hostname: str,
  machine_id: str.optional(),
  /** container | vm | physical | unknown, and the technology (docker, kvm, …) from systemd-detect-virt. */
  virtualization: z.object({ kind: z.enum(['container', 'vm', 'physical', 'unknown']), tech: str }),
  pid1: str,
});

export const ResourceFacts = z.object({ cpus: num, memory_bytes: num });

/** Hosts are deliberately left out: production and a laptop use different mirrors. */
export const AptSource = z.object({
  type: z.enum(['deb', 'deb-src']),
  /** Last path segment of the URI: "debian", "debian-security", "ubuntu"… */
  archive: str,
  suites: z.array(str),
  components: z.array(str),
});

export const DebPackage = z.object({
  version: str,
  arch: str,
  /** dpkg status abbreviation, e.g. "ii". */
  status: str,
  /** True when apt marks it manually installed (apt-mark showmanual). */
  manual: z.boolean().optional(),
});

export const PythonVenv = z.object({
  python: str.optional(),
  /** normalized distribution name → version, read from *.dist-info/METADATA. */
  packages: z.record(str, str),
});

export const NodeApp = z.object({
  lockfile_sha256: str.optional(),
  packages: z.record(str, str),
});

export const UserFacts = z.object({
  uid: num,
  gid: num,
  home: str,
  shell: str,
  groups: z.array(str),
});

export const GroupFacts = z.object({ gid: num, members: z.array(str) });

export const ServiceFacts = z.object({
  /** systemctl is-enabled: enabled | disabled | static | masked | … */
  enabled: str,
  /** ActiveState: active | inactive | failed | … */
  active: str,
  sub: str.optional(),
  /** User= of the unit, "root" when unset. */
  user: str,
  /** Restart= of the unit: no | on-failure | always | … */
  restart: str,
  /** sha256 of the unit's fragment file(s) without configuration-management header lines, to compare unit definitions. */
  unit_sha256: str.optional(),
  main_pid: num.optional(),
  /** The unit's start conditions were checked and failed (e.g. ConditionVirtualization=!container): inactive by design, not by drift. */
  condition_failed: z.boolean().optional(),
});

export const SocketListener = z.object({
  protocol: z.enum(['tcp', 'udp']),
  address: str,
  port: num,
  process: str.optional(),
  pid: num.optional(),
  user: str.optional(),
});

export const UnixListener = z.object({
  path: str,
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  process: str.optional(),
  user: str.optional(),
});

export const ProcessFacts = z.object({
  pid: num,
  ppid: num,
  user: str,
  comm: str,
  args: str,
});

export const FileFacts = z.object({
  /** file | directory | link | absent */
  type: z.enum(['file', 'directory', 'link', 'absent', 'other']),
  sha256: str.optional(),
  /** sha256 of the content with configuration-management header comments removed (compare across tools). */
  sha256_unmanaged: str.optional(),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  size: num.optional(),
  link_target: str.optional(),
  /** The file starts with a "managed by devenv" header. */
  devenv_header: z.boolean().optional(),
  /** Keyed fingerprint of the content (secret files only): never the value itself. */
  fingerprint: str.optional(),
});

export const TimeFacts = z.object({
  timezone: str,
  /** The time daemons running: systemd-timesyncd, chronyd, ntpd… */
  ntp_services: z.array(str),
  synchronized: z.boolean().optional(),
});

export const LocaleFacts = z.object({ lang: str, lc_all: str.optional() });

export const FirewallFacts = z.object({
  backend: z.enum(['nftables', 'iptables', 'none', 'unknown']),
  /** Inbound default: drop | reject | accept | unknown */
  default_input: str,
  rules_sha256: str.optional(),
  /** False when the ruleset could not be read (no privileges). */
  readable: z.boolean(),
});

export const ServiceEnvFacts = z.object({
  names: z.array(str),
  /** name → keyed fingerprint of the value; values themselves never leave the target. */
  fingerprints: z.record(str, str),
});

export const SecurityUpdateFacts = z.object({
  unattended_upgrades_installed: z.boolean(),
  /** APT::Periodic::Unattended-Upgrade as configured ("1" enables). */
  periodic_unattended_upgrade: str.optional(),
});

export const Fail2banFacts = z.object({
  installed: z.boolean(),
  active: z.boolean(),
  jails: z.array(str),
});

export const LoggingFacts = z.object({
  journald_active: z.boolean(),
  logrotate_installed: z.boolean(),
  /** Paths in /etc/logrotate.d */
  logrotate_configs: z.array(str),
});

/**
 * A file the packages do not account for (wave 2): what it is, who owns it, and
 * the sha256 of its content without configuration-management header lines
 * (devenv's, Puppet's, Ansible's…), so the same file written by two tools is
 * the same file. Secrets carry owner and mode only: their content is never read.
 */
export const SystemFile = z.object({
  type: z.enum(['file', 'directory', 'link', 'absent', 'other']),
  sha256: str.optional(),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  size: num.optional(),
  link_target: str.optional(),
  /** Compared by owner and mode only. */
  secret: z.boolean().optional(),
});

/** A conffile whose content is not what its package shipped (dpkg's md5 record, or ucf's). */
export const ChangedConffile = SystemFile.extend({
  package: str,
  /** dpkg conffile, or a file the package installs through ucf (sshd_config). */
  via: z.enum(['dpkg', 'ucf']),
});

export const TreeEntry = z.object({
  type: z.enum(['file', 'directory', 'link', 'other']),
  mode: str,
  owner: str,
  group: str,
  size: num.optional(),
  sha256: str.optional(),
  link_target: str.optional(),
});

/** One top-level tree under /usr/local or /opt. */
export const TreeFacts = z.object({
  /** The tree's own node (a directory, or a link such as /usr/local/man). */
  type: z.enum(['file', 'directory', 'link', 'other']),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  link_target: str.optional(),
  /** Entries below it. */
  count: num,
  /** Over the listing (type, mode, owner, size, path, link) and, when `content`, each file's hash: equal digests, equal trees. */
  digest: str,
  /** Files up to 1 MiB are in the digest by content; large trees only by listing. */
  content: z.boolean(),
  /** Relative path → entry; the first entries only when `truncated`. */
  entries: z.record(str, TreeEntry),
  truncated: z.boolean().optional(),
});

export const CrontabFacts = z.object({
  /** sha256 of the job lines (comments and blank lines left out: crontab(1) stamps a dated header). */
  sha256: str,
  jobs: num,
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
});

export const TimerFacts = z.object({
  enabled: str,
  active: str,
  /** Over the timer's unit file and drop-ins, without configuration-management headers. */
  unit_sha256: str.optional(),
  /** Its start conditions failed (fstrim.timer in a container): inactive by design. */
  condition_failed: z.boolean().optional(),
});

export const CronFacts = z.object({
  /** user → crontab in /var/spool/cron/crontabs; absent when it could not be read. */
  crontabs: z.record(str, CrontabFacts).optional(),
  /** Timer units (systemd's cron), by name without .timer. */
  timers: z.record(str, TimerFacts).optional(),
});

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
  packages: z
    .object({
      deb: z.record(str, DebPackage),
      /** apt's APT::Install-Recommends on the host (its default included); absent from importers and older facts. */
      install_recommends: z.boolean().optional(),
      /** How many Recommends of the hand-installed packages are installed: how the host was really built. */
      recommends_met: z.object({ met: z.number().int(), of: z.number().int() }).optional(),
    })
    .optional(),
  runtimes: z
    .object({
      python: z.record(str, PythonVenv).optional(),
      node: z.record(str, NodeApp).optional(),
    })
    .optional(),
  accounts: z.object({ users: z.record(str, UserFacts), groups: z.record(str, GroupFacts) }).optional(),
  services: z.record(str, ServiceFacts).optional(),
  listeners: z.object({ sockets: z.array(SocketListener), unix: z.array(UnixListener) }).optional(),
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
