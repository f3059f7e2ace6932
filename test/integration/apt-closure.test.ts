import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';

/**
 * Issue 15's first case, on the real mirror: production runs nginx 1.22.1-9+deb12u9
 * while bookworm-security carries a newer nginx-common. Pinning nginx alone used to
 * fail with "held broken packages"; its sibling now joins at nginx's own version.
 * (Both versions are in the box's suites: bookworm has u9, bookworm-security a newer one.)
 */
const NGINX = '1.22.1-9+deb12u9';

describeWithEngine('exact pins with their closure (real engine, real mirror)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    const docker = new Dockerode();
    for (const dir of dirs) {
      await devenv(['destroy', '--force'], { cwd: dir });
      for (const image of await docker.listImages({ filters: { label: [`devenv.cache.profile=${join(dir, 'devenv.yaml')}`] } })) {
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  async function project(name: string, manifest: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `devenv-${name}-`));
    dirs.push(dir);
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifest);
    await writeFile(join(dir, 'devenv.yaml'), `name: ${name}\nbox: debian-12\nmanifests: [manifests/web.yaml]\n`);
    return dir;
  }

  it('nginx pinned alone converges: nginx-common comes at the same version, plan is then empty', async () => {
    const dir = await project('closure', `apt:\n  nginx: { ensure: "${NGINX}" }\n`);
    const up = await devenv(['up'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(0);
    const versions = await devenv(['exec', '--', 'dpkg-query', '-W', '-f=${Package} ${Version}\\n', 'nginx', 'nginx-common'], { cwd: dir });
    expect(versions.stdout.trim().split('\n').sort()).toEqual([`nginx ${NGINX}`, `nginx-common ${NGINX}`]);
    expect((await devenv(['plan'], { cwd: dir })).exitCode).toBe(0);
  });

  it('a sibling pinned to a version that cannot go with it: one sentence naming both, exit 4, nothing installed', async () => {
    const newer = (await devenv(['exec', '--', 'sh', '-c', 'apt-cache policy nginx-common | sed -n "s/  Candidate: //p"'], { cwd: dirs[0]! })).stdout.trim();
    expect(newer).not.toBe(NGINX);
    const dir = await project('clash', `apt:\n  nginx: { ensure: "${NGINX}" }\n  nginx-common: { ensure: "${newer}" }\n`);
    const up = await devenv(['up'], { cwd: dir });
    expect(up.exitCode).toBe(4);
    expect(up.stderr).toContain(`nginx ${NGINX} needs nginx-common (<< ${NGINX}.1~, >= ${NGINX}), but the manifests pin nginx-common to ${newer}`);
    const installed = await devenv(['exec', '--', 'sh', '-c', 'dpkg-query -W nginx 2>/dev/null || echo none'], { cwd: dir });
    expect(installed.stdout.trim()).toBe('none');
  });
});
