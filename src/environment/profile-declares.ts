import { declaredStateFromManifests } from '../checks/declared.js';
import { checklistCollectPaths } from '../checks/input.js';
import type { LoadedProfile } from './load.js';

/*
 * The orchestration layer (src/environment/, between the CLI and the stages):
 * what a profile declares for facts, checks and parity, read once for all three
 * commands. It sits above facts and checks, so neither stage imports the other.
 */

/**
 * What the collector is asked to look at for this profile: the files its
 * manifests manage (and the checklist's app paths), and the checklist's
 * secrets. The same rule `devenv check` uses, so both read the same files.
 */
export function collectPathsFor(profile: LoadedProfile | undefined): { managedPaths: string[]; secretPaths: string[] } {
  if (!profile) return { managedPaths: [], secretPaths: [] };
  const declared = declaredStateFromManifests(profile.manifests);
  return checklistCollectPaths(profile.data, declared.filePaths);
}

/** Users and groups the profile declares: its manifests' user/group resources and the checklist's app user. */
export function declaredAccountsFor(profile: LoadedProfile): { declaredUsers: string[]; declaredGroups: string[] } {
  const names = (type: string): string[] => profile.manifests.flatMap((manifest) => Object.keys(manifest.resources[type] ?? {}));
  const appUser = profile.data.checklist.app_user;
  return {
    declaredUsers: [...new Set([...names('user'), ...(appUser ? [appUser] : [])])].sort(),
    declaredGroups: [...new Set(names('group'))].sort(),
  };
}
