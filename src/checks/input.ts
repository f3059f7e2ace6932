import type { Facts } from '../facts/schema.js';
import type { ProfileData } from '../profile/schema.js';
import type { CheckInput, DeclaredState, ParityResultLike } from './types.js';

/**
 * What the collector must stat for the checklist, besides its fixed list:
 * every file the manifests name (parity and managed-header), the checklist's
 * app code paths (code-not-writable) and, separately, its secrets (fingerprinted).
 */
export function checklistCollectPaths(
  profile: Pick<ProfileData, 'checklist'>,
  manifestFiles: readonly string[],
): { managedPaths: string[]; secretPaths: string[] } {
  const secrets = new Set(profile.checklist.secrets);
  const managed = [...new Set([...manifestFiles, ...profile.checklist.app_paths])].filter((path) => !secrets.has(path)).sort();
  return { managedPaths: managed, secretPaths: [...secrets].sort() };
}

export interface ProductionSide {
  facts?: Facts;
  /** Why there are none: not configured, unreachable, or the target is production itself. */
  unavailable?: string;
  parity?: ParityResultLike;
}

/** Assembles the checklist's input from the profile and what was collected. Pure. */
export function checkInputFrom(
  profile: { name?: string; checklist: ProfileData['checklist'] },
  declared: DeclaredState | undefined,
  facts: Facts,
  production: ProductionSide,
): CheckInput {
  const input: CheckInput = {
    facts,
    checklist: profile.checklist,
    target: { kind: facts.target.kind, name: facts.target.name, container: facts.target.container || facts.platform?.virtualization.kind === 'container' },
  };
  if (profile.name !== undefined) input.appName = profile.name;
  if (declared) input.declared = declared;
  if (production.facts) input.production = production.facts;
  if (production.parity) input.parity = production.parity;
  if (production.unavailable !== undefined) input.productionUnavailable = production.unavailable;
  return input;
}
