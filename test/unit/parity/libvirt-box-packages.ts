/**
 * What the debian-12 libvirt box adds to the container box (src/box/libvirt-box.ts,
 * VM_PACKAGES with apt's dependencies, --no-install-recommends), recorded from a
 * real build on 2026-12-07: the packages the VM has and its container twin lacks.
 */
export const LIBVIRT_BOX_PACKAGES = [
  'libedit2', 'libcbor0.8', 'libfido2-1', 'openssh-client', 'openssh-sftp-server', 'sensible-utils', 'ucf', 'runit-helper', 'libnsl2', 'libwrap0',
  'openssh-server', 'libglib2.0-0', 'libnuma1', 'liburing2', 'qemu-guest-agent', 'libpopt0', 'rsync', 'sudo', 'cpio', 'kmod', 'udev', 'libklibc',
  'klibc-utils', 'initramfs-tools-core', 'linux-base', 'initramfs-tools', 'linux-image-6.1.0-57-amd64', 'linux-image-amd64', 'systemd-resolved',
] as const;
