import { loadProfile, locateProfile, type LoadedProfile } from '../profile/load.js';
import type { CommandContext } from './context.js';

/** The profile named by -p (or ./devenv.yaml), fully validated before any engine is touched. */
export function loadProfileFor(ctx: CommandContext): Promise<LoadedProfile> {
  return loadProfile(locateProfile(ctx.options.profile));
}
