// One file over 300 lines on purpose: loading a profile is one ordered pass (schema, box, manifests, templates,
// lock, provisioners, machines), and the order is the order in which a user meets the errors.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { boxNotFound, loadBoxDefinition, resolveBoxPath, type BoxDefinition } from '../box/definition.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { TemplateSet } from '../manifest/desired-content.js';
import type { LoadedLock } from '../lock/lock-file.js';
import { fieldOrigin, selectEnvironment } from './environments.js';
import { checkMachines, machineProfileData, resolveMachines, type MachineConfig } from './machines.js';
import { isArchiveUrl, ProfileSchema, type PortMapping, type ProfileData, type SyncFolder } from './schema.js';
import { resolveProvisioners, type ProvisionerEntry } from '../provisioners/entries.js';
import { configErrorAt, displayPath, formatFieldPath, readYamlSource, validateSource, type FieldPath, type YamlSource } from './yaml-source.js';

export const DEFAULT_PROFILE = 'devenv.yaml';

export interface ResolvedSync extends SyncFolder {
  /** Absolute host path. */
  hostPath: string;
}

export interface LoadedProfile {
  /** Absolute path of the profile file. */
  path: string;
  /** As shown to the user. */
  file: string;
  /** The folder relative paths are resolved against. */
  dir: string;
  data: ProfileData;
  source: YamlSource;
  box: BoxDefinition;
  manifests: LoadedManifest[];
  /** devenv.lock beside the profile, when there is one and the manifests were read. */
  lock?: LoadedLock;
  /** What builds the environment, in order (`manifests:` alone is one devenv entry); empty when manifests were not read. */
  provisioners: ProvisionerEntry[];
  sync: ResolvedSync[];
  /** The manifests' templates, compiled while loading (their syntax checked before any engine). */
  templates?: TemplateSet;
  /** The `environments:` overlay applied (-e NAME), if any. */
  environment?: string;
  /** Hash of what shapes the environment itself (box, ports, sync, resources): changing it recreates the environment. */
  environmentHash: string;
  /**
   * Set on one machine of a `machines:` profile: its data is the machine's (what it
   * inherits filled in), its name `<project>-<machine>`; the backend labels and
   * networks the environment by it, and its lock is its own (devenv.<machine>.lock).
   */
  machine?: MachineIdentity;
  /** With `severalMachines` and a `machines:` profile: one profile per machine, in boot order. */
  machines?: LoadedProfile[];
}

export interface MachineIdentity {
  /** The machine's name: its host name and its name on the private network. */
  name: string;
  /** The profile's top-level name. */
  project: string;
  /** Machines it boots after. */
  dependsOn: string[];
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

export interface LoadProfileOptions {
  /**
   * Read and check the manifests (default). Commands that only find the environment
   * (exec, shell, status, halt, destroy) skip them: they do not use them, they start
   * faster, and a broken manifest never locks you out of the environment you fix it in.
   */
  manifests?: boolean;
  /** -e/--environment NAME: the profile with that `environments:` overlay applied. */
  environment?: string;
  /**
   * The caller handles a profile of several machines (it gets them in `machines`).
   * A command that works on one environment only refuses such a profile (exit 2)
   * after it is checked, rather than one machine of it taken for the whole.
   */
  severalMachines?: boolean;
}

/**
 * Reads and validates the profile and everything it references (box definition,
 * manifests, synced folders) before anything touches an engine.
 */
export async function loadProfile(path: string, options: LoadProfileOptions = {}): Promise<LoadedProfile> {
  if (!existsSync(path)) {
    throw new UsageError(`no profile at ${displayPath(path)}`, { hint: 'run `devenv init` to write one, or pass -p FILE' });
  }
  const source = await readYamlSource(path);
  if (source.doc.contents === null) {
    throw configErrorAt(source, [], 'the profile is empty (it needs at least "name" and "box")');
  }
  const data = selectEnvironment(source, validateSource(source, ProfileSchema), options.environment);
  const dir = dirname(path);

  // Rules across fields first: they need no file system.
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
  for (const [name, machine] of Object.entries(data.machines ?? {})) {
    if (machine.box !== undefined && !resolveBoxPath(machine.box, dir)) throw boxNotFound(source, ['machines', name, 'box'], machine.box);
  }
  if (data.machines && options.severalMachines !== true) {
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

  const project = await completeProfile(path, source, data, options, TOP_LEVEL);
  if (!data.machines) return project;
  const machines: LoadedProfile[] = [];
  for (const machine of resolveMachines(data)) {
    machines.push(await completeProfile(path, source, machineProfileData(data, machine), options, machineOrigin(data, machine)));
  }
  return { ...project, machines };
}

/** Where a field of the profile being completed is written (for errors), and which machine it is. */
interface ProfileOrigin {
  at(field: 'box' | 'sync' | 'manifests' | 'production'): FieldPath;
  machine?: MachineIdentity;
}

const TOP_LEVEL: ProfileOrigin = { at: (field) => [field] };

/** A machine's field is written in the machine when it writes it, else inherited from the top level. */
function machineOrigin(data: ProfileData, machine: MachineConfig): ProfileOrigin {
  const own = data.machines![machine.name]!;
  return {
    at: (field) => (own[field] !== undefined ? ['machines', machine.name, field] : [field]),
    machine: { name: machine.name, project: data.name, dependsOn: machine.depends_on },
  };
}

/** Everything a profile's data references (box, synced folders, manifests, lock), loaded and checked. */
async function completeProfile(
  path: string,
  source: YamlSource,
  data: ProfileData,
  options: LoadProfileOptions,
  origin: ProfileOrigin,
): Promise<LoadedProfile> {
  const dir = dirname(path);
  const machine = origin.machine;
  const boxPath = resolveBoxPath(data.box, dir);
  if (!boxPath) throw boxNotFound(source, origin.at('box'), data.box);
  const box = await loadBoxDefinition(boxPath, { source, at: origin.at('box') });

  const sync: ResolvedSync[] = data.sync.map((folder, index) => {
    const hostPath = hostFolderPath(folder.host, dir);
    if (!existsSync(hostPath)) throw configErrorAt(source, [...origin.at('sync'), index], `the host folder ${displayPath(hostPath)} does not exist`);
    return { ...folder, hostPath };
  });

  const manifests: LoadedManifest[] = [];
  const seenManifests = new Map<string, FieldPath>();
  // `provisioners:` (or `manifests:` as its shorthand), checked on this machine; devenv's own manifests are loaded below.
  const resolved = options.manifests === false ? { manifests: [], entries: [] } : resolveProvisioners(source, data, dir);
  // A machine's own manifests are written in the machine: errors point there.
  const wanted = resolved.manifests.map((reference) =>
    reference.at[0] === 'manifests' ? { ...reference, at: [...origin.at('manifests'), ...reference.at.slice(1)] } : reference,
  );
  // The manifest engine (its schemas are most of devenv's) is loaded only when manifests are read.
  const { loadManifestFile } = wanted.length > 0 ? await import('../manifest/load.js') : { loadManifestFile: undefined };
  for (const { path: manifestPath, at } of wanted) {
    const earlier = seenManifests.get(manifestPath);
    if (earlier !== undefined) throw configErrorAt(source, at, `${JSON.stringify(source.doc.getIn(at))} is already listed as ${formatFieldPath(earlier)}`);
    seenManifests.set(manifestPath, at);
    manifests.push(await loadManifestFile!(manifestPath, { source, at }));
  }
  // References across manifests, cycles and template syntax are load-time errors too
  // (exit 2 before an engine is touched); the compiled templates are kept for the render.
  let templates: LoadedProfile['templates'];
  // The lock is read with the manifests: a pin that disagrees with it is a load-time error too.
  let lock: LoadedLock | undefined;
  if (options.manifests !== false) {
    const { readLock } = await import('../lock/lock-file.js');
    lock = await readLock(path, data.box, machine?.name);
    if (lock) (await import('../manifest/locked-manifests.js')).lockedManifests(manifests, lock);
  }
  if (manifests.length > 0) {
    const catalog = (await import('../manifest/catalog.js')).buildCatalog(manifests);
    const { checkTemplates, TemplateSet } = await import('../manifest/desired-content.js');
    templates = new TemplateSet();
    checkTemplates(catalog, templates);
  }

  const boxArchives = box.apt_sources.map((boxSource) => boxSource.archive);
  (data.apt.sources ?? []).forEach((wanted, index) => {
    if (!boxArchives.includes(wanted.archive)) {
      throw configErrorAt(
        source,
        ['apt', 'sources', index, 'archive'],
        `the box ${box.name} has no archive "${wanted.archive}" (its mirror serves ${boxArchives.join(', ')})`,
      );
    }
  });
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

  if (data.production?.facts !== undefined) {
    const factsPath = resolve(dir, data.production.facts);
    const at = machine ? [...origin.at('production'), 'facts'] : fieldOrigin(source, options.environment, ['production', 'facts']);
    if (!existsSync(factsPath)) throw configErrorAt(source, at, `${displayPath(factsPath)} does not exist`);
  }

  const environmentHash = hashOf({
    box: box.hash,
    backend: data.backend,
    vagrant: data.vagrant,
    ports: data.ports,
    sync: sync.map((s) => [s.hostPath, s.guest, s.readOnly]),
    resources: data.resources,
    sysctls: data.sysctls,
    // A machine is its own environment (its network alias and labels); a one-machine profile's hash is as it was.
    ...(machine ? { machine: machine.name } : {}),
  });

  return {
    path,
    file: source.file,
    dir,
    data,
    source,
    box,
    manifests,
    provisioners: resolved.entries,
    sync,
    environmentHash,
    ...(templates ? { templates } : {}),
    ...(lock ? { lock } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    ...(machine ? { machine } : {}),
  };
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
