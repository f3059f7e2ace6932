import { resolve } from 'node:path';
import { openEnvironmentTarget } from '../backends/open.js';
import { UsageError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { BackendProfile } from '../backends/backend.js';
import { SshTarget, parseSshDestination, type SshDestination } from '../targets/ssh-target.js';
import type { Target } from '../targets/target.js';
import { readFactsFile, type FactsFileFormat } from './read-facts-file.js';
import type { Facts } from './schema.js';

/** Where facts come from, as written on the command line: `env`, `ssh://user@host[:port]` or a FILE. */
export type TargetSpec = { kind: 'env' } | { kind: 'ssh'; destination: SshDestination } | { kind: 'file'; path: string };

export function parseTargetSpec(spec: string, cwd = process.cwd()): TargetSpec {
  if (spec === 'env') return { kind: 'env' };
  if (spec.startsWith('ssh://')) return { kind: 'ssh', destination: parseSshDestination(spec) };
  if (spec === '' || spec.startsWith('-')) throw new UsageError(`"${spec}" is not a target (write env, ssh://user@host[:port] or a facts FILE)`);
  return { kind: 'file', path: resolve(cwd, spec) };
}

/** A live target to collect from, or facts already read from a file (devenv, Facter or Ansible). */
export type OpenedTargetSpec = { kind: 'target'; target: Target } | { kind: 'facts'; facts: Facts; format: FactsFileFormat; path: string };

/**
 * What opening a source needs from the command that asks: the command line's
 * SSH settings and somewhere to report progress. CommandContext is one; the
 * facts stage does not depend on the CLI.
 */
export interface SourceContext {
  options: { identity?: string | undefined; sudo: boolean; acceptNewHostKey: boolean };
  progress: Progress;
}

export interface SshSettings {
  identity?: string;
  sudo?: boolean;
}

/** An SshTarget with the command line's -i/--sudo/--accept-new-host-key, the profile's values filling what the command line left out. */
export function sshTargetFor(destination: SshDestination | string, ctx: SourceContext, fromProfile: SshSettings = {}): SshTarget {
  const identity = ctx.options.identity ?? fromProfile.identity;
  return new SshTarget(destination, {
    ...(identity !== undefined ? { identity } : {}),
    sudo: ctx.options.sudo || fromProfile.sudo === true,
    acceptNewHostKey: ctx.options.acceptNewHostKey,
  });
}

/** The profile's production SSH settings when `destination` is production's host, so its identity and sudo apply. */
function profileSshSettings(destination: SshDestination, profile: BackendProfile | undefined): SshSettings {
  const production = profile?.data.production;
  if (!production?.ssh) return {};
  const theirs = parseSshDestination(production.ssh);
  if (
    theirs.host.toLowerCase() !== destination.host.toLowerCase() ||
    (theirs.user ?? '') !== (destination.user ?? '') ||
    (theirs.port ?? 22) !== (destination.port ?? 22)
  )
    return {};
  // Relative identity paths are relative to the profile, like every path in it; ~ is expanded by SshTarget.
  const identity = production.identity === undefined || production.identity.startsWith('~') ? production.identity : resolve(profile!.dir, production.identity);
  return { ...(identity !== undefined ? { identity } : {}), sudo: production.sudo };
}

/**
 * Opens `env | ssh://… | FILE`. `env` needs the profile (its environment must be
 * running); an SSH destination that is the profile's production takes its
 * identity and sudo settings. The caller closes a returned target.
 */
export async function openTargetSpec(spec: string, ctx: SourceContext, profile?: BackendProfile): Promise<OpenedTargetSpec> {
  const parsed = parseTargetSpec(spec);
  switch (parsed.kind) {
    case 'env': {
      if (!profile) throw new UsageError('--target env needs a profile (devenv.yaml, or -p FILE)');
      return { kind: 'target', target: await openEnvironmentTarget(profile, ctx) };
    }
    case 'ssh':
      return { kind: 'target', target: sshTargetFor(parsed.destination, ctx, profileSshSettings(parsed.destination, profile)) };
    case 'file': {
      const { facts, format } = await readFactsFile(parsed.path);
      return { kind: 'facts', facts, format, path: parsed.path };
    }
  }
}

/** The profile's `production:` as a spec and its SSH settings: ssh://… or the facts file resolved against the profile. */
export function productionSpec(profile: BackendProfile): string | undefined {
  const production = profile.data.production;
  if (!production) return undefined;
  if (production.facts !== undefined) return resolve(profile.dir, production.facts);
  if (production.ssh !== undefined) return production.ssh.startsWith('ssh://') ? production.ssh : `ssh://${production.ssh}`;
  return undefined;
}
