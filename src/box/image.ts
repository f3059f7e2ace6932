import type Dockerode from 'dockerode';
import { LABEL } from '../backends/docker/engine.js';
import type { BoxDefinition } from './definition.js';

/**
 * Naming and finding box images. Kept apart from the builder so that commands
 * which only need to know whether a box exists do not load debootstrap's tooling.
 */
export function boxImageRef(box: BoxDefinition): string {
  return `devenv-box/${box.name}:${box.hash}`;
}

export async function findBoxImage(docker: Dockerode, box: BoxDefinition): Promise<string | undefined> {
  const images = await docker.listImages({ filters: { label: [`${LABEL.boxHash}=${box.hash}`] } });
  return images.length > 0 ? boxImageRef(box) : undefined;
}
