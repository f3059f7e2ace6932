import type { ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import type { AptResource } from '../resource.js';

/** dpkg's second status letter: n not installed, c config files only, i installed; anything else is half-way. */
function installState(status: string | undefined): 'installed' | 'config-files' | 'not-installed' | 'partial' {
  const letter = status?.[1];
  if (letter === 'i') return 'installed';
  if (letter === 'c') return 'config-files';
  if (letter === undefined || letter === 'n') return 'not-installed';
  return 'partial';
}

export function planApt(resource: AptResource, observed: ObservedState): ResourcePlan {
  const { name } = resource;
  const ensure = resource.attrs.ensure;
  const installed = observed.packages[name];
  const state = installState(installed?.status);
  const current = state === 'installed' ? installed!.version : state === 'not-installed' ? '(not installed)' : `${installed?.version ?? ''} (${state})`.trim();
  const available = observed.availability[name];

  if (ensure === 'absent') {
    if (state === 'not-installed' || state === 'config-files') return { changes: [] };
    return { changes: [`version: ${current} → (removed)`], operation: { kind: 'apt', name, remove: 'remove' } };
  }
  if (ensure === 'purged') {
    if (state === 'not-installed') return { changes: [] };
    return { changes: [`version: ${current} → (purged)`], operation: { kind: 'apt', name, remove: 'purge' } };
  }
  if (ensure === 'present') {
    if (state === 'installed') return { changes: [] };
    if (!available?.candidate) return { changes: [], problem: `package ${name} is not available from the configured repositories` };
    return { changes: [`version: ${current} → ${available.candidate}`], operation: { kind: 'apt', name, install: name } };
  }
  if (ensure === 'latest') {
    if (!available?.candidate) {
      if (state === 'installed') return { changes: [] };
      return { changes: [], problem: `package ${name} is not available from the configured repositories` };
    }
    if (state === 'installed' && installed!.version === available.candidate) return { changes: [] };
    return { changes: [`version: ${current} → ${available.candidate}`], operation: { kind: 'apt', name, install: `${name}=${available.candidate}` } };
  }
  // An exact version: the pin.
  if (state === 'installed' && installed!.version === ensure) return { changes: [] };
  if (!available || !available.versions.includes(ensure)) {
    const versions = available?.versions.length ? available.versions.join(', ') : 'none';
    return { changes: [], problem: `package ${name} version ${ensure} is not available from the configured repositories (available: ${versions})` };
  }
  return { changes: [`version: ${current} → ${ensure}`], operation: { kind: 'apt', name, install: `${name}=${ensure}` } };
}
