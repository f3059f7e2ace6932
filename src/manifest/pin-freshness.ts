import { compareDebianVersions } from './apt-closure.js';

/**
 * Pin freshness (seed 001's z3c.checkversions), pure: for each pinned or locked
 * package, the newest version the environment's apt sources offer, and whether a
 * newer one comes from a security suite (bookworm-security, …/updates).
 */
export interface OfferedVersion {
  version: string;
  /** The suites (archive/suite/component) that offer it, as apt-cache policy lists them. */
  suites: string[];
}

export interface Freshness {
  package: string;
  pinned: string;
  /** Where the pin is written: a manifest's file, or devenv.lock. */
  from: string;
  newest?: string;
  security: boolean;
  /** Newer versions than the pin, newest first. */
  newer: string[];
}

/** `apt-cache policy A B …` → package → every version with the suites offering it (the dpkg status line left out). */
export function parsePolicyVersions(stdout: string): Record<string, OfferedVersion[]> {
  const out: Record<string, OfferedVersion[]> = {};
  let current: OfferedVersion[] | undefined;
  let version: OfferedVersion | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = out[header[1]!.replace(/:[a-z0-9]+$/, '')] = [];
      version = undefined;
      continue;
    }
    if (!current) continue;
    const versionLine = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (versionLine) {
      version = { version: versionLine[1]!, suites: [] };
      current.push(version);
      continue;
    }
    const sourceLine = /^\s{8}-?\d+ (\S+)(?: (\S+))?/.exec(line);
    if (sourceLine && version && !sourceLine[1]!.startsWith('/var/lib/dpkg/status')) version.suites.push(sourceLine[2] ?? sourceLine[1]!);
  }
  // A version only in dpkg's status (installed, offered by no source) is not an offer.
  for (const [name, versions] of Object.entries(out)) out[name] = versions.filter((v) => v.suites.length > 0);
  return out;
}

export function isSecuritySuite(suite: string): boolean {
  return /-security(\/|$)/.test(suite) || /\/updates(\/|$)/.test(suite.split('/').slice(0, 2).join('/'));
}

export function freshness(pins: readonly { package: string; pinned: string; from: string }[], offered: Record<string, OfferedVersion[]>): Freshness[] {
  return pins.map((pin) => {
    const versions = offered[pin.package] ?? [];
    const newer = versions.filter((v) => compareDebianVersions(v.version, pin.pinned) > 0).sort((a, b) => compareDebianVersions(b.version, a.version));
    const newest = [...versions].sort((a, b) => compareDebianVersions(b.version, a.version))[0]?.version;
    return {
      ...pin,
      ...(newest ? { newest } : {}),
      security: newer.some((v) => v.suites.some(isSecuritySuite)),
      newer: newer.map((v) => v.version),
    };
  });
}
