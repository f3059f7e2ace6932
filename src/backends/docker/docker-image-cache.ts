import type Dockerode from 'dockerode';
import { OperationError } from '../../core/errors.js';
import type { BackendProfile } from '../backend.js';
import type { CachedImage, ProvisionedImageCache } from '../image-cache.js';
import { shortImageNames } from '../../box/image.js';
import { LABEL } from './engine.js';

export const CACHE_LABEL = {
  key: 'devenv.cache.key',
  stage: 'devenv.cache.stage',
  profile: 'devenv.cache.profile',
} as const;

export const CACHE_REPOSITORY = 'devenv-cache';

/** Provisioned images on the Docker engine, committed from the environment's container. */
export class DockerImageCache implements ProvisionedImageCache {
  constructor(
    private readonly docker: Dockerode,
    private readonly profile: BackendProfile,
    private readonly containerId: () => Promise<string>,
  ) {}

  /** A machine's saved images are its own: web's stage 1 never replaces db's. */
  private get labels(): string[] {
    const machine = this.profile.machine;
    return [`${CACHE_LABEL.profile}=${this.profile.path}`, ...(machine ? [`${LABEL.machine}=${machine.name}`] : [])];
  }

  async find(stageKeys: readonly string[]): Promise<CachedImage | undefined> {
    const images = await this.docker.listImages({ filters: { label: this.labels } });
    const byKey = new Map(images.map((image) => [image.Labels?.[CACHE_LABEL.key], image]));
    for (let stage = stageKeys.length; stage >= 1; stage--) {
      const image = byKey.get(stageKeys[stage - 1]);
      // Podman reports `docker.io/devenv-cache/…`; the short name is what devenv writes and both engines resolve it.
      if (image) return { image: shortImageNames(image).find((tag) => tag.startsWith(`${CACHE_REPOSITORY}/`)) ?? image.Id, stage };
    }
    return undefined;
  }

  async save(stage: number, key: string): Promise<string> {
    const repo = `${CACHE_REPOSITORY}/${this.profile.data.name}`;
    const tag = `${stage}-${key}`;
    try {
      const container = this.docker.getContainer(await this.containerId());
      await container.commit({
        repo,
        tag,
        pause: true,
        comment: `devenv: ${this.profile.data.name} after ${stage} manifest(s)`,
        changes: [
          'CMD ["/sbin/init"]',
          `LABEL ${LABEL.managed}=true`,
          `LABEL ${CACHE_LABEL.key}=${key}`,
          `LABEL ${CACHE_LABEL.stage}=${stage}`,
          `LABEL ${CACHE_LABEL.profile}=${this.profile.path}`,
          ...(this.profile.machine ? [`LABEL ${LABEL.machine}=${this.profile.machine.name}`] : []),
        ],
      } as unknown as object);
    } catch (error) {
      throw new OperationError(`could not save the provisioned image ${repo}:${tag}: ${(error as Error).message}`, { cause: error });
    }
    await this.dropOlder(stage, key);
    return `${repo}:${tag}`;
  }

  /** Older images of the same stage of this profile can never be hit again: remove them so the disk does not fill. */
  private async dropOlder(stage: number, key: string): Promise<void> {
    const images = await this.docker.listImages({
      filters: { label: [...this.labels, `${CACHE_LABEL.stage}=${stage}`] },
    });
    for (const image of images) {
      if (image.Labels?.[CACHE_LABEL.key] === key) continue;
      // An image still used by a container, or parent of a newer stage, stays (Docker refuses; that is fine).
      await this.docker
        .getImage(image.Id)
        .remove({ noprune: false })
        .catch(() => undefined);
    }
  }
}

/** Removes cache images: all of them, or those of profiles whose file no longer exists. Returns what was removed. */
export async function pruneCacheImages(docker: Dockerode, options: { all: boolean; exists: (path: string) => boolean }): Promise<string[]> {
  const images = await docker.listImages({ filters: { label: [CACHE_LABEL.key] } });
  // Later stages first: they are the children of earlier ones.
  images.sort((a, b) => Number(b.Labels?.[CACHE_LABEL.stage] ?? 0) - Number(a.Labels?.[CACHE_LABEL.stage] ?? 0));
  const removed: string[] = [];
  for (const image of images) {
    const profile = image.Labels?.[CACHE_LABEL.profile] ?? '';
    if (!options.all && options.exists(profile)) continue;
    try {
      await docker.getImage(image.Id).remove({ force: false });
      removed.push(shortImageNames(image)[0] ?? image.Id);
    } catch {
      // In use by an environment: kept.
    }
  }
  return removed;
}
