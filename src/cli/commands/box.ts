import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { CACHE_LABEL, pruneCacheImages } from '../../backends/docker/docker-image-cache.js';
import { connectDocker, LABEL } from '../../backends/docker/engine.js';
import { vagrantBoxHash, vagrantInsecurePublicKey } from '../../backends/vagrant/vagrant-box.js';
import { buildBox, findBoxImage } from '../../box/build.js';
import { pruneStaleBoxImages, shortImageNames, type CurrentBoxHashes } from '../../box/image.js';
import { bundledBoxesDir, listBundledBoxNames, loadBoxDefinition, resolveBoxPath, type BoxDefinition } from '../../box/definition.js';
import { UsageError } from '../../core/errors.js';
import { ensureLibvirtBox, libvirtBoxHash, pruneStaleLibvirtBoxes } from '../../box/libvirt-box.js';
import { ensureVirtualboxBox } from '../../box/virtualbox-box.js';
import { deletePoolVolume, poolVolumes } from '../../backends/vagrant/libvirt-host.js';
import { loadProfile, type LoadedProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { writeJson, type CommandContext } from '../context.js';

async function boxFor(name: string | undefined, ctx: CommandContext): Promise<BoxDefinition> {
  if (name === undefined) return (await loadProfile(locateProfile(ctx.options.profile))).box;
  const path = resolveBoxPath(name, process.cwd()) ?? (isAbsolute(name) ? name : resolve(name));
  if (!existsSync(path)) throw new UsageError(`no box "${name}" (bundled boxes: ${listBundledBoxNames().join(', ')}; or give a definition path)`);
  return loadBoxDefinition(path);
}

export async function runBuild(
  args: { name?: string; force: boolean; provider?: 'container' | 'libvirt' | 'virtualbox' },
  ctx: CommandContext,
): Promise<number> {
  const box = await boxFor(args.name, ctx);
  const docker = await connectDocker();
  if (args.provider === 'libvirt') return runBuildLibvirt(box, docker, args.force, ctx);
  if (args.provider === 'virtualbox') return runBuildVirtualbox(box, docker, args.force, ctx);
  const existing = args.force ? undefined : await findBoxImage(docker, box);
  const image = existing ?? (await buildBox(docker, box, ctx.progress, { signal: ctx.signal, wait: ctx.options.wait, force: args.force }));
  if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.box/v1', name: box.name, hash: box.hash, image, built: !existing });
  else ctx.out(`${box.name}: ${image}${existing ? ' (already built; --force rebuilds)' : ''}\n`);
  return 0;
}

/** `box build --provider libvirt`: the container box first (the same tree), then the Vagrant box made from it. */
async function runBuildLibvirt(box: BoxDefinition, docker: Awaited<ReturnType<typeof connectDocker>>, force: boolean, ctx: CommandContext): Promise<number> {
  const key = await vagrantInsecurePublicKey();
  const result = await ensureLibvirtBox(docker, box, key, ctx.progress, { ...(ctx.signal ? { signal: ctx.signal } : {}), force });
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.box/v1', name: box.name, hash: box.hash, provider: 'libvirt', vagrant_box: result.name, built: result.built });
  } else {
    ctx.out(`${box.name}: vagrant box ${result.name} (libvirt)${result.built ? '' : ' (already built; --force rebuilds)'}\n`);
  }
  return 0;
}

/** `box build --provider virtualbox`: the same tree as the libvirt box, on a disk with its own boot loader (VirtualBox is not needed to build it). */
async function runBuildVirtualbox(box: BoxDefinition, docker: Awaited<ReturnType<typeof connectDocker>>, force: boolean, ctx: CommandContext): Promise<number> {
  const key = await vagrantInsecurePublicKey();
  const result = await ensureVirtualboxBox(docker, box, key, ctx.progress, { ...(ctx.signal ? { signal: ctx.signal } : {}), force });
  if (ctx.options.format === 'json') {
    writeJson(ctx, {
      schema: 'devenv.box/v1',
      name: box.name,
      hash: box.hash,
      provider: 'virtualbox',
      vagrant_box: result.name,
      file: result.file,
      built: result.built,
    });
  } else {
    ctx.out(`${box.name}: vagrant box ${result.name} (virtualbox; ${result.file})${result.built ? '' : ' (already built; --force rebuilds)'}\n`);
  }
  return 0;
}

export async function runList(_args: object, ctx: CommandContext): Promise<number> {
  const docker = await connectDocker();
  const all = await docker.listImages({ filters: { label: [LABEL.boxHash] } });
  // Saved environments inherit the box's labels: they are listed apart.
  const images = all.filter((image) => image.Labels?.[CACHE_LABEL.key] === undefined && shortImageNames(image).some((tag) => tag.startsWith('devenv-box/')));
  const saved = all
    .filter((image) => image.Labels?.[CACHE_LABEL.key] !== undefined)
    .map((image) => ({
      image: shortImageNames(image)[0] ?? image.Id,
      profile: image.Labels?.[CACHE_LABEL.profile] ?? '?',
      stage: Number(image.Labels?.[CACHE_LABEL.stage] ?? 0),
      size_bytes: image.Size,
    }));
  const boxes = images.map((image) => ({
    name: image.Labels?.[LABEL.box] ?? '?',
    hash: image.Labels?.[LABEL.boxHash] ?? '?',
    image: shortImageNames(image).find((tag) => tag.startsWith('devenv-box/')) ?? image.Id,
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

/**
 * `devenv box prune [--all]`: saved environments of profiles that no longer exist (or
 * all of them), and box images that today's bundled definitions no longer produce.
 */
export async function runPrune(args: { all: boolean }, ctx: CommandContext): Promise<number> {
  const docker = await connectDocker();
  const removed = await ctx.progress.step('prune saved environments', () => pruneCacheImages(docker, { all: args.all, exists: existsSync }));
  const current = await currentBoxHashes(ctx);
  const removedBoxes = await ctx.progress.step('prune box images of older definitions', () =>
    pruneStaleBoxImages(docker, new Set(listBundledBoxNames()), current),
  );
  const removedLibvirt = await ctx.progress.step('prune libvirt boxes of older definitions', () => pruneLibvirt(ctx));
  removedBoxes.push(...removedLibvirt);
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.prune/v1', removed, removed_boxes: removedBoxes });
  } else {
    const lines = [...removed, ...removedBoxes].map((image) => `removed ${image}`);
    ctx.out(lines.length ? `${lines.join('\n')}\n` : 'nothing to prune\n');
  }
  return 0;
}

/** devenv's libvirt boxes (Vagrant's store, libvirt's pool, the cached box file) that today's definitions no longer produce. */
async function pruneLibvirt(ctx: CommandContext): Promise<string[]> {
  let key: string;
  try {
    key = await vagrantInsecurePublicKey();
  } catch {
    return []; // No vagrant: no libvirt boxes either.
  }
  const boxes = await todaysBoxes(ctx);
  return pruneStaleLibvirtBoxes(new Set(listBundledBoxNames()), new Set(boxes.map((box) => libvirtBoxHash(box, key))), poolVolumes, deletePoolVolume);
}

async function todaysBoxes(ctx: CommandContext): Promise<BoxDefinition[]> {
  const boxes = await Promise.all(listBundledBoxNames().map((name) => loadBoxDefinition(join(bundledBoxesDir(), `${name}.yaml`))));
  try {
    boxes.push(...profileBoxes(await loadProfile(locateProfile(ctx.options.profile), { manifests: false, severalMachines: true })));
  } catch {
    // No profile here (or a broken one): the bundled boxes are what counts.
  }
  return boxes;
}

/** The hashes today's box definitions produce: every bundled box, and this project's own when there is one. */
async function currentBoxHashes(ctx: CommandContext): Promise<CurrentBoxHashes> {
  const boxes = await Promise.all(listBundledBoxNames().map((name) => loadBoxDefinition(join(bundledBoxesDir(), `${name}.yaml`))));
  try {
    boxes.push(...profileBoxes(await loadProfile(locateProfile(ctx.options.profile), { manifests: false, severalMachines: true })));
  } catch {
    // No profile here (or a broken one): the bundled boxes are what counts.
  }
  let vagrant: Set<string> | undefined;
  try {
    const key = await vagrantInsecurePublicKey();
    vagrant = new Set(boxes.map((box) => vagrantBoxHash(box, key)));
  } catch {
    // Without vagrant the variants' hashes cannot be known: they are kept.
  }
  return { base: new Set(boxes.map((box) => box.hash)), vagrant };
}

/** The profile's box, and with machines: every machine's (a machine may name its own). */
function profileBoxes(profile: LoadedProfile): BoxDefinition[] {
  return [profile.box, ...(profile.machines ?? []).map((machine) => machine.box)];
}
