/** An exact Debian version as dpkg writes it: [epoch:]upstream[-revision], e.g. "1:9.2p1-2+deb12u3". */
export const DEBIAN_VERSION = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;

/** An apt `ensure` that is a version (a pin), not one of the words present, latest, absent, purged. */
export function isPinnedVersion(ensure: string): boolean {
  return /^[0-9]/.test(ensure);
}
