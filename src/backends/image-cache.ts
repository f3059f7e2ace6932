/**
 * A cache of provisioned environments: after a clean apply, the environment is
 * saved as an image keyed by a hash of every input that shaped it. `up` of a new
 * environment with the same inputs starts from that image and only verifies.
 * Stages follow the profile's manifests, so a change in one manifest reuses the
 * image made from the ones before it.
 */
export interface CachedImage {
  image: string;
  /** How many of the profile's manifests (in order) the image has applied. */
  stage: number;
}

export interface ProvisionedImageCache {
  /** The cached image of the furthest stage whose key is known, if any. */
  find(stageKeys: readonly string[]): Promise<CachedImage | undefined>;
  /** Saves the running environment as the image of `stage` (1-based) under `key`, and drops the stage's older images. */
  save(stage: number, key: string): Promise<string>;
}
