/**
 * Where parity decides how much a difference matters (DESIGN.md "Parity").
 * compare.ts finds differences and names each with a topic; this table turns
 * the topic and the two sides' nature into a severity. Pure data and functions.
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
 *   sysctls, firewall and time sync inside a container. Reported, never a pass
 *   and never an error.
 * - wave 2: a changed package conffile, a file no package owns, a tree under
 *   /usr/local or /opt, a crontab or timer, a privileged group membership are
 *   errors; what every host generates for itself is info (system-files.ts).
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export interface SeverityContext {
  /** The side being checked (the environment) is a container, sharing its host's kernel. */
  actualIsContainer: boolean;
  /** The two sides run on different kinds of virtualization (container vs VM vs physical). */
  virtualizationDiffers: boolean;
}

const always =
  (severity: Severity) =>
  (): Severity =>
    severity;
/** Info when the actual side is a container (the host owns it there), warning otherwise. */
const hostOwned = (ctx: SeverityContext): Severity => (ctx.actualIsContainer ? 'info' : 'warning');
/** Info when the two sides are different kinds of machine, else the given severity. */
const unlessMachineKindDiffers =
  (severity: Severity) =>
  (ctx: SeverityContext): Severity =>
    ctx.virtualizationDiffers || ctx.actualIsContainer ? 'info' : severity;

export const SEVERITY_RULES = {
  'platform.os': always('error'),
  'platform.major_version': always('error'),
  'platform.point_release': always('warning'),
  'platform.arch': always('error'),
  /** hostname, machine-id: two machines always differ. */
  'platform.identity': always('info'),
  /** A container runs its host's kernel. */
  'platform.kernel': always('info'),
  'platform.virtualization': always('info'),
  'platform.pid1': always('warning'),
  /** cpus and memory: sizing templates may depend on, unless the container sees its host's. */
  'resources.sizing': hostOwned,
  'apt_sources': always('error'),
  'packages.set': always('error'),
  'packages.version': always('error'),
  /** arch or dpkg status (held, half-installed) of a package both sides have. */
  'packages.other': always('warning'),
  'runtimes.set': always('error'),
  'runtimes.interpreter': always('warning'),
  'accounts.declared': always('error'),
  'accounts.declared.detail': always('warning'),
  'accounts.undeclared': always('warning'),
  'accounts.undeclared.detail': always('info'),
  'services.state': always('error'),
  'services.definition': always('warning'),
  /** A unit whose start conditions failed on one side of a container/host pair: inactive by design. */
  'services.condition': unlessMachineKindDiffers('error'),
  /** Login sessions (user@UID) exist where someone is logged in. */
  'services.session': always('info'),
  /** Hardware and boot units (getty, udev, fsck, modprobe…) that containers skip by design. */
  'services.machine': unlessMachineKindDiffers('error'),
  'listeners.socket': always('error'),
  'listeners.detail': always('warning'),
  /** Same port on a host-specific address: addresses differ between machines. */
  'listeners.address': always('info'),
  /** Sockets of login sessions and of the init system's own plumbing. */
  'listeners.session': always('info'),
  'listeners.system': unlessMachineKindDiffers('warning'),
  'files.managed': always('error'),
  /** Checklist secrets: owner and mode only, never content. */
  'files.secret': always('warning'),
  /** passwd/group/shadow content: the accounts section reports what differs in them. */
  'files.account_db': always('info'),
  'files.other': always('warning'),
  /** A package conffile whose content differs from the other side's (one or both edited since the package shipped it). */
  'conffiles.changed': always('error'),
  /** Owner, group or mode of a changed conffile or of a file no package owns (secrets: all there is to compare). */
  'files.meta': always('warning'),
  /** A file no package owns (production's own configuration): on one side only, or different. */
  'unowned.config': always('error'),
  /** A file the base system derives from the package set (rc?.d, alternatives, pam common-*) whose content differs. */
  'unowned.generated': always('warning'),
  /** A derived file on one side only: the package set (reported under packages) makes it. */
  'unowned.generated.presence': always('info'),
  /** Per-machine files (host keys, fstab, ld.so.cache), those another section compares, and devenv's box plumbing. */
  'unowned.machine': always('info'),
  /** A systemctl enable/mask link of a unit that is not a service or timer (those are compared by state). */
  'unowned.enablement': always('warning'),
  /** A tree under /usr/local or /opt (an agent, a script in /usr/local/bin): on one side only, or its content differs. */
  'trees.changed': always('error'),
  'trees.meta': always('warning'),
  /** A user's crontab: its jobs differ. */
  'cron.crontab': always('error'),
  /** A timer's state or definition. */
  'cron.timer': always('error'),
  /** Membership of a group that grants root or reads secrets (sudo, adm, docker…), whoever the user. */
  'accounts.privileged_membership': always('error'),
  'sysctl.namespaced': always('warning'),
  'sysctl.host_owned': hostOwned,
  'time.timezone': always('error'),
  'time.sync': hostOwned,
  'locale': always('error'),
  'ssh': always('warning'),
  'firewall': hostOwned,
  'env.missing': always('error'),
  'env.extra': always('warning'),
  'security_updates': always('warning'),
  'fail2ban': always('warning'),
  'logging': always('warning'),
  /** A section one side could not collect, where the section holds error-level facts. */
  'section.uncollected': always('warning'),
  /** A section one side has no data for by nature (an importer), or one that holds no error-level facts. */
  'section.absent': always('info'),
} satisfies Record<string, (ctx: SeverityContext) => Severity>;

export type DriftTopic = keyof typeof SEVERITY_RULES;

export function severityOf(topic: DriftTopic, ctx: SeverityContext): Severity {
  return SEVERITY_RULES[topic](ctx);
}

/** Sections whose differences include error-level ones: losing one of them hides real drift. */
export const ERROR_LEVEL_SECTIONS = new Set([
  'platform', 'apt_sources', 'packages', 'runtimes', 'accounts', 'services', 'listeners', 'files', 'time', 'locale', 'env',
  'conffiles', 'unowned_files', 'trees', 'cron',
]);

/** Units that exist because someone is logged in. */
export function isSessionUnit(name: string): boolean {
  return /^(user|user-runtime-dir)@\d+$/.test(name) || /^session-/.test(name);
}

/** Units about hardware, consoles and early boot, which a container does not run. */
export function isMachineUnit(name: string): boolean {
  return /^(getty@|serial-getty@|autovt@|container-getty@|console-getty$|systemd-fsck|modprobe@|systemd-udev|systemd-modules-load$|systemd-remount-fs$|systemd-sysctl$|systemd-random-seed$|systemd-machine-id-commit$|systemd-pstore$|systemd-firstboot$|systemd-binfmt$|kmod-static-nodes$|systemd-repart$|systemd-pcr|systemd-hwdb-update$|systemd-rfkill$|systemd-backlight@|systemd-growfs|systemd-boot-|systemd-hibernate|systemd-suspend|systemd-quotacheck$|ifup@|networking$|systemd-networkd|systemd-resolved$|cloud-|e2scrub|fstrim$|getty-static$|systemd-journal-flush$|dmesg$|lvm2-|mdmonitor|multipathd|qemu-guest-agent$|open-vm-tools$|vmtoolsd$)/.test(
    name,
  );
}

/** Time daemons: their presence follows the time-sync rule, not the services rule. */
export function isTimeSyncUnit(name: string): boolean {
  return /^(systemd-timesyncd|chrony|chronyd|ntp|ntpd|ntpsec|openntpd)$/.test(name);
}

/** Processes of host plumbing whose sockets a container does not have (DHCP, resolver, time). */
export function isHostPlumbingProcess(process: string | undefined): boolean {
  return process !== undefined && /^(dhclient|dhcpcd|systemd-network|systemd-resolve|systemd-timesyn|chronyd|ntpd|ntpsec)/.test(process);
}

/**
 * sysctls a container cannot have its own value for: kernel.*, fs.*, vm.*,
 * and net.core.* except the per-namespace ones.
 */
export function isHostOwnedSysctl(key: string): boolean {
  if (/^(kernel|fs|vm|dev|user)\./.test(key)) return true;
  if (key.startsWith('net.core.')) return !/^net\.core\.(somaxconn|xfrm_)/.test(key);
  return false;
}
