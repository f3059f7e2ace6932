/**
 * What kind of thing a unit, process or sysctl is, for parity's topics: the
 * session's, the machine's, the host's. Pure predicates.
 */

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
