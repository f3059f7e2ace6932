import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { CACHE_LABEL, DockerImageCache, pruneCacheImages } from '../../../src/backends/docker/docker-image-cache.js';
import { LABEL } from '../../../src/backends/docker/engine.js';
import { pruneStaleBoxImages } from '../../../src/box/image.js';
import type { LoadedProfile } from '../../../src/environment/load.js';

/** A Dockerode stand-in whose images carry the fully qualified names Podman reports. */
function fakeEngine(images: Partial<Dockerode.ImageInfo>[]): { docker: Dockerode; removed: string[] } {
  const removed: string[] = [];
  const docker = {
    listImages: async () => images,
    getImage: (id: string) => ({ remove: async () => void removed.push(id) }),
  } as unknown as Dockerode;
  return { docker, removed };
}

const profile = { path: '/p/devenv.yaml', data: { name: 'mysite' } } as unknown as LoadedProfile;

describe('image names reported by Podman', () => {
  it('finds a saved environment committed on Podman (docker.io/devenv-cache/…) by its short name', async () => {
    const { docker } = fakeEngine([
      {
        Id: 'sha256:a',
        RepoTags: ['docker.io/devenv-cache/mysite:1-k1'],
        Labels: { [CACHE_LABEL.key]: 'k1', [CACHE_LABEL.stage]: '1', [CACHE_LABEL.profile]: profile.path },
      },
    ]);
    const cache = new DockerImageCache(docker, profile, async () => 'c');
    expect(await cache.find(['k1', 'k2'])).toEqual({ image: 'devenv-cache/mysite:1-k1', stage: 1 });
  });

  it('prunes stale box images loaded into Podman (localhost/devenv-box/…) and says their short names', async () => {
    const { docker, removed } = fakeEngine([
      { Id: 'sha256:old', RepoTags: ['localhost/devenv-box/debian-12:old'], Labels: { [LABEL.box]: 'debian-12', [LABEL.boxHash]: 'old' } },
      { Id: 'sha256:new', RepoTags: ['docker.io/devenv-box/debian-12:new'], Labels: { [LABEL.box]: 'debian-12', [LABEL.boxHash]: 'new' } },
    ]);
    const out = await pruneStaleBoxImages(docker, new Set(['debian-12']), { base: new Set(['new']), vagrant: undefined });
    expect(out).toEqual(['devenv-box/debian-12:old']);
    expect(removed).toEqual(['sha256:old']);
  });

  it('reports pruned saved environments by their short names', async () => {
    const { docker } = fakeEngine([
      { Id: 'sha256:a', RepoTags: ['docker.io/devenv-cache/mysite:1-k1'], Labels: { [CACHE_LABEL.key]: 'k1', [CACHE_LABEL.profile]: '/gone' } },
    ]);
    expect(await pruneCacheImages(docker, { all: true, exists: () => true })).toEqual(['devenv-cache/mysite:1-k1']);
  });
});
