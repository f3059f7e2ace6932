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
  return /^(getty@|serial-getty@|autovt@|container-getty@|console-getty$|systemd-fsck|modprobe@|systemd-udev|systemd-modules-load$|systemd-remount-fs$|systemd-sysctl$|systemd-random-seed$|systemd-machine-id-commit$|systemd-pstore$|systemd-firstboot$|systemd-binfmt$|kmod-static-nodes$|systemd-repart$|systemd-pcr|systemd-hwdb-update$|systemd-rfkill$|systemd-backlight@|systemd-growfs|systemd-boot-|systemd-hibernate|systemd-suspend|systemd-quotacheck$|ifup@|networking$|systemd-networkd|systemd-network-generator$|systemd-resolved$|cloud-|e2scrub|fstrim$|getty-static$|systemd-journal-flush$|dmesg$|lvm2-|mdmonitor|multipathd|qemu-guest-agent$|open-vm-tools$|vmtoolsd$)/.test(
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

/**
 * Packages only a machine has: its kernel and what boots it (initramfs, boot
 * loader, firmware, microcode), kernel modules and devices (kmod, udev), its
 * own network and resolver (which an engine sets up for a container), guest
 * agents and first-boot tools. A container runs its host's kernel and gets
 * its devices from the engine, so one of these on one side of a VM/container pair
 * is what the two kinds of machine are, not drift.
 */
export function isMachinePackage(name: string): boolean {
  return /^(linux-(image|headers|modules|kbuild)-|linux-base$|grub|shim-|firmware-|intel-microcode$|amd64-microcode$|initramfs-tools|klibc-utils$|libklibc$|kmod$|udev$|qemu-guest-agent$|open-vm-tools|cloud-(init|guest-utils|initramfs-)|systemd-resolved$|ifupdown$|isc-dhcp-client$|netplan\.io$)/.test(
    name.replace(/:[a-z0-9]+$/, ''),
  );
}

/**
 * Vagrant's way into a machine, which every Vagrant box carries (devenv's boxes,
 * src/box/libvirt-box.ts and src/backends/vagrant/vagrant-box.ts, add it to the
 * box's tree): sshd for `vagrant ssh` and devenv's SSH master, sudo for the
 * `vagrant` user, rsync for synced folders. On one side of a pair where a side is
 * a Vagrant machine it is the backend's plumbing, not the application's.
 */
export function isVagrantAccessPackage(name: string): boolean {
  return /^(openssh-server|openssh-sftp-server|sudo|rsync)$/.test(name.replace(/:[a-z0-9]+$/, ''));
}

/** The units of Vagrant's way in (sshd; rsync's daemon unit, which a synced folder never starts; sudo's, masked by its package). */
export function isVagrantAccessUnit(name: string): boolean {
  return /^(ssh|sshd|rsync|sudo)$/.test(name);
}

/** The process behind Vagrant's way in (sshd; `sshd:` is how a listening sshd 9 may name itself). */
export function isVagrantAccessProcess(process: string | undefined): boolean {
  return process !== undefined && /^sshd\b/.test(process);
}
