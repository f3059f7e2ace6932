import type { ParsedProfile } from '../profile/parse.js';
import { AnsibleProvisioner } from './ansible.js';
import type { AnsibleEntry, PuppetEntry } from './entries.js';
import type { Provisioner } from './provisioner.js';
import { PuppetProvisioner } from './puppet.js';

/** The provisioners that run production's own code (everything but devenv's manifests). */
export type ExternalEntry = PuppetEntry | AnsibleEntry;

export function isExternal(entry: { kind: string }): entry is ExternalEntry {
  return entry.kind === 'puppet' || entry.kind === 'ansible';
}

const made = new WeakMap<ExternalEntry, Provisioner>();

/** One provisioner per entry (it reads its code tree once per run, for the key and the copy). */
export function externalProvisioner(entry: ExternalEntry, profile: ParsedProfile): Provisioner {
  let provisioner = made.get(entry);
  if (!provisioner) {
    const recommends = profile.data.apt.install_recommends;
    provisioner =
      entry.kind === 'puppet'
        ? new PuppetProvisioner(entry, recommends, entry.config.manifest)
        : new AnsibleProvisioner(entry, recommends, entry.config.playbook);
    made.set(entry, provisioner);
  }
  return provisioner;
}

const inputsOf = new WeakMap<Provisioner, unknown>();

/** A provisioner's inputs, computed once per run (hashing a tree is not free, and every stage key repeats it). */
export function externalInputs(entry: ExternalEntry, profile: ParsedProfile): unknown {
  const provisioner = externalProvisioner(entry, profile);
  if (!inputsOf.has(provisioner)) inputsOf.set(provisioner, provisioner.inputs());
  return inputsOf.get(provisioner);
}
