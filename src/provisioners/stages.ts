import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { hashOf } from '../core/hash.js';
import type { ProvisioningProfile } from './entries.js';
import { buildCatalog } from '../manifest/catalog.js';
import { manifestSourcePath } from '../manifest/load.js';
import { externalInputs, externalProvisioner, isExternal } from './external.js';
import type { Provisioner } from './provisioner.js';

/**
 * A hash of everything provisioning reads on this machine: the manifests as
 * written, the files their `source:` and `template:` name, the profile's vars and
 * the box. `up` re-provisions an existing environment only when it changed.
 */
export function provisionInputsHash(profile: ProvisioningProfile, options: { lock?: boolean } = {}): string {
  const catalog = buildCatalog(profile.manifests);
  const files: [string, string][] = [];
  for (const resource of catalog.ordered) {
    if (resource.type !== 'file') continue;
    const reference = resource.attrs.source ?? resource.attrs.template;
    if (reference === undefined) continue;
    const path = manifestSourcePath(resource, reference);
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch {
      content = '(unreadable)';
    }
    files.push([path, content]);
  }
  // The lock is an input of the environment (a changed lock re-provisions it), but not of
  // the saved images' keys: an image is verified against the lock when it is used, and
  // the lock `up` writes after its first provision must not make every saved image stale.
  const lock = options.lock === false ? undefined : profile.lock?.source.text;
  // Puppet and Ansible stages: their code trees, facts, versions (absent for a profile of manifests alone, so its hash stays what it was).
  const external = profile.provisioners.filter(isExternal).map((entry) => externalInputs(entry, profile));
  return hashOf({
    manifests: profile.manifests.map((m) => m.source.text),
    files,
    vars: profile.data.vars,
    box: profile.box.hash,
    apt: profile.data.apt,
    ...(external.length > 0 ? { provisioners: external } : {}),
    ...(lock !== undefined ? { lock } : {}),
  });
}

/** One step of provisioning, and the cache key of its result. */
export interface ProvisionStage {
  /** The profile as far as this stage: its manifests and provisioners up to here. */
  profile: ProvisioningProfile;
  key: string;
  /** A Puppet or Ansible stage runs this; a devenv stage applies `profile`'s manifests. */
  provisioner?: Provisioner;
}

/**
 * Provisioning split at manifest boundaries, each stage keyed by everything its
 * result depends on: the box, the stage's manifests and files, the vars, and the
 * host facts templates read (a container sees the host's processors and memory).
 * When an earlier manifest refers to a later one, the manifests form one stage.
 * With Puppet or Ansible provisioners, each of them is one stage more, keyed by
 * its own inputs and every stage before it: one changed file re-runs that stage
 * and those after it.
 */
export function provisionStages(profile: ProvisioningProfile): ProvisionStage[] {
  const host = { processors: availableParallelism(), memoryMiB: Math.round(totalmem() / 2 ** 20) };
  if (!profile.provisioners.some(isExternal)) {
    const stage = (count: number): ProvisionStage => {
      const staged: ProvisioningProfile = { ...profile, manifests: profile.manifests.slice(0, count) };
      return { profile: staged, key: hashOf({ inputs: provisionInputsHash(staged, { lock: false }), host, count }) };
    };
    const count = profile.manifests.length;
    try {
      return Array.from({ length: count }, (_, index) => stage(index + 1));
    } catch {
      // A prefix that does not stand alone (a reference to a later manifest): no intermediate stages.
      return count > 0 ? [stage(count)] : [];
    }
  }
  // Mixed: one stage per devenv entry (its manifests stand with the ones before it) and per provisioner.
  const stages: ProvisionStage[] = [];
  let previous = '';
  let manifests = 0;
  profile.provisioners.forEach((entry, index) => {
    if (entry.kind === 'devenv') manifests = entry.to;
    const staged: ProvisioningProfile = {
      ...profile,
      manifests: profile.manifests.slice(0, manifests),
      provisioners: profile.provisioners.slice(0, index + 1),
    };
    const key = hashOf({ previous, inputs: provisionInputsHash(staged, { lock: false }), host, count: stages.length + 1 });
    stages.push({ profile: staged, key, ...(isExternal(entry) ? { provisioner: externalProvisioner(entry, profile) } : {}) });
    previous = key;
  });
  return stages;
}
