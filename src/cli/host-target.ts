import { UsageError } from '../core/errors.js';
import { openTargetSpec } from '../facts/target-spec.js';
import type { LoadedProfile } from '../environment/load.js';
import { copyViaExec } from '../targets/copy-via-exec.js';
import type { Target } from '../targets/target.js';
import type { CommandContext } from './context.js';

/**
 * `plan --target` / `provision --target`: the other direction, devenv's own
 * manifests against staging or production over SSH. Only ssh:// (or env, the
 * default): a facts file cannot be planned against.
 */
export async function openHostTarget(spec: string, profile: LoadedProfile, ctx: CommandContext, command: string): Promise<Target> {
  if (!spec.startsWith('ssh://')) throw new UsageError(`${command} --target takes env or ssh://user@host[:port], not ${JSON.stringify(spec)}`);
  const opened = await openTargetSpec(spec, ctx, profile);
  if (opened.kind !== 'target') throw new UsageError(`${command} --target takes env or ssh://user@host[:port]`);
  return asRoot(opened.target);
}

/**
 * Manifests are applied as root, as in an environment (where devenv is root):
 * on a host, each command runs through `sudo -n` unless it names its own user
 * (a login that is not root without --sudo gets the SSH target's own sentence).
 */
export function asRoot(target: Target): Target {
  const exec: Target['exec'] = (argv, options = {}) => target.exec(argv, { user: 'root', ...options });
  return {
    exec,
    copy: (content, path, options) => copyViaExec(exec, target.describe().name, content, path, options),
    describe: () => target.describe(),
    close: () => target.close(),
  };
}

/** The profile's Puppet and Ansible entries are production's own code: on a host they are run by the team's tooling, not planned here. */
export function externalsNote(profile: LoadedProfile): string | undefined {
  const external = profile.provisioners.filter((entry) => entry.kind === 'puppet' || entry.kind === 'ansible');
  return external.length > 0
    ? `only devenv's own manifests are planned against a host; the ${external.map((e) => e.kind).join(' and ')} provisioner${external.length > 1 ? 's are' : ' is'} production's own code, run by its own tooling`
    : undefined;
}

/**
 * The profile as it applies to a host devenv did not make: its own manifests only.
 * devenv.lock and apt.sources shape devenv's environments (the closure pinned, the
 * suites rewritten, the own archive offered as an apt source); on staging or
 * production they would downgrade packages and rewrite apt's sources behind the
 * team's back, so a host gets neither.
 */
export function hostProfile(profile: LoadedProfile): LoadedProfile {
  const { lock: _lock, ...rest } = profile;
  const { sources: _sources, ...apt } = profile.data.apt;
  return { ...rest, data: { ...profile.data, apt } };
}
