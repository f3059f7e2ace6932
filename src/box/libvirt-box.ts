// One file over 300 lines on purpose: the libvirt box is one recipe (packages, the VM's files, the image,
// the box metadata) whose parts change together when the recipe version is bumped.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile, copyFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { InterruptedError, OperationError, UnavailableError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import type { Progress } from '../core/progress.js';
import { cacheDir } from '../core/cache-dir.js';
import { acquireLock, describeHolder } from '../core/lock.js';
import { LABEL } from '../core/labels.js';
import { DockerTarget } from '../targets/docker-target.js';
import { execOrThrow } from '../targets/target.js';
import type { BoxDefinition } from './definition.js';
import { VAGRANT_USER_ID, VAGRANT_USER_RECIPE } from './vagrant-user.js';
import { buildBox, findBoxImage, removeTree } from './build.js';

/**
 * The Vagrant box for the libvirt provider, made from the same box definition and
 * debootstrap tree as the container box: devenv's box image gets a kernel, an
 * initrd, sshd, sudo, the guest agent and the `vagrant` user in a container of the
 * engine; its tree becomes an ext4 file system (`mkfs.ext4 -d`, nothing mounted)
 * in a qcow2 image, booted by direct kernel boot with the tree's own kernel and
 * initrd. Added with `vagrant box add` under devenv's name and the hash.
 */

/** Bump when the recipe below changes the box. */
export const LIBVIRT_BOX_RECIPE_VERSION = 2;
/** The uid of the vagrant user: the same as in the docker provider's image (clear of production's uid 1000). */
export const LIBVIRT_VAGRANT_UID = VAGRANT_USER_ID;
/** The root file system's size as the guest sees it (sparse: the image holds only what is written). */
export const ROOT_DISK_GIB = 16;
/** The box file kept in devenv's cache, so a box Vagrant lost is added again in seconds, not rebuilt. */
export const BOX_CACHE = 'vagrant-boxes';

/** Packages a VM needs that a container box does not: a kernel and its initrd, udev, sshd, sudo, the guest agent, rsync for synced folders, DNS. No time daemon: production's own comes with the manifests, like in a container. */
export const VM_PACKAGES = [
  'linux-image-amd64',
  'initramfs-tools',
  'udev',
  'kmod',
  'openssh-server',
  'sudo',
  'qemu-guest-agent',
  'rsync',
  'systemd-resolved',
] as const;

/** The modules the initrd needs to find its root on a virtio disk: a small initrd boots fast under emulation. */
export const INITRD_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_console', 'ext4', 'crc32c_generic'] as const;

export function libvirtBoxHash(box: BoxDefinition, publicKey: string): string {
  return hashOf({ box: box.hash, recipe: LIBVIRT_BOX_RECIPE_VERSION, key: publicKey, provider: 'libvirt' });
}

/** The name `vagrant box add` gets: devenv's prefix, the box, and the hash (Vagrant's versions cannot carry one). */
export function libvirtBoxName(box: BoxDefinition, publicKey: string): string {
  return `devenv-box/${box.name}-libvirt-${libvirtBoxHash(box, publicKey)}`;
}

/** A devenv libvirt box name → its box name and hash; undefined for other boxes. */
export function parseLibvirtBoxName(name: string): { box: string; hash: string } | undefined {
  const match = /^devenv-box\/(.+)-libvirt-([0-9a-f]{16})$/.exec(name);
  return match ? { box: match[1]!, hash: match[2]! } : undefined;
}

/** The volume vagrant-libvirt uploads a box's image to in libvirt's default pool ("/" becomes -VAGRANTSLASH-). */
export function poolVolumePrefix(boxName: string): string {
  return `${boxName.replace(/\//g, '-VAGRANTSLASH-')}_vagrant_box_image_`;
}

/** The kernel command line: root on the first virtio disk, console on the serial port. */
export const KERNEL_CMDLINE = 'root=/dev/vda rw console=ttyS0';

/** metadata.json of a libvirt box (vagrant-libvirt's format 1: one qcow2 image, box.img). */
export function libvirtBoxMetadata(virtualSizeGiB: number): string {
  return `${JSON.stringify({ provider: 'libvirt', format: 'qcow2', virtual_size: virtualSizeGiB })}\n`;
}

/**
 * The Vagrantfile inside the box: direct kernel boot with the box's own kernel and
 * initrd, found beside this file wherever Vagrant unpacked the box. Fixed text.
 */
export function libvirtBoxVagrantfile(cmdline: string = KERNEL_CMDLINE): string {
  return [
    '# -*- mode: ruby -*-',
    '# managed by devenv — the Vagrantfile of a libvirt box built from vanilla.',
    '# The box boots its own kernel and initrd (direct kernel boot): no bootloader in the image.',
    'Vagrant.configure("2") do |config|',
    '  config.vm.provider :libvirt do |lv|',
    '    here = File.dirname(__FILE__)',
    '    lv.kernel = File.join(here, "vmlinuz")',
    '    lv.initrd = File.join(here, "initrd.img")',
    `    lv.cmd_line = ${JSON.stringify(cmdline)}`,
    '  end',
    'end',
    '',
  ].join('\n');
}

/**
 * Runs as root in a container of devenv's box image, before the kernel is installed
 * (so the initrd is made once, small): the VM's packages, the vagrant user with
 * Vagrant's insecure key ($1) and passwordless sudo, DHCP on every NIC, sshd host
 * keys made at the first boot. Fixed text; the key is a positional argument.
 */
export const VM_RECIPE = [
  'set -eu',
  'export DEBIAN_FRONTEND=noninteractive',
  'install -d /etc/initramfs-tools/conf.d',
  "printf 'MODULES=list\\n' > /etc/initramfs-tools/conf.d/devenv-modules.conf",
  `printf '%s\\n' ${INITRD_MODULES.join(' ')} >> /etc/initramfs-tools/modules`,
  'apt-get update -qq',
  `apt-get install -y -qq --no-install-recommends ${VM_PACKAGES.join(' ')} >/dev/null`,
  // The VM boots the box's initrd from beside the box, never the one in /boot: rebuilding
  // that copy at every package that asks (busybox, udev…) would cost minutes under emulation.
  "sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf",
  ...VAGRANT_USER_RECIPE,
  // No two machines share host keys: made at the first boot. Only ed25519: an RSA
  // key takes tens of seconds under software emulation, and sshd skips the missing ones.
  'rm -f /etc/ssh/ssh_host_*',
  'install -d /etc/systemd/system/ssh.service.d',
  "cat > /etc/systemd/system/ssh.service.d/devenv-host-keys.conf <<'UNIT'",
  '[Service]',
  'ExecStartPre=',
  `ExecStartPre=/bin/sh -c "test -e /etc/ssh/ssh_host_ed25519_key || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key"`,
  'ExecStartPre=/usr/sbin/sshd -t',
  'UNIT',
  `printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\\n' > /etc/fstab`,
  // Every NIC asks DHCP: user-mode networking and libvirt's networks both answer.
  "printf '[Match]\\nName=en* eth*\\n\\n[Network]\\nDHCP=ipv4\\n' > /etc/systemd/network/80-devenv-dhcp.network",
  'systemctl enable ssh.service systemd-networkd.service systemd-resolved.service >/dev/null 2>&1',
  ': > /etc/machine-id',
  'apt-get clean',
  'apt-cache gencaches',
].join('\n');

/** The files an engine bind-mounts into every container (so its export has them empty): written for a machine. */
async function writeMachineFiles(tree: string): Promise<void> {
  await writeFile(join(tree, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n');
  await writeFile(join(tree, 'etc/hostname'), 'debian\n');
  await rm(join(tree, 'etc/resolv.conf'), { force: true });
  await symlink('../run/systemd/resolve/stub-resolv.conf', join(tree, 'etc/resolv.conf'));
  await rm(join(tree, '.dockerenv'), { force: true });
}

/** `vagrant box list --machine-readable` → the names of the boxes Vagrant has for one provider (libvirt by default). */
export function parseVagrantBoxList(machineReadable: string, provider = 'libvirt'): string[] {
  const names: string[] = [];
  let name: string | undefined;
  for (const line of machineReadable.split('\n')) {
    const fields = line.split(',');
    if (fields[2] === 'box-name') name = fields[3];
    if (fields[2] === 'box-provider' && fields[3] === provider && name) names.push(name);
  }
  return names;
}

export async function vagrantCommand(args: string[], signal?: AbortSignal): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.env.DEVENV_VAGRANT ?? 'vagrant', args, {
    reject: false,
    cancelSignal: signal,
    env: { VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' },
    stdin: 'ignore',
  }).catch((error: unknown) => ({ exitCode: (error as { code?: string }).code === 'ENOENT' ? 127 : -1, stdout: '', stderr: String(error) }));
  if (result.exitCode === 127)
    throw new UnavailableError('vagrant is not installed (a libvirt box is a Vagrant box)', { hint: 'sudo apt-get install vagrant vagrant-libvirt' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export async function vagrantLibvirtBoxes(): Promise<string[]> {
  const listed = await vagrantCommand(['box', 'list', '--machine-readable']);
  return listed.exitCode === 0 ? parseVagrantBoxList(listed.stdout) : [];
}

export function cachedBoxFile(name: string): string {
  return join(cacheDir(), BOX_CACHE, `${name.replace(/\//g, '--')}.box`);
}

/**
 * The libvirt box of this definition, in Vagrant's box store: found there, added
 * again from devenv's cache, or built. Returns the box name a Vagrantfile uses.
 */
export async function ensureLibvirtBox(
  docker: Dockerode,
  box: BoxDefinition,
  publicKey: string,
  progress: Progress,
  options: { signal?: AbortSignal; force?: boolean } = {},
): Promise<{ name: string; built: boolean }> {
  const name = libvirtBoxName(box, publicKey);
  if (!options.force && (await vagrantLibvirtBoxes()).includes(name)) return { name, built: false };
  const lock = await acquireLock(join(cacheDir(), 'locks', `box-${box.name}-libvirt-${libvirtBoxHash(box, publicKey)}.lock`), {
    what: `the libvirt box ${box.name}`,
    command: 'box build',
    wait: true,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (holder) => progress.info(`waiting for ${describeHolder(holder)}, which is building the libvirt box ${box.name}`),
  });
  try {
    if (!options.force && (await vagrantLibvirtBoxes()).includes(name)) return { name, built: false };
    const file = cachedBoxFile(name);
    let built = false;
    if (options.force || !existsSync(file)) {
      await buildLibvirtBoxFile(docker, box, publicKey, file, progress, options.signal);
      built = true;
    }
    await progress.step(`vagrant box add ${name}`, async () => {
      const added = await vagrantCommand(['box', 'add', '--force', '--name', name, file], options.signal);
      if (added.exitCode !== 0) throw new OperationError(`vagrant box add ${name} failed: ${lastLine(added.stderr || added.stdout)}`);
    });
    return { name, built };
  } finally {
    await lock.release();
  }
}

export function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output';
}

/** Runs one host tool of a box build; its last line of output is the error. */
export async function runTool(what: string, argv: string[], signal?: AbortSignal): Promise<void> {
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, all: true, cancelSignal: signal }).catch((error: unknown) => ({
    exitCode: -1,
    all: String(error),
    code: (error as { code?: string }).code,
  }));
  if (signal?.aborted) throw new InterruptedError('box build interrupted');
  if ((result as { code?: string }).code === 'ENOENT')
    throw new UnavailableError(`${argv[0]} is not installed (the libvirt box is made with it)`, { hint: 'bash scripts/setup-host.sh libvirt' });
  if (result.exitCode !== 0) throw new OperationError(`${what} failed: ${lastLine(String(result.all ?? ''))}`);
}

/** A machine's tree, exported from devenv's box image after VM_RECIPE (and a provider's own lines): ready for mkfs.ext4 -d. */
export interface MachineTree {
  tree: string;
  /** The tree's kernel and initrd (in its /boot). */
  kernel: string;
  initrd: string;
}

/**
 * The container box with the VM recipe run in it, exported to `work`/tree: the one
 * tree every VM provider's box is made from. `extraRecipe` runs after the recipe,
 * in the same container (a provider's own initrd, say). The caller removes `work`.
 */
export async function buildMachineTree(
  docker: Dockerode,
  box: BoxDefinition,
  publicKey: string,
  work: string,
  progress: Progress,
  signal?: AbortSignal,
  extraRecipe?: { title: string; script: string },
): Promise<MachineTree> {
  if (process.getuid?.() !== 0) {
    throw new UnavailableError('building a VM box needs root (the guest tree keeps its owners and device nodes)', {
      hint: 'run `sudo devenv box build --provider …` once',
    });
  }
  let base = await findBoxImage(docker, box);
  if (!base) {
    progress.info(`box ${box.name} is not built yet: building it from vanilla (once; cached by its definition)`);
    base = await buildBox(docker, box, progress, { signal });
  }
  if (signal?.aborted) throw new InterruptedError();
  const tree = join(work, 'tree');
  await mkdir(tree, { recursive: true });
  const container = await docker.createContainer({ Image: base, Cmd: ['sleep', 'infinity'], Labels: { [LABEL.managed]: 'true', [LABEL.box]: box.name } });
  // Interrupted: the container goes at once, which ends the recipe running in it.
  const onAbort = (): void => void container.remove({ force: true, v: true }).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await container.start();
    const target = new DockerTarget(docker, container.id, `${box.name}-vm-build`);
    await progress.step(`install the VM's kernel, sshd and vagrant user (${VM_PACKAGES.length} packages)`, async () => {
      await execOrThrow(target, ['sh', '-c', VM_RECIPE, 'devenv-vm-box', publicKey], { timeout: 1_200_000 });
    });
    if (extraRecipe)
      await progress.step(extraRecipe.title, async () => void (await execOrThrow(target, ['sh', '-c', extraRecipe.script], { timeout: 1_200_000 })));
    if (signal?.aborted) throw new InterruptedError();
    await container.stop({ t: 0 }).catch(() => undefined);
    await progress.step('export the tree', async () => {
      const tar = execa('tar', ['--numeric-owner', '-xpf', '-', '-C', tree], { stdin: 'pipe', reject: false, all: true });
      const stream = (await container.export()) as unknown as Readable;
      stream.pipe(tar.stdin!);
      const result = await tar;
      if (result.exitCode !== 0) throw new OperationError(`unpacking the exported tree failed: ${lastLine(String(result.all))}`);
      await writeMachineFiles(tree);
    });
    const boot = await readdir(join(tree, 'boot'));
    const kernel = boot
      .filter((f) => f.startsWith('vmlinuz-'))
      .sort()
      .pop();
    const initrd = boot
      .filter((f) => f.startsWith('initrd.img-'))
      .sort()
      .pop();
    if (!kernel || !initrd) throw new OperationError(`the tree has no kernel and initrd in /boot (found: ${boot.join(', ') || 'nothing'})`);
    return { tree, kernel: join(tree, 'boot', kernel), initrd: join(tree, 'boot', initrd) };
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function buildLibvirtBoxFile(
  docker: Dockerode,
  box: BoxDefinition,
  publicKey: string,
  file: string,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  const work = join(cacheDir(), 'build', `${box.name}-libvirt-${process.pid}`);
  const pkg = join(work, 'box');
  await rm(work, { recursive: true, force: true });
  await mkdir(pkg, { recursive: true });
  try {
    const { tree, kernel, initrd } = await buildMachineTree(docker, box, publicKey, work, progress, signal);
    await copyFile(kernel, join(pkg, 'vmlinuz'));
    await copyFile(initrd, join(pkg, 'initrd.img'));
    await progress.step(`make the disk image (ext4 from the tree, qcow2, ${ROOT_DISK_GIB} GiB)`, async () => {
      const raw = join(work, 'root.raw');
      await runTool('truncate', ['truncate', '-s', `${ROOT_DISK_GIB}G`, raw], signal);
      await runTool('mkfs.ext4 -d', ['mkfs.ext4', '-q', '-F', '-L', 'devenv-root', '-d', tree, raw], signal);
      await removeTree(tree);
      await runTool('qemu-img convert', ['qemu-img', 'convert', '-O', 'qcow2', raw, join(pkg, 'box.img')], signal);
      await unlink(raw);
    });
    await writeFile(join(pkg, 'metadata.json'), libvirtBoxMetadata(ROOT_DISK_GIB));
    await writeFile(join(pkg, 'Vagrantfile'), libvirtBoxVagrantfile());
    await mkdir(join(cacheDir(), BOX_CACHE), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await runTool('packing the box', ['tar', '-C', pkg, '-cf', temp, 'metadata.json', 'Vagrantfile', 'box.img', 'vmlinuz', 'initrd.img'], signal);
    await rename(temp, file);
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
    throw error;
  } finally {
    await removeTree(work);
  }
}

/**
 * Removes devenv's libvirt boxes that today's definitions no longer produce: from
 * Vagrant's store, libvirt's pool (vagrant-libvirt leaves the uploaded image
 * there) and devenv's cache. A box a machine still uses stays: Vagrant refuses.
 */
export async function pruneStaleLibvirtBoxes(
  bundledNames: ReadonlySet<string>,
  current: ReadonlySet<string>,
  volumes: () => Promise<string[]>,
  deleteVolume: (name: string) => Promise<void>,
): Promise<string[]> {
  const removed: string[] = [];
  let boxes: string[];
  try {
    boxes = await vagrantLibvirtBoxes();
  } catch {
    return removed;
  }
  for (const name of boxes) {
    const parsed = parseLibvirtBoxName(name);
    if (!parsed || !bundledNames.has(parsed.box) || current.has(parsed.hash)) continue;
    const result = await vagrantCommand(['box', 'remove', '--provider', 'libvirt', name]);
    if (result.exitCode !== 0) continue;
    for (const volume of await volumes()) if (volume.startsWith(poolVolumePrefix(name))) await deleteVolume(volume);
    await rm(cachedBoxFile(name), { force: true });
    removed.push(name);
  }
  return removed;
}
