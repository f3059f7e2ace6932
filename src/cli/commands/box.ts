import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { CACHE_LABEL, pruneCacheImages } from '../../backends/docker/docker-image-cache.js';
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
  const all = await docker.listImages({ filters: { label: [LABEL.boxHash] } });
  // Saved environments inherit the box's labels: they are listed apart.
  const images = all.filter((image) => image.Labels?.[CACHE_LABEL.key] === undefined && (image.RepoTags ?? []).some((tag) => tag.startsWith('devenv-box/')));
  const saved = all
    .filter((image) => image.Labels?.[CACHE_LABEL.key] !== undefined)
    .map((image) => ({
      image: image.RepoTags?.[0] ?? image.Id,
      profile: image.Labels?.[CACHE_LABEL.profile] ?? '?',
      stage: Number(image.Labels?.[CACHE_LABEL.stage] ?? 0),
      size_bytes: image.Size,
    }));
  const boxes = images.map((image) => ({
    name: image.Labels?.[LABEL.box] ?? '?',
    hash: image.Labels?.[LABEL.boxHash] ?? '?',
    image: image.RepoTags?.[0] ?? image.Id,
    size_bytes: image.Size,
    created: new Date(image.Created * 1000).toISOString(),
  }));
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.boxes/v1', boxes, saved_environments: saved });
    return 0;
  }
  if (boxes.length === 0) ctx.out('no boxes built yet (`devenv box build debian-12`)\n');
  for (const box of boxes) ctx.out(`${box.name.padEnd(12)} ${box.image.padEnd(40)} ${(box.size_bytes / 1024 ** 2).toFixed(0)} MiB  ${box.created}\n`);
  if (saved.length) {
    ctx.out('\nsaved environments (reused by `devenv up`; `devenv box prune` removes them):\n');
    for (const image of saved) ctx.out(`  ${image.image.padEnd(44)} stage ${image.stage}  ${image.profile}\n`);
  }
  return 0;
}

/** `devenv box prune [--all]`: saved environments of profiles that no longer exist, or all of them. */
export async function runPrune(args: { all: boolean }, ctx: CommandContext): Promise<number> {
  const docker = await connectDocker();
  const removed = await ctx.progress.step('prune saved environments', () => pruneCacheImages(docker, { all: args.all, exists: existsSync }));
  if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.prune/v1', removed });
  else ctx.out(removed.length ? `${removed.map((image) => `removed ${image}`).join('\n')}\n` : 'nothing to prune\n');
  return 0;
}
