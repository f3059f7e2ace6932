/**
 * What the wave-2 file facts mean for parity (DESIGN.md "Facts", wave 2): which
 * of the files no package owns every Debian host has anyway, and why. Pure data
 * and functions, like severity.ts.
 *
 * The rule of thumb: a file no package owns is production's own configuration
 * (an error when the environment lacks it or it differs), unless it is one of
 * the files the base system writes on every host — per machine (host keys,
 * machine-id, fstab), derived from the package set by a maintainer script or a
 * trigger (ld.so.cache, /etc/alternatives, rc?.d, pam-auth-update's common-*),
 * an account database (the accounts section compares those), compared by
 * another section (timezone, locale, apt sources), an enablement link of
 * systemctl enable, or plumbing of devenv's own boxes. The generated ones are
 * exactly what a bare box has that no package owns: test/unit/parity records a
 * real box's list and holds that every entry of it is classified here.
 */

export type UnownedClass = 'config' | 'generated' | 'machine' | 'account_db' | 'covered' | 'enablement' | 'box';

/** Account databases and their backups, shadow's lock and opasswd: compared by the accounts section. */
const ACCOUNT_DB = /^\/etc\/((passwd|group|shadow|gshadow|subuid|subgid)-?|\.pwd\.lock|security\/opasswd)$/;

/** Written per machine (installer, first boot, a postinst generating keys): two machines always differ. */
const MACHINE = new RegExp(
  '^/etc/(' +
    [
      'hostname',
      'hosts',
      'resolv\\.conf',
      'machine-id',
      'machine-info',
      'hostid',
      'mtab',
      'fstab',
      'crypttab',
      'adjtime',
      'mailname',
      'networks',
      'ld\\.so\\.cache',
      'ssh/ssh_host_[^/]+',
      'ssl/certs/ssl-cert-snakeoil\\.pem',
      'ssl/private/ssl-cert-snakeoil\\.key',
      'network/interfaces(\\.d/.*)?',
      'netplan/.*',
      'udev/rules\\.d/70-persistent-.*',
      'cloud/.*',
      'default/grub(\\.d/.*)?',
      'initramfs-tools/conf\\.d/resume',
      'lvm/(archive|backup)/.*',
      'mdadm/mdadm\\.conf',
      'iscsi/initiatorname\\.iscsi',
      // The kernel's module lists (kmod's and initramfs-tools' postinst write them): a container loads no modules of its own.
      'modules',
      'initramfs-tools/modules',
      'default/(keyboard|console-setup)',
      'vconsole\\.conf',
      'console-setup/.*',
      'apparmor\\.d/cache/.*',
      'dhcp/dhclient-.*\\.(conf|leases)',
    ].join('|') +
    ')$',
);

/** Read and compared by another section: time (localtime, timezone) and locale. */
const COVERED = /^\/etc\/(localtime|timezone|default\/locale|locale\.conf|locale\.gen)$/;

/** Derived from the package set by maintainer scripts and triggers: the same packages give the same files. */
const GENERATED = new RegExp(
  '^/etc/(' +
    [
      'alternatives/.*',
      'rc[0-6S]\\.d/.*',
      'ssl/certs/ca-certificates\\.crt',
      'ca-certificates\\.conf',
      'pam\\.d/common-[a-z-]+',
      'shells',
      'dpkg/origins/default',
      'environment',
      'profile',
      'motd',
      'nsswitch\\.conf',
      'runit/runsvdir/.*',
      'hosts\\.(allow|deny)',
    ].join('|') +
    ')$',
);

/** Written by devenv's own boxes (src/backends, src/box): the box's plumbing, not the application's. */
const BOX =
  /^\/etc\/(systemd\/system\/ssh\.service\.d\/devenv-host-keys\.conf|sudoers\.d\/vagrant|systemd\/network\/80-devenv-dhcp\.network|initramfs-tools\/conf\.d\/devenv-modules\.conf)$/;

/** apt's own source lists: the apt_sources section compares what they say without mirror hosts. */
export const APT_SOURCE_FILE = /^\/etc\/apt\/sources\.list(\.d\/[^/]+\.(list|sources))?$/;
/** The distribution's default source list names: one host has sources.list, the next debian.sources. */
export const DEFAULT_APT_SOURCE_FILE = /^\/etc\/apt\/(sources\.list|sources\.list\.d\/(debian|ubuntu)\.sources)$/;

export function classifyUnowned(path: string, type?: string): UnownedClass {
  if (ACCOUNT_DB.test(path)) return 'account_db';
  if (BOX.test(path)) return 'box';
  if (MACHINE.test(path)) return 'machine';
  if (COVERED.test(path)) return 'covered';
  if (GENERATED.test(path)) return 'generated';
  // systemctl enable/mask writes links (wants/requires, Alias=, /dev/null); unit files and drop-ins are files.
  if (type === 'link' && /^\/etc\/systemd\/(system|user)\//.test(path)) return 'enablement';
  return 'config';
}

/** The unit an enablement link is about: /etc/systemd/system/multi-user.target.wants/nginx.service → nginx.service. */
export function linkedUnit(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Where a person looks for it: /etc/nginx/conf.d/x.conf → /etc/nginx; /etc/motd → /etc; /opt/agent/bin/x → /opt/agent. */
export function fileGroup(path: string): string {
  for (const root of ['/usr/share/keyrings', '/usr/local', '/opt']) {
    if (path === root || path.startsWith(`${root}/`)) {
      if (root === '/usr/share/keyrings') return root;
      const rest = path.slice(root.length + 1);
      return rest ? `${root}/${rest.split('/')[0]}` : root;
    }
  }
  const match = /^\/etc\/([^/]+)\//.exec(path);
  return match ? `/etc/${match[1]}` : '/etc';
}

/** Groups whose membership grants root or reads every secret: a membership there is never a detail. */
export const PRIVILEGED_GROUPS = new Set([
  'root',
  'sudo',
  'wheel',
  'admin',
  'adm',
  'shadow',
  'disk',
  'docker',
  'lxd',
  'libvirt',
  'kvm',
  'systemd-journal',
  'staff',
]);
