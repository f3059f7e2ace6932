import { declaredStateFromManifests } from '../checks/declared.js';
import { CHECK_IDS, type CheckId } from '../core/checklist-ids.js';
import { checkInputFrom } from '../checks/input.js';
import { runChecklist } from '../checks/runner.js';
import type { CheckReport } from '../checks/types.js';
import { collectFacts } from '../facts/collect.js';
import { loadFingerprintKey } from '../facts/fingerprint-key.js';
import type { LoadedProfile } from './load.js';
import type { Target } from '../targets/target.js';
import { collectPathsFor } from './profile-declares.js';

/** Checks that need production; without them in --only, production is not contacted at all. */
export const PRODUCTION_CHECKS: readonly CheckId[] = ['distinct-credentials', 'staging-parity'];

/**
 * The checklist over an environment that is already open, leaving production out
 * (it may be slow or unreachable): what `devenv up` summarizes in one line.
 */
export async function environmentChecklist(profile: LoadedProfile, target: Target): Promise<CheckReport> {
  const facts = await collectFacts(target, { ...collectPathsFor(profile), fingerprintKey: await loadFingerprintKey(profile.dir) });
  const only = CHECK_IDS.filter((id) => !PRODUCTION_CHECKS.includes(id));
  const input = checkInputFrom({ name: profile.data.name, checklist: profile.data.checklist }, declaredStateFromManifests(profile.manifests), facts, {});
  return runChecklist(input, { only });
}
