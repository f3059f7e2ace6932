import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABEL, systemdSpecFor } from '../../src/backends/docker/engine.js';
import { withSystemdHostConfig } from '../../src/backends/docker/systemd-container-spec.js';
import { bundledBoxesDir, loadBoxDefinition } from '../../src/box/definition.js';
import { boxImageRef } from '../../src/box/image.js';
import { ArchiveStore } from '../../src/lock/archive-store.js';
import { DockerTarget } from '../../src/targets/docker-target.js';
import { devenv } from './cli.js';
import { debianBoxImage, describeWithEngine } from './support.js';

/**
 * `box build` with nothing but the engine (DEVENV_BOX_BUILDER=engine): debootstrap
 * in a container, from a bootstrap image of Debian's own packages. The box is the
 * bundled debian-12 under another name, so the shared box image other tests use is
 * never re-tagged; its image is removed afterwards. debootstrap's .debs stay in the
 * engine's cache volume (devenv-debootstrap-bookworm-<arch>) for the next run, and
 * join the own archive (a store of this test's own).
 */
describeWithEngine('box build in the engine (real engine)', () => {
  const docker = new Dockerode();
  let dir: string;
  let ref: string;
  let name: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-engine-box-'));
    name = `engine-build-test-${process.pid}`;
    const bundled = await readFile(`${bundledBoxesDir()}debian-12.yaml`, 'utf8');
    await writeFile(join(dir, 'engine-test.yaml'), bundled.replace(/^name: debian-12$/m, `name: ${name}`));
    ref = boxImageRef(await loadBoxDefinition(join(dir, 'engine-test.yaml')));
  });

  afterAll(async () => {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const dpkgList = async (target: DockerTarget): Promise<string> => {
    const result = await target.exec(['dpkg-query', '-W', '-f', '${Package} ${Version} ${Architecture}\n']);
    expect(result.exitCode).toBe(0);
    return result.stdout;
  };

  it('builds the box, which boots systemd and holds the same packages as the host-built box', async () => {
    const started = Date.now();
    const build = await devenv(['box', 'build', join(dir, 'engine-test.yaml'), '--force'], {
      env: { DEVENV_BOX_BUILDER: 'engine', DEVENV_ARCHIVE_DIR: join(dir, 'archive') },
    });
    expect(build.stderr).toContain('in the engine');
    expect(build.exitCode, build.stderr).toBe(0);
    expect(build.stdout).toContain(ref);
    process.stderr.write(`box build in the engine: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const image = await docker.getImage(ref).inspect();
    expect(image.Config.Cmd).toEqual(['/sbin/init']);
    expect(image.Config.Labels).toMatchObject({ [LABEL.managed]: 'true', [LABEL.box]: name });
    // Nothing of the build stays behind: no build container, no bootstrap or keyring image.
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL.box}=${name}`] } })).toEqual([]);
    const bootstrapImages = await docker.listImages({ all: true, filters: { reference: ['devenv-bootstrap/*'] } });
    expect(bootstrapImages.filter((i) => i.Created * 1000 >= started - 1000)).toEqual([]);

    const spec = await systemdSpecFor(docker);
    const boot = async (imageRef: string): Promise<{ container: Dockerode.Container; target: DockerTarget }> => {
      const containerName = `devenv-test-engine-box-${Math.random().toString(36).slice(2, 8)}`;
      const container = await docker.createContainer({
        name: containerName,
        Image: imageRef,
        Labels: { [LABEL.test]: 'true', [LABEL.managed]: 'true' },
        StopSignal: spec.stopSignal,
        HostConfig: withSystemdHostConfig(spec, { Binds: [] }),
      });
      await container.start();
      return { container, target: new DockerTarget(docker, container.id, containerName) };
    };
    const built = await boot(ref);
    const host = await boot(await debianBoxImage());
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const state = (await built.target.exec(['systemctl', 'is-system-running'])).stdout.trim();
        if (state === 'running' || state === 'degraded') break;
        if (Date.now() > deadline) throw new Error(`the engine-built box did not boot systemd: ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await built.target.exec(['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
      const [engineList, hostList] = await Promise.all([dpkgList(built.target), dpkgList(host.target)]);
      expect(engineList.split('\n').length).toBeGreaterThan(100);
      expect(engineList).toEqual(hostList);
      // debootstrap's packages joined the own archive, with their control stanzas (a lock of the box rebuilds from it).
      const archived = [...(await new ArchiveStore(join(dir, 'archive')).listDebs()).values()];
      const systemd = /^systemd (\S+) (\S+)$/m.exec(engineList)!;
      expect(archived.find((deb) => deb.name === 'systemd')).toMatchObject({
        version: systemd[1],
        arch: systemd[2],
        control: expect.stringMatching(/^Package: systemd\n/),
      });
      expect(archived.length).toBeGreaterThan(100);
      const sources = (await built.target.exec(['cat', '/etc/apt/sources.list.d/debian.sources'])).stdout;
      expect(sources).toContain('Suites: bookworm-security');
      expect((await built.target.exec(['cat', '/etc/timezone', '/etc/default/locale'])).stdout).toBe('Etc/UTC\nLANG=C.UTF-8\n');
    } finally {
      await built.container.remove({ force: true, v: true }).catch(() => undefined);
      await host.container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }, 300_000);
});
