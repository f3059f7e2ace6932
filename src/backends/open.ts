import type { Target } from '../targets/target.js';
import type { Backend, BackendProfile } from './backend.js';
import { DockerBackend } from './docker/docker-backend.js';
import type { Progress } from '../core/progress.js';

/** The backend the profile names. */
export async function createBackend(profile: BackendProfile, ctx: { progress: Progress }): Promise<Backend> {
  if (profile.data.backend === 'docker') return new DockerBackend(profile, ctx.progress);
  const { VagrantBackend } = await import('./vagrant/vagrant-backend.js');
  return new VagrantBackend(profile, ctx.progress);
}

/** A Target for the profile's running environment (exit 4 with a hint when it is not running). */
export async function openEnvironmentTarget(profile: BackendProfile, ctx: { progress: Progress }): Promise<Target> {
  const backend = await createBackend(profile, ctx);
  return backend.target();
}
