/**
 * The `vagrant` user as Vagrant expects it in every box devenv builds (the docker
 * provider's image and the libvirt VM): its uid, its key ($1 of the recipe's script)
 * and passwordless sudo. One copy, so both boxes give production's accounts the same room.
 */

/** Not 1000: that is the first account of every production host, and a profile declaring it (ops, deploy) must get it. */
export const VAGRANT_USER_ID = 59999;

/** Shell lines, run as root in the build container; the public key is the script's $1. */
export const VAGRANT_USER_RECIPE: readonly string[] = [
  `getent group vagrant >/dev/null || groupadd --gid ${VAGRANT_USER_ID} vagrant`,
  `id vagrant >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --uid ${VAGRANT_USER_ID} --gid vagrant vagrant`,
  'install -d -m 0700 -o vagrant -g vagrant /home/vagrant/.ssh',
  'printf "%s\\n" "$1" > /home/vagrant/.ssh/authorized_keys',
  'chown vagrant:vagrant /home/vagrant/.ssh/authorized_keys && chmod 0600 /home/vagrant/.ssh/authorized_keys',
  'printf "vagrant ALL=(ALL) NOPASSWD: ALL\\nDefaults:vagrant !requiretty\\n" > /etc/sudoers.d/vagrant && chmod 0440 /etc/sudoers.d/vagrant',
  'visudo -cf /etc/sudoers.d/vagrant >/dev/null',
];
