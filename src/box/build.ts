import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { InterruptedError, OperationError, UnavailableError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { BoxDefinition } from './definition.js';
import { boxImageChanges, boxImageRef, findBoxImage } from './image.js';
import { cacheDir } from '../core/cache-dir.js';
import { acquireLock, describeHolder } from '../core/lock.js';
import { hostMirrors, mirrorFor } from './mirror.js';
import { chooseBoxBuilder } from './builder-choice.js';

export { cacheDir } from '../core/cache-dir.js';

export { boxImageRef, findBoxImage } from './image.js';

export interface BuildBoxOptions {
  signal?: AbortSignal;
  /** false (--no-wait): another run building the same box is exit 3, not a wait. */
  wait?: boolean;
  /** Build even when the image exists (`box build --force`); otherwise a build finished meanwhile is used. */
  force?: boolean;
}

/**
 * Builds a box from vanilla: debootstrap into a temporary tree, configure apt
 * sources, timezone and locale like production, import the tree as an image
 * through the Engine API, and remove the tree whatever happens. Where that cannot
 * run here, the same build runs in a container of the engine (engine-builder.ts).
 */
export async function buildBox(docker: Dockerode, box: BoxDefinition, progress: Progress, options: BuildBoxOptions = {}): Promise<string> {
  // debootstrap here (fast) where it can run; otherwise in a container of the engine (remote, Docker Desktop, no root).
  const builder = await chooseBoxBuilder({
    forced: process.env.DEVENV_BOX_BUILDER,
    dockerHost: process.env.DOCKER_HOST,
    isRoot: process.getuid?.() === 0,
    debootstrapInstalled: () =>
      requireDebootstrap().then(
        () => true,
        () => false,
      ),
  });
  if (builder === 'host') {
    await requireDebootstrap();
    if (process.getuid?.() !== 0) {
      throw new UnavailableError('building a box needs root (debootstrap creates device nodes and sets owners)', {
        hint: 'run `sudo devenv box build` once, or build it in the engine: `DEVENV_BOX_BUILDER=engine devenv box build`',
      });
    }
  }
  const ref = boxImageRef(box);
  // One build of a box at a time on this machine; a second run waits and then finds the image.
  const lock = await acquireLock(join(cacheDir(), 'locks', `box-${box.name}-${box.hash}.lock`), {
    what: `the box ${box.name}`,
    command: 'box build',
    wait: options.wait ?? true,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (holder) => progress.info(`waiting for ${describeHolder(holder)}, which is building the box ${box.name}`),
  });
  try {
    if (!options.force && (await findBoxImage(docker, box))) return ref;
    if (builder === 'host') return await buildUnlocked(docker, box, ref, progress, options);
    const { buildBoxInEngine } = await import('./engine-builder.js');
    return await buildBoxInEngine(docker, box, ref, progress, options);
  } finally {
    await lock.release();
  }
}

async function buildUnlocked(docker: Dockerode, box: BoxDefinition, ref: string, progress: Progress, options: BuildBoxOptions): Promise<string> {
  const buildRoot = join(cacheDir(), 'build');
  const tree = join(buildRoot, `${box.name}-${box.hash}-${process.pid}`);
  const debCache = join(cacheDir(), 'debootstrap', box.debootstrap.suite);
  await mkdir(buildRoot, { recursive: true });
  await mkdir(debCache, { recursive: true });
  const mirrors = await hostMirrors();
  const mainMirror = mirrors.get('debian');

  try {
    await progress.step(`debootstrap ${box.debootstrap.suite} (${box.debootstrap.variant})`, async (update) => {
      const args = [
        `--variant=${box.debootstrap.variant}`,
        `--components=${box.debootstrap.components.join(',')}`,
        `--cache-dir=${debCache}`,
        ...(box.packages.length ? [`--include=${box.packages.join(',')}`] : []),
        box.debootstrap.suite,
        tree,
        ...(mainMirror ? [mainMirror] : []),
      ];
      const child = execa('debootstrap', args, { all: true, cancelSignal: options.signal, forceKillAfterDelay: 5000 });
      const tail: string[] = [];
      child.all?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          const step = /^I: (Retrieving|Validating|Unpacking|Configuring|Extracting) (\S+)/.exec(line);
          if (step) update(`${step[1]!.toLowerCase()} ${step[2]}`);
        }
      });
      try {
        await child;
      } catch (error) {
        if (options.signal?.aborted) throw new InterruptedError('box build interrupted');
        const reason = tail.filter((l) => /^E:|^W:/.test(l)).pop() ?? tail.pop() ?? 'no output';
        throw new OperationError(`debootstrap of ${box.debootstrap.suite} failed: ${reason}`, {
          hint: 'check that this machine reaches its Debian mirror (`apt-get update`)',
          cause: error,
        });
      }
    });

    await progress.step('configure apt sources, timezone and locale', async () => {
      const debootstrapMirror = await readDebootstrapMirror(tree);
      await writeAptSources(tree, box, (archive) => mirrorFor(archive, mirrors, debootstrapMirror));
      await configureTimezoneAndLocale(tree, box);
      await maskUnits(tree, box.mask_units);
      // systemd creates a fresh machine-id at first boot: no two environments share one.
      await writeFile(join(tree, 'etc/machine-id'), '');
      await chroot(tree, ['apt-get', 'update', '-qq'], options.signal, 'apt-get update in the new box');
      await chroot(tree, ['apt-get', 'clean'], options.signal, 'apt-get clean');
      // `clean` also drops apt's binary cache of the lists. A host has it after every
      // `apt-get update`; without it the first apt command of every new environment
      // spends ~0.5 s rebuilding it. Built once here, it is shared by every environment.
      await chroot(tree, ['apt-cache', 'gencaches'], options.signal, 'apt-cache gencaches');
    });

    if (options.signal?.aborted) throw new InterruptedError('box build interrupted');

    await progress.step(`import image ${ref}`, async () => {
      const tar = execa('tar', ['--numeric-owner', '--one-file-system', '-C', tree, '-cf', '-', '.'], {
        cancelSignal: options.signal,
        buffer: false,
        stdout: 'pipe',
      });
      // The tag goes inside `repo` (`name:tag`): Podman's import ignores the `tag`
      // parameter (its image would be `:latest`), and Docker reads a tagged repo alike.
      const response = await docker.importImage(
        tar.stdout as unknown as NodeJS.ReadableStream,
        {
          repo: ref,
          changes: boxImageChanges(box),
        } as unknown as object,
      );
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(response, (error: Error | null, events: { error?: string }[]) => {
          const failed = events?.find((event) => event.error);
          if (error || failed) reject(new OperationError(`docker import failed: ${error?.message ?? failed?.error}`));
          else resolve();
        });
      });
      await tar;
    });
    // The box's own packages join the own archive: a lock names their versions too, and
    // a rebuild from it must not depend on the mirror still carrying them (point releases drop them).
    await progress
      .step('keep the box packages in the own archive', async () => {
        const { ArchiveStore } = await import('../lock/archive-store.js');
        const { importArchive } = await import('../lock/archive-dir.js');
        await importArchive(new ArchiveStore(), debCache);
      })
      .catch((error: unknown) => progress.warn(`the box's packages were not archived: ${error instanceof Error ? error.message : String(error)}`));
    return ref;
  } finally {
    await removeTree(tree);
  }
}

async function requireDebootstrap(): Promise<void> {
  try {
    await execa('debootstrap', ['--version']);
  } catch {
    throw new UnavailableError('debootstrap is not installed (DEVENV_BOX_BUILDER=host builds boxes with it on this machine)', {
      hint: 'install it (`sudo apt-get install debootstrap`), or build in the engine: unset DEVENV_BOX_BUILDER or set it to engine',
    });
  }
}

async function readDebootstrapMirror(tree: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(tree, 'etc/apt/sources.list'), 'utf8');
    return /^deb\s+(\S+)/m.exec(text)?.[1]?.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** deb822 sources for the suites production uses, with the host's mirrors. */
export function renderAptSources(box: BoxDefinition, uriFor: (archive: string) => string | undefined): string {
  const stanzas: string[] = [];
  for (const source of box.apt_sources) {
    const uri = uriFor(source.archive);
    if (!uri) continue;
    stanzas.push(
      [
        'Types: deb',
        `URIs: ${uri}`,
        `Suites: ${source.suites.join(' ')}`,
        `Components: ${source.components.join(' ')}`,
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      ].join('\n'),
    );
  }
  return `# managed by devenv — the apt sources of box ${box.name}\n${stanzas.join('\n\n')}\n`;
}

async function writeAptSources(tree: string, box: BoxDefinition, uriFor: (archive: string) => string | undefined): Promise<void> {
  await mkdir(join(tree, 'etc/apt/sources.list.d'), { recursive: true });
  await writeFile(join(tree, 'etc/apt/sources.list.d/debian.sources'), renderAptSources(box, uriFor));
  await rm(join(tree, 'etc/apt/sources.list'), { force: true });
}

async function configureTimezoneAndLocale(tree: string, box: BoxDefinition): Promise<void> {
  const localtime = join(tree, 'etc/localtime');
  if (existsSync(localtime)) await unlink(localtime);
  await symlink(`/usr/share/zoneinfo/${box.timezone}`, localtime);
  await writeFile(join(tree, 'etc/timezone'), `${box.timezone}\n`);
  await writeFile(join(tree, 'etc/default/locale'), `LANG=${box.locale}\n`);
}

/** Masks units the way `systemctl mask` does: a link to /dev/null in /etc/systemd/system. */
async function maskUnits(tree: string, units: readonly string[]): Promise<void> {
  if (units.length === 0) return;
  await mkdir(join(tree, 'etc/systemd/system'), { recursive: true });
  for (const unit of units) {
    const link = join(tree, 'etc/systemd/system', unit);
    await rm(link, { force: true });
    await symlink('/dev/null', link);
  }
}

async function chroot(tree: string, argv: string[], signal: AbortSignal | undefined, what: string): Promise<void> {
  try {
    await execa('chroot', [tree, ...argv], { all: true, cancelSignal: signal, env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
    const all = (error as { all?: string }).all ?? '';
    throw new OperationError(`${what} failed: ${all.trim().split('\n').pop() ?? ''}`, { cause: error });
  }
}

/**
 * Removes a build tree. An interrupted debootstrap can leave /proc or /sys
 * mounted inside it: unmount those first and never cross a file-system boundary.
 */
export async function removeTree(tree: string): Promise<void> {
  if (!existsSync(tree)) return;
  try {
    const mounts = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((mountPoint) => mountPoint === tree || mountPoint.startsWith(`${tree}/`))
      .sort((a, b) => b.length - a.length);
    for (const mountPoint of mounts) await execa('umount', ['-l', mountPoint], { reject: false });
  } catch {
    // /proc/mounts unreadable: the --one-file-system below still protects the host.
  }
  await execa('rm', ['-rf', '--one-file-system', tree], { reject: false });
}
