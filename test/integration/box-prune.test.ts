import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundledBoxesDir, loadBoxDefinition } from '../../src/box/definition.js';
import { boxImageRef } from '../../src/box/image.js';
import { devenv } from './cli.js';
import { describeWithEngine } from './support.js';

/**
 * After an upgrade, the box images an older devenv built are dead weight (~260 MB
 * each): `box prune` removes them. Today's box, a box of the user's own definition
 * and an old box still in use stay. The stale images here are tiny stand-ins with a
 * box's labels, made for this test only.
 */
describeWithEngine('box prune and box images of older definitions (real engine)', () => {
  const docker = new Dockerode();
  const run = `${process.pid}${Date.now().toString(36)}`;
  const stale = `devenv-box/debian-12:stale${run}`;
  const staleInUse = `devenv-box/debian-12:inuse${run}`;
  const custom = `devenv-box/shop-box:old${run}`;
  let holder: Dockerode.Container | undefined;
  let dir: string;

  async function importStandIn(ref: string, name: string, hash: string): Promise<void> {
    const tar = pack();
    tar.entry({ name: 'hello.txt' }, 'a stand-in for a box image\n');
    tar.finalize();
    const [repo, tag] = ref.split(':') as [string, string];
    const response = await docker.importImage(
      tar as unknown as NodeJS.ReadableStream,
      {
        repo,
        tag,
        changes: ['LABEL devenv.managed=true', `LABEL devenv.box=${name}`, `LABEL devenv.box.hash=${hash}`, 'LABEL devenv.test=true'],
      } as unknown as object,
    );
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(response, (error: Error | null) => (error ? reject(error) : resolve())));
  }

  const exists = async (ref: string): Promise<boolean> => (await docker.listImages({ filters: { reference: [ref] } })).length > 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-prune-'));
    await importStandIn(stale, 'debian-12', `stale${run}`);
    await importStandIn(staleInUse, 'debian-12', `inuse${run}`);
    await importStandIn(custom, 'shop-box', `old${run}`);
    holder = await docker.createContainer({ Image: staleInUse, Cmd: ['/hello.txt'], Labels: { 'devenv.test': 'true' } });
  });

  afterAll(async () => {
    await holder?.remove({ force: true }).catch(() => undefined);
    for (const ref of [stale, staleInUse, custom])
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('removes box images today’s definitions no longer produce, and keeps the rest', async () => {
    const today = boxImageRef(await loadBoxDefinition(join(bundledBoxesDir(), 'debian-12.yaml')));
    expect(await exists(today)).toBe(true);

    const pruned = await devenv(['box', 'prune', '--json'], { cwd: dir });
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    const report = JSON.parse(pruned.stdout);
    expect(report.removed_boxes).toContain(stale);
    expect(report.removed_boxes).not.toContain(staleInUse);
    expect(await exists(stale)).toBe(false);
    // Today's box, an old one an environment still uses, and a box of the user's own definition stay.
    expect(await exists(today)).toBe(true);
    expect(await exists(staleInUse)).toBe(true);
    expect(await exists(custom)).toBe(true);

    // A second prune has nothing more of these to remove.
    const again = JSON.parse((await devenv(['box', 'prune', '--json'], { cwd: dir })).stdout);
    expect(again.removed_boxes).not.toContain(staleInUse);
  });
});
