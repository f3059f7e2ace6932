import { DevenvProvisioner } from './devenv.js';
import type { ProvisionerEntry, ProvisioningProfile } from './entries.js';
import { externalProvisioner } from './external.js';
import type { Provisioner } from './provisioner.js';

/** Every kind of `provisioners:` entry and the class that answers for it. */
export function provisionerFor(entry: ProvisionerEntry, profile: ProvisioningProfile): Provisioner {
  switch (entry.kind) {
    case 'devenv':
      return new DevenvProvisioner(entry, profile);
    case 'puppet':
    case 'ansible':
      return externalProvisioner(entry, profile);
  }
}

/** The profile's provisioners, in the order they run. */
export function provisionersOf(profile: ProvisioningProfile): Provisioner[] {
  return profile.provisioners.map((entry) => provisionerFor(entry, profile));
}
