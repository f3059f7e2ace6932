import { dirname } from 'node:path';
import { hashOf } from '../core/hash.js';
import { boxNotFound, loadBoxDefinition, resolveBoxPath } from '../box/definition.js';
import type { BackendProfile } from '../backends/backend.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { LoadedLock } from '../lock/lock-file.js';
import { machineProfileData, resolveMachines } from '../profile/machines.js';
import {
  checkArchiveFolders,
  checkProductionFacts,
  checkProfileRules,
  checkSeveralMachines,
  machineOrigin,
  readProfile,
  resolveSync,
  TOP_LEVEL,
  type ProfileOrigin,
} from '../profile/parse.js';
import type { ProfileData } from '../profile/schema.js';
import { resolveProvisioners, type ProvisioningProfile } from '../provisioners/entries.js';
import { configErrorAt, formatFieldPath, type FieldPath, type YamlSource } from '../profile/yaml-source.js';

/**
 * A profile and everything it names, loaded and checked before anything
 * touches an engine: what each stage reads of it (BackendProfile,
 * ManifestProfile, ProvisioningProfile) is declared by that stage.
 */
export interface LoadedProfile extends BackendProfile, ProvisioningProfile {
  /** With `severalMachines` and a `machines:` profile: one profile per machine, in boot order. */
  machines?: LoadedProfile[];
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
 * manifests, synced folders) before anything touches an engine. One ordered pass
 * (schema, box, manifests, templates, lock, provisioners, machines): the order is
 * the order in which a user meets the errors.
 */
export async function loadProfile(path: string, options: LoadProfileOptions = {}): Promise<LoadedProfile> {
  const { source, data } = await readProfile(path, options.environment);
  const dir = dirname(path);

  checkProfileRules(source, data);
  for (const [name, machine] of Object.entries(data.machines ?? {})) {
    if (machine.box !== undefined && !resolveBoxPath(machine.box, dir)) throw boxNotFound(source, ['machines', name, 'box'], machine.box);
  }
  checkSeveralMachines(source, data, options.severalMachines === true);

  const project = await completeProfile(path, source, data, options, TOP_LEVEL);
  if (!data.machines) return project;
  const machines: LoadedProfile[] = [];
  for (const machine of resolveMachines(data)) {
    machines.push(await completeProfile(path, source, machineProfileData(data, machine), options, machineOrigin(data, machine)));
  }
  return { ...project, machines };
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

  const sync = resolveSync(source, data, dir, origin);

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
  checkArchiveFolders(source, data, dir);
  checkProductionFacts(source, data, dir, origin, options.environment);

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
