import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { connectDocker, LABEL } from '../../backends/docker/engine.js';
import { buildBox, findBoxImage } from '../../box/build.js';
import { listBundledBoxNames, loadBoxDefinition, resolveBoxPath, type BoxDefinition } from '../../box/definition.js';
import { UsageError } from '../../core/errors.js';
import { locateProfile, loadProfile } from '../../profile/load.js';
import { writeJson, type CommandContext } from '../context.js';

async function boxFor(name: string | undefined, ctx: CommandContext): Promise<BoxDefinition> {
  if (name === undefined) return (await loadProfile(locateProfile(ctx.options.profile))).box;
  const path = resolveBoxPath(name, process.cwd()) ?? (isAbsolute(name) ? name : resolve(name));
  if (!existsSync(path)) throw new UsageError(`no box "${name}" (bundled boxes: ${listBundledBoxNames().join(', ')}; or give a definition path)`);
  return loadBoxDefinition(path);
}

export async function runBuild(args: { name?: string; force: boolean }, ctx: CommandContext): Promise<number> {
  const box = await boxFor(args.name, ctx);
  const docker = await connectDocker();
  const existing = args.force ? undefined : await findBoxImage(docker, box);
  const image = existing ?? (await buildBox(docker, box, ctx.progress, { signal: ctx.signal }));
  if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.box/v1', name: box.name, hash: box.hash, image, built: !existing });
  else ctx.out(`${box.name}: ${image}${existing ? ' (already built; --force rebuilds)' : ''}\n`);
  return 0;
}

export async function runList(_args: object, ctx: CommandContext): Promise<number> {
  const docker = await connectDocker();
  const images = await docker.listImages({ filters: { label: [LABEL.boxHash] } });
  const boxes = images.map((image) => ({
    name: image.Labels?.[LABEL.box] ?? '?',
    hash: image.Labels?.[LABEL.boxHash] ?? '?',
    image: image.RepoTags?.[0] ?? image.Id,
    size_bytes: image.Size,
    created: new Date(image.Created * 1000).toISOString(),
  }));
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.boxes/v1', boxes });
    return 0;
  }
  if (boxes.length === 0) ctx.out('no boxes built yet (`devenv box build debian-12`)\n');
  for (const box of boxes) ctx.out(`${box.name.padEnd(12)} ${box.image.padEnd(40)} ${(box.size_bytes / 1024 ** 2).toFixed(0)} MiB  ${box.created}\n`);
  return 0;
}
