import { normalizePythonName as pep503 } from '../core/python-name.js';

/** Names the same thing the same way whichever tool reported it. */

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'armhf',
  i386: 'i386',
  i686: 'i386',
  ppc64le: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** Kernel machine names (x86_64) → Debian architecture names (amd64), which dpkg and Facter use. */
export function normalizeArch(machine: string): string {
  return ARCH_ALIASES[machine] ?? machine;
}

/** PEP 503 (core/python-name.ts) of a name as a tool printed it, surrounding whitespace dropped. */
export function normalizePythonName(name: string): string {
  return pep503(name.trim());
}
