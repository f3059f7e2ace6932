import { UsageError } from '../core/errors.js';
import { loadProfile, locateProfile, type LoadedProfile, type LoadProfileOptions } from '../profile/load.js';
import type { CommandContext } from './context.js';

/** -e/--environment NAME as a load option. */
export function environmentOf(ctx: CommandContext): LoadProfileOptions {
  return ctx.options.environment !== undefined ? { environment: ctx.options.environment } : {};
}

/** The profile named by -p (or ./devenv.yaml), fully validated before any engine is touched. */
export function loadProfileFor(ctx: CommandContext, options: LoadProfileOptions = {}): Promise<LoadedProfile> {
  return loadProfile(locateProfile(ctx.options.profile), { ...environmentOf(ctx), ...options });
}

/**
 * The profile, when there is one. The environment needs it (`required`); an
 * ssh:// host or a facts file does not, unless -p names one (then it must load).
 */
export async function loadOptionalProfile(ctx: CommandContext, required: boolean): Promise<LoadedProfile | undefined> {
  if (required || ctx.options.profile !== undefined) return loadProfileFor(ctx);
  try {
    return await loadProfile(locateProfile(undefined), environmentOf(ctx));
  } catch (error) {
    if (error instanceof UsageError && /^no profile at /.test(error.message)) return undefined;
    throw error;
  }
}
