import type { CommandContext } from '../cli/context.js';
import { UnavailableError } from '../core/errors.js';
import type { LoadedProfile } from '../profile/load.js';
import type { Target } from '../targets/target.js';
import type { Backend } from './backend.js';
import { DockerBackend } from './docker/docker-backend.js';

/** The backend the profile names. */
export async function createBackend(profile: LoadedProfile, ctx: Pick<CommandContext, 'progress'>): Promise<Backend> {
  if (profile.data.backend === 'docker') return new DockerBackend(profile, ctx.progress);
  // The Vagrant backend (issue 7) is not built yet: say so plainly instead of failing later.
  throw new UnavailableError('the vagrant backend is not implemented yet in this version of devenv', { hint: 'use `backend: docker` for now' });
}

/** A Target for the profile's running environment (exit 4 with a hint when it is not running). */
export async function openEnvironmentTarget(profile: LoadedProfile, ctx: Pick<CommandContext, 'progress'>): Promise<Target> {
  const backend = await createBackend(profile, ctx);
  return backend.target();
}
