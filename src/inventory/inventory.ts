import type { Facts } from '../facts/schema.js';
import { compareDebianVersions } from '../manifest/apt-closure.js';

/**
 * What runs where (seed 001): for every package (apt, pip) the version on each
 * host, the newest one among them, and the hosts that lag behind it. Pure:
 * facts in, document out.
 *
 * Versions are ordered the way dpkg orders them. pip versions go through the
 * same ordering after a PEP 440 pre-release (1.0rc1, 2.0b2, 3.0.dev1) is
 * written with dpkg's "~" (1.0~rc1), so it sorts before its release as pip says.
 */

export const INVENTORY_SCHEMA_ID = 'devenv.inventory/v1';

export type PackageKind = 'apt' | 'pip';

export interface InventoryHost {
  host: string;
  name: string;
  source: string;
  collected_at: string;
}

export interface InventoryPackage {
  kind: PackageKind;
  name: string;
  /** The highest version on any host. */
  newest: string;
  /** host → version (pip: the highest of the host's venvs); hosts without the package are left out. */
  versions: Record<string, string>;
  /** Hosts whose version is older than `newest`, in the order the hosts were given. */
  lagging: string[];
  /** Hosts that do not have it at all. */
  missing: string[];
}

export interface InventoryDocument {
  schema: typeof INVENTORY_SCHEMA_ID;
  hosts: InventoryHost[];
  summary: {
    hosts: number;
    packages: number;
    /** Packages not at one version on every host (a version differs, or some host lacks it). */
    differing: number;
    /** host → how many packages it has older than the newest. */
    lagging: Record<string, number>;
  };
  packages: InventoryPackage[];
  /** Hosts whose facts could not be collected: not in the table, so the table is incomplete. */
  failed: { host: string; error: string }[];
}

export interface HostFacts {
  host: string;
  facts: Facts;
}

/** A PEP 440 version in dpkg's order: pre-releases and dev releases sort before the release. */
export function pipVersionForOrdering(version: string): string {
  const PRE: Record<string, string> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };
  return version
    .toLowerCase()
    .replace(/\+.*$/, '')
    .replace(/^v/, '')
    .replace(/[-_.]?(alpha|beta|preview|pre|rc|a|b|c)(\d*)/g, (_m, tag: string, n: string) => `~${PRE[tag]}${n}`)
    .replace(/[-_.]?dev(\d*)/g, '~~dev$1')
    .replace(/[-_.]?post(\d*)/g, '+post$1');
}

export function compareVersions(kind: PackageKind, a: string, b: string): number {
  return kind === 'apt' ? compareDebianVersions(a, b) : compareDebianVersions(pipVersionForOrdering(a), pipVersionForOrdering(b));
}

/** name → version on one host, for one kind. */
function versionsOn(facts: Facts, kind: PackageKind): Map<string, string> {
  const out = new Map<string, string>();
  if (kind === 'apt') {
    for (const [name, pkg] of Object.entries(facts.packages?.deb ?? {})) {
      // Removed packages whose config is left ("rc") do not run anywhere.
      if (pkg.status.startsWith('i')) out.set(name, pkg.version);
    }
    return out;
  }
  for (const venv of Object.values(facts.runtimes?.python ?? {})) {
    for (const [name, version] of Object.entries(venv.packages)) {
      const earlier = out.get(name);
      if (earlier === undefined || compareVersions('pip', version, earlier) > 0) out.set(name, version);
    }
  }
  return out;
}

export function buildInventory(hosts: readonly HostFacts[], options: { package?: string; failed?: { host: string; error: string }[] } = {}): InventoryDocument {
  const packages: InventoryPackage[] = [];
  const lagCount: Record<string, number> = Object.fromEntries(hosts.map((h) => [h.host, 0]));
  for (const kind of ['apt', 'pip'] as const) {
    const perHost = hosts.map((h) => ({ host: h.host, versions: versionsOn(h.facts, kind) }));
    const names = new Set<string>();
    for (const { versions } of perHost) for (const name of versions.keys()) names.add(name);
    for (const name of [...names].sort()) {
      if (options.package !== undefined && name !== options.package) continue;
      const versions: Record<string, string> = {};
      const missing: string[] = [];
      let newest: string | undefined;
      for (const { host, versions: on } of perHost) {
        const version = on.get(name);
        if (version === undefined) {
          missing.push(host);
          continue;
        }
        versions[host] = version;
        if (newest === undefined || compareVersions(kind, version, newest) > 0) newest = version;
      }
      const lagging = Object.entries(versions)
        .filter(([, version]) => compareVersions(kind, version, newest!) < 0)
        .map(([host]) => host);
      for (const host of lagging) lagCount[host]!++;
      packages.push({ kind, name, newest: newest!, versions, lagging, missing });
    }
  }
  return {
    schema: INVENTORY_SCHEMA_ID,
    hosts: hosts.map((h) => ({ host: h.host, name: h.facts.target.name, source: h.facts.source, collected_at: h.facts.collected_at })),
    summary: {
      hosts: hosts.length,
      packages: packages.length,
      differing: packages.filter(isDiffering).length,
      lagging: lagCount,
    },
    packages,
    failed: options.failed ?? [],
  };
}

/** Not one version on every host. */
export function isDiffering(pkg: InventoryPackage): boolean {
  return pkg.missing.length > 0 || new Set(Object.values(pkg.versions)).size > 1;
}
