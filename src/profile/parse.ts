import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { fieldOrigin, selectEnvironment } from './environments.js';
import { checkMachines, type MachineConfig } from './machines.js';
import { isArchiveUrl, ProfileSchema, type PortMapping, type ProfileData, type SyncFolder } from './schema.js';
import { configErrorAt, displayPath, readYamlSource, validateSource, type FieldPath, type YamlSource } from './yaml-source.js';

/**
 * devenv.yaml on its own: found, read, validated against the schema, the
 * `environments:` overlay applied and the rules across its fields checked,
 * with positions for every error. What the profile names (box definition,
 * manifests, provisioners, lock) is loaded in src/environment/load.ts.
 */

export const DEFAULT_PROFILE = 'devenv.yaml';

export interface ResolvedSync extends SyncFolder {
  /** Absolute host path. */
  hostPath: string;
}

export interface MachineIdentity {
  /** The machine's name: its host name and its name on the private network. */
  name: string;
  /** The profile's top-level name. */
  project: string;
  /** Machines it boots after. */
  dependsOn: string[];
}

/** The profile file read and checked: every later stage's view of a profile starts from this. */
export interface ParsedProfile {
  /** Absolute path of the profile file. */
  path: string;
  /** As shown to the user. */
  file: string;
  /** The folder relative paths are resolved against. */
  dir: string;
  data: ProfileData;
  source: YamlSource;
  sync: ResolvedSync[];
  /** The `environments:` overlay applied (-e NAME), if any. */
  environment?: string;
  /**
   * Set on one machine of a `machines:` profile: its data is the machine's (what it
   * inherits filled in), its name `<project>-<machine>`; the backend labels and
   * networks the environment by it, and its lock is its own (devenv.<machine>.lock).
   */
  machine?: MachineIdentity;
}

/** Finds the profile: -p FILE, else devenv.yaml in the working directory. */
export function locateProfile(option: string | undefined, cwd = process.cwd()): string {
  const path = resolve(cwd, option ?? DEFAULT_PROFILE);
  if (!existsSync(path)) {
    throw new UsageError(`no profile at ${displayPath(path)}`, {
      hint: option ? 'check the path given to -p/--profile' : 'run `devenv init` to write one, or pass -p FILE',
    });
  }
  if (statSync(path).isDirectory()) {
    const inner = resolve(path, DEFAULT_PROFILE);
    if (existsSync(inner)) return inner;
    throw new UsageError(`${displayPath(path)} is a folder without a ${DEFAULT_PROFILE}`);
  }
  return path;
}

/** Reads the profile and validates it against the schema, with the `environments:` overlay NAME applied. */
export async function readProfile(path: string, environment: string | undefined): Promise<{ source: YamlSource; data: ProfileData }> {
  if (!existsSync(path)) {
    throw new UsageError(`no profile at ${displayPath(path)}`, { hint: 'run `devenv init` to write one, or pass -p FILE' });
  }
  const source = await readYamlSource(path);
  if (source.doc.contents === null) {
    throw configErrorAt(source, [], 'the profile is empty (it needs at least "name" and "box")');
  }
  return { source, data: selectEnvironment(source, validateSource(source, ProfileSchema), environment) };
}

/** Rules across fields: they need no file system. */
export function checkProfileRules(source: YamlSource, data: ProfileData): void {
  if (data.backend === 'vagrant' && !data.vagrant) {
    throw configErrorAt(source, ['backend'], 'backend "vagrant" needs a "vagrant" block (at least its provider)');
  }
  if (data.backend === 'vagrant' && data.vagrant && data.vagrant.provider === 'virtualbox' && !data.vagrant.box) {
    // VirtualBox boots a Vagrant box; the docker and libvirt providers boot devenv's own box, built from the definition.
    const at = source.doc.hasIn(['vagrant', 'provider']) ? ['vagrant', 'provider'] : ['vagrant'];
    throw configErrorAt(source, at, `provider "${data.vagrant.provider}" boots a VM from a Vagrant box: name it in "vagrant.box" (e.g. debian/bookworm64)`);
  }
  checkHostPorts(source, data.ports);
  checkMachines(source, data);
}

/**
 * A profile of several machines: refused by a command that works on one
 * environment only (after it is checked, rather than one machine of it taken
 * for the whole), and booted on the docker backend only.
 */
export function checkSeveralMachines(source: YamlSource, data: ProfileData, severalMachines: boolean): void {
  if (data.machines && !severalMachines) {
    throw configErrorAt(
      source,
      ['machines'],
      `the profile has several machines (${Object.keys(data.machines).join(', ')}), and this command works on a one-machine profile only (up, halt, destroy, status, exec, shell, plan, provision and parity take machines)`,
      { which: 'key' },
    );
  }
  if (data.machines && data.backend !== 'docker') {
    throw configErrorAt(
      source,
      ['backend'],
      `several machines boot on backend "docker" only, not "${data.backend}": leave backend: out, or write one machine at the top level`,
    );
  }
}

/** Where a field of the profile being completed is written (for errors), and which machine it is. */
export interface ProfileOrigin {
  at(field: 'box' | 'sync' | 'manifests' | 'production'): FieldPath;
  machine?: MachineIdentity;
}

export const TOP_LEVEL: ProfileOrigin = { at: (field) => [field] };

/** A machine's field is written in the machine when it writes it, else inherited from the top level. */
export function machineOrigin(data: ProfileData, machine: MachineConfig): ProfileOrigin {
  const own = data.machines![machine.name]!;
  return {
    at: (field) => (own[field] !== undefined ? ['machines', machine.name, field] : [field]),
    machine: { name: machine.name, project: data.name, dependsOn: machine.depends_on },
  };
}

/** The synced folders' host sides, each of which must exist. */
export function resolveSync(source: YamlSource, data: ProfileData, dir: string, origin: ProfileOrigin): ResolvedSync[] {
  return data.sync.map((folder, index) => {
    const hostPath = hostFolderPath(folder.host, dir);
    if (!existsSync(hostPath)) throw configErrorAt(source, [...origin.at('sync'), index], `the host folder ${displayPath(hostPath)} does not exist`);
    return { ...folder, hostPath };
  });
}

/** The archives a profile names on this machine: each is a folder `devenv archive export` wrote. */
export function checkArchiveFolders(source: YamlSource, data: ProfileData, dir: string): void {
  (data.archives ?? []).forEach((archive, index) => {
    // A served archive is only read when an environment is provisioned: loading a profile never touches the network.
    if (isArchiveUrl(archive)) return;
    const archivePath = resolve(dir, archive);
    if (!existsSync(join(archivePath, 'Packages')) && !existsSync(join(archivePath, 'wheels'))) {
      throw configErrorAt(
        source,
        ['archives', index],
        `${displayPath(archivePath)} is not an archive written by \`devenv archive export\` (no Packages index, no wheels/)`,
      );
    }
  });
}

/** `production.facts`, a file of facts beside the profile, must exist. */
export function checkProductionFacts(source: YamlSource, data: ProfileData, dir: string, origin: ProfileOrigin, environment: string | undefined): void {
  if (data.production?.facts === undefined) return;
  const factsPath = resolve(dir, data.production.facts);
  const at = origin.machine ? [...origin.at('production'), 'facts'] : fieldOrigin(source, environment, ['production', 'facts']);
  if (!existsSync(factsPath)) throw configErrorAt(source, at, `${displayPath(factsPath)} does not exist`);
}

/** A synced folder's host side: absolute, "~" or "~/…" (the user's home, as in a shell), or relative to the profile. */
export function hostFolderPath(host: string, profileDir: string): string {
  if (host === '~' || host.startsWith('~/')) return join(homedir(), host.slice(1));
  return isAbsolute(host) ? host : resolve(profileDir, host);
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::']);

/** Two forwards cannot bind the same host port; a wildcard address (0.0.0.0, ::) takes the port on every address. */
function checkHostPorts(source: YamlSource, ports: readonly PortMapping[]): void {
  ports.forEach((port, index) => {
    const earlier = ports.findIndex(
      (other, otherIndex) =>
        otherIndex < index &&
        other.hostPort === port.hostPort &&
        other.protocol === port.protocol &&
        (other.hostIp === port.hostIp || WILDCARD_ADDRESSES.has(other.hostIp) || WILDCARD_ADDRESSES.has(port.hostIp)),
    );
    if (earlier >= 0) {
      throw configErrorAt(source, ['ports', index], `host port ${port.hostIp}:${port.hostPort}/${port.protocol} is already used by ports[${earlier}]`);
    }
  });
}
