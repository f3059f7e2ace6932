import type Dockerode from 'dockerode';
import { LABEL } from '../core/labels.js';
import type { BoxDefinition } from './definition.js';

/**
 * Naming and finding box images. Kept apart from the builder so that commands
 * which only need to know whether a box exists do not load debootstrap's tooling.
 */
export function boxImageRef(box: BoxDefinition): string {
  return `devenv-box/${box.name}:${box.hash}`;
}

/** Registry parts an engine may put before a local image's name (Podman: `docker.io/` after import or commit, `localhost/` after load). */
const DEFAULT_REGISTRIES = ['docker.io/library/', 'docker.io/', 'index.docker.io/library/', 'index.docker.io/', 'localhost/'];

/**
 * An image name as devenv writes it, whatever the engine reports: Docker lists
 * `devenv-box/debian-12:TAG`, Podman `docker.io/devenv-box/debian-12:TAG` or
 * `localhost/devenv-box/debian-12:TAG` for the same image. Only the default
 * registries are stripped: an image of another registry keeps its full name.
 * Every check of an engine-reported name (RepoTags) goes through this.
 */
export function shortImageName(ref: string): string {
  for (const prefix of DEFAULT_REGISTRIES) if (ref.startsWith(prefix) && ref.length > prefix.length) return ref.slice(prefix.length);
  return ref;
}

/** The image's names as devenv writes them (see shortImageName). */
export function shortImageNames(image: { RepoTags?: string[] | null }): string[] {
  return (image.RepoTags ?? []).map(shortImageName);
}

export async function findBoxImage(docker: Dockerode, box: BoxDefinition): Promise<string | undefined> {
  const images = await docker.listImages({ filters: { label: [`${LABEL.boxHash}=${box.hash}`] } });
  return images.length > 0 ? boxImageRef(box) : undefined;
}

export interface CurrentBoxHashes {
  /** Hashes of the box images today's definitions produce (bundled, and the profile's own box). */
  base: ReadonlySet<string>;
  /** Hashes of today's Vagrant variants; undefined when they cannot be known here (no vagrant installed): those are kept. */
  vagrant: ReadonlySet<string> | undefined;
}

/**
 * Removes box images of the bundled boxes that today's definitions and recipe no
 * longer produce: an upgrade of devenv (or of a bundled definition) builds a new
 * image and the old one would stay on disk forever. Images still in use (by an
 * environment, or as the parent of a saved environment) are kept: the engine
 * refuses, and that is the rule. A box of the user's own definition is theirs to remove.
 */
export async function pruneStaleBoxImages(docker: Dockerode, bundledNames: ReadonlySet<string>, current: CurrentBoxHashes): Promise<string[]> {
  const images = await docker.listImages({ filters: { label: [LABEL.boxHash] } });
  const removed: string[] = [];
  for (const image of images) {
    const tag = shortImageNames(image).find((t) => t.startsWith('devenv-box/'));
    const name = image.Labels?.[LABEL.box];
    const hash = image.Labels?.[LABEL.boxHash];
    if (!tag || !name || !hash || !bundledNames.has(name)) continue;
    const known = tag.startsWith(`devenv-box/${name}-vagrant:`) ? current.vagrant : current.base;
    if (known === undefined || known.has(hash)) continue;
    try {
      await docker.getImage(image.Id).remove({ force: false });
      removed.push(tag);
    } catch {
      // In use: kept.
    }
  }
  return removed;
}

/** What makes an imported tree a box image, whichever builder made it: systemd as its command, and the labels devenv finds it by. */
export function boxImageChanges(box: BoxDefinition): string[] {
  return ['CMD ["/sbin/init"]', 'ENV container=docker', `LABEL ${LABEL.managed}=true`, `LABEL ${LABEL.box}=${box.name}`, `LABEL ${LABEL.boxHash}=${box.hash}`];
}
