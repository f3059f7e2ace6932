import { UsageError } from '../core/errors.js';
import { loadProfile, type LoadedProfile, type LoadProfileOptions } from '../environment/load.js';
import { locateProfile } from '../profile/parse.js';
import { noMachines, oneMachine, selectMachines } from '../profile/machines.js';
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
export async function loadOptionalProfile(ctx: CommandContext, required: boolean, options: LoadProfileOptions = {}): Promise<LoadedProfile | undefined> {
  if (required || ctx.options.profile !== undefined) return loadProfileFor(ctx, options);
  try {
    return await loadProfile(locateProfile(undefined), { ...environmentOf(ctx), ...options });
  } catch (error) {
    if (error instanceof UsageError && /^no profile at /.test(error.message)) return undefined;
    throw error;
  }
}

/**
 * The environments a command works on: the profile itself, or the machines of a
 * `machines:` profile that are named (all when none is), in boot order; with
 * `withDependencies`, what they depend on too. Names on a one-machine profile,
 * or unknown names, are exit 2.
 */
export function environmentsFor(profile: LoadedProfile, wanted: readonly string[], options: { withDependencies: boolean }): LoadedProfile[] {
  if (!profile.machines) {
    noMachines(wanted);
    return [profile];
  }
  return selectMachines(profile.machines.map(asMachine), wanted, options).map((m) => m.profile);
}

/** `-m MACHINE` of exec and shell: one environment (required with several machines). */
export function oneEnvironmentFor(profile: LoadedProfile, wanted: string | undefined, command: string): LoadedProfile {
  if (!profile.machines) {
    noMachines(wanted === undefined ? [] : [wanted]);
    return profile;
  }
  return oneMachine(profile.machines.map(asMachine), wanted, command).profile;
}

function asMachine(profile: LoadedProfile): { name: string; dependsOn: string[]; profile: LoadedProfile } {
  return { name: profile.machine!.name, dependsOn: profile.machine!.dependsOn, profile };
}
