// One file over 300 lines on purpose: the virtualbox box is one recipe (the bootable disk, the VMDK, box.ovf,
// metadata and Vagrantfile) whose parts change together when the recipe version is bumped.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { InterruptedError, OperationError, UnavailableError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import type { Progress } from '../core/progress.js';
import { cacheDir } from '../core/cache-dir.js';
import { acquireLock, describeHolder } from '../core/lock.js';
import type { BoxDefinition } from './definition.js';
import { removeTree } from './build.js';
import {
  BOX_CACHE,
  LIBVIRT_BOX_RECIPE_VERSION,
  ROOT_DISK_GIB,
  buildMachineTree,
  cachedBoxFile,
  lastLine,
  parseVagrantBoxList,
  runTool,
  vagrantCommand,
} from './libvirt-box.js';

/**
 * The Vagrant box for the virtualbox provider, from the same tree as the libvirt
 * box (buildMachineTree). VirtualBox has no direct kernel boot, so the disk
 * carries its own boot loader, written without mounting anything: an MBR disk
 * (sfdisk on a file) whose first partition is a small FAT file system holding the
 * kernel, an initrd that finds its root on a SATA disk, and SYSLINUX (installed
 * into the FAT image by `syslinux --install`, through mtools); its second
 * partition is the ext4 root (`mkfs.ext4 -d` at that offset); syslinux's mbr.bin
 * in the first 440 bytes. The disk becomes a streamOptimized VMDK, described by
 * box.ovf (a SATA/AHCI controller and an E1000 NIC on NAT, as VirtualBox makes).
 */

/** Bump when the virtualbox packaging below changes the box. */
export const VIRTUALBOX_BOX_RECIPE_VERSION = 1;
/** syslinux's MBR boot code, from Debian's syslinux-common. */
export const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
const MIB = 1024 * 1024;

export function virtualboxBoxHash(box: BoxDefinition, publicKey: string): string {
  return hashOf({ box: box.hash, recipe: LIBVIRT_BOX_RECIPE_VERSION, packaging: VIRTUALBOX_BOX_RECIPE_VERSION, key: publicKey, provider: 'virtualbox' });
}

export function virtualboxBoxName(box: BoxDefinition, publicKey: string): string {
  return `devenv-box/${box.name}-virtualbox-${virtualboxBoxHash(box, publicKey)}`;
}

/** The kernel command line: root found by its label on whatever controller (SATA here), the console on the screen and the first serial port. */
export const VIRTUALBOX_CMDLINE = 'root=LABEL=devenv-root rw console=tty0 console=ttyS0';

/** Where the two partitions lie on the disk, in bytes; sfdisk's script for them (the boot partition active, FAT16). */
export interface DiskLayout {
  diskBytes: number;
  bootStart: number;
  bootBytes: number;
  rootStart: number;
  rootBytes: number;
  sfdisk: string;
}

export function virtualboxDiskLayout(diskGiB: number = ROOT_DISK_GIB, bootMiB = 128): DiskLayout {
  const diskBytes = diskGiB * 1024 * MIB;
  const bootStart = MIB;
  const bootBytes = bootMiB * MIB;
  const rootStart = bootStart + bootBytes;
  const rootBytes = diskBytes - rootStart;
  const sectors = (bytes: number): number => bytes / 512;
  const sfdisk = [
    'label: dos',
    `start=${sectors(bootStart)}, size=${sectors(bootBytes)}, type=6, bootable`,
    `start=${sectors(rootStart)}, size=${sectors(rootBytes)}, type=83`,
    '',
  ].join('\n');
  return { diskBytes, bootStart, bootBytes, rootStart, rootBytes, sfdisk };
}

/** syslinux.cfg on the boot partition: one entry, no menu, no wait; the loader also speaks on the first serial port (SERIAL comes first). */
export function syslinuxConfig(cmdline: string = VIRTUALBOX_CMDLINE): string {
  return ['SERIAL 0 115200', 'DEFAULT devenv', 'PROMPT 0', 'TIMEOUT 0', 'LABEL devenv', '  KERNEL vmlinuz', `  APPEND initrd=initrd.img ${cmdline}`, ''].join(
    '\n',
  );
}

/**
 * The lines run in the build container after the VM recipe: an initrd that finds
 * its root on the disk controllers VirtualBox offers (AHCI, PIIX IDE), beside the
 * libvirt box's small virtio-only one, made from a copy of initramfs-tools' settings
 * (outside the tree) and left at /boot/initrd-sata.img; the root in fstab by label.
 */
export const VIRTUALBOX_RECIPE = [
  'set -eu',
  'kernel=$(ls /lib/modules | sort | tail -n 1)',
  'rm -rf /tmp/devenv-initramfs && cp -a /etc/initramfs-tools /tmp/devenv-initramfs',
  "printf '%s\\n' ahci libahci ata_piix ata_generic libata sd_mod e1000 >> /tmp/devenv-initramfs/modules",
  'mkinitramfs -d /tmp/devenv-initramfs -o /boot/initrd-sata.img "$kernel"',
  'rm -rf /tmp/devenv-initramfs',
  "printf 'LABEL=devenv-root / ext4 defaults,errors=remount-ro 0 1\\n' > /etc/fstab",
].join('\n');

/** metadata.json of a virtualbox box. */
export function virtualboxBoxMetadata(): string {
  return `${JSON.stringify({ provider: 'virtualbox' })}\n`;
}

/** A stable MAC in VirtualBox's own range (08:00:27), written as Vagrant's base_mac wants it (no colons). */
export function virtualboxBaseMac(seed: string): string {
  return `080027${hashOf(seed, 6).slice(0, 6).toUpperCase()}`;
}

/** The Vagrantfile inside the box: the NAT adapter's MAC, which Vagrant sets on import. */
export function virtualboxBoxVagrantfile(baseMac: string): string {
  return [
    '# -*- mode: ruby -*-',
    '# managed by devenv — the Vagrantfile of a virtualbox box built from vanilla.',
    '# The disk boots with its own SYSLINUX (MBR + a FAT boot partition): no direct kernel boot.',
    'Vagrant.configure("2") do |config|',
    `  config.vm.base_mac = ${JSON.stringify(baseMac)}`,
    'end',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface OvfInputs {
  name: string;
  /** The VMDK beside box.ovf. */
  diskFile: string;
  /** Its size in bytes (OVF's File ovf:size). */
  diskFileBytes: number;
  /** The disk's size as the guest sees it. */
  capacityBytes: number;
  cpus: number;
  memoryMiB: number;
}

/**
 * box.ovf: OVF 1.0 as VirtualBox reads it (the items VirtualBox's own export
 * writes): CPUs, memory, a SATA (AHCI) controller with the disk on port 0, and an
 * E1000 NIC on NAT, which Vagrant forwards SSH through.
 */
export function virtualboxOvf(inputs: OvfInputs): string {
  const name = xml(inputs.name);
  const item = (fields: Record<string, string | number>): string =>
    ['      <Item>', ...Object.entries(fields).map(([k, v]) => `        <rasd:${k}>${xml(String(v))}</rasd:${k}>`), '      </Item>'].join('\n');
  return [
    '<?xml version="1.0"?>',
    '<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine">',
    '  <References>',
    `    <File ovf:id="file1" ovf:href="${xml(inputs.diskFile)}" ovf:size="${inputs.diskFileBytes}"/>`,
    '  </References>',
    '  <DiskSection>',
    '    <Info>List of the virtual disks used in the package</Info>',
    `    <Disk ovf:capacity="${inputs.capacityBytes}" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>`,
    '  </DiskSection>',
    '  <NetworkSection>',
    '    <Info>Logical networks used in the package</Info>',
    '    <Network ovf:name="NAT">',
    '      <Description>Logical network used by this appliance.</Description>',
    '    </Network>',
    '  </NetworkSection>',
    `  <VirtualSystem ovf:id="${name}">`,
    '    <Info>A virtual machine</Info>',
    '    <OperatingSystemSection ovf:id="96">',
    '      <Info>The kind of installed guest operating system</Info>',
    '      <Description>Debian_64</Description>',
    '      <vbox:OSType ovf:required="false">Debian_64</vbox:OSType>',
    '    </OperatingSystemSection>',
    '    <VirtualHardwareSection>',
    '      <Info>Virtual hardware requirements for a virtual machine</Info>',
    '      <System>',
    '        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>',
    '        <vssd:InstanceID>0</vssd:InstanceID>',
    `        <vssd:VirtualSystemIdentifier>${name}</vssd:VirtualSystemIdentifier>`,
    '        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>',
    '      </System>',
    item({
      Caption: `${inputs.cpus} virtual CPU`,
      Description: 'Number of virtual CPUs',
      ElementName: `${inputs.cpus} virtual CPU`,
      InstanceID: 1,
      ResourceType: 3,
      VirtualQuantity: inputs.cpus,
    }),
    item({
      AllocationUnits: 'MegaBytes',
      Caption: `${inputs.memoryMiB} MB of memory`,
      Description: 'Memory Size',
      ElementName: `${inputs.memoryMiB} MB of memory`,
      InstanceID: 2,
      ResourceType: 4,
      VirtualQuantity: inputs.memoryMiB,
    }),
    item({
      Address: 0,
      Caption: 'sataController0',
      Description: 'SATA Controller',
      ElementName: 'sataController0',
      InstanceID: 3,
      ResourceSubType: 'AHCI',
      ResourceType: 20,
    }),
    item({
      AutomaticAllocation: 'true',
      Caption: "Ethernet adapter on 'NAT'",
      Connection: 'NAT',
      ElementName: "Ethernet adapter on 'NAT'",
      InstanceID: 4,
      ResourceSubType: 'E1000',
      ResourceType: 10,
    }),
    item({
      AddressOnParent: 0,
      Caption: 'disk1',
      Description: 'Disk Image',
      ElementName: 'disk1',
      HostResource: '/disk/vmdisk1',
      InstanceID: 5,
      Parent: 3,
      ResourceType: 17,
    }),
    '    </VirtualHardwareSection>',
    '  </VirtualSystem>',
    '</Envelope>',
    '',
  ].join('\n');
}

/** The host tools this build needs beyond the libvirt box's (Debian packages in brackets). */
const TOOLS: [string, string][] = [
  ['sfdisk', 'fdisk'],
  ['mkfs.vfat', 'dosfstools'],
  ['mcopy', 'mtools'],
  ['syslinux', 'syslinux'],
  ['qemu-img', 'qemu-utils'],
];

async function assertTools(): Promise<void> {
  const { execa } = await import('execa');
  const missing: string[] = [];
  for (const [tool, pkg] of TOOLS) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) missing.push(pkg);
  }
  if (!existsSync(SYSLINUX_MBR)) missing.push('syslinux-common');
  if (missing.length)
    throw new UnavailableError(`a virtualbox box needs ${[...new Set(missing)].join(', ')} on this host (its boot loader is written without mounting)`, {
      hint: `sudo apt-get install ${[...new Set(missing)].join(' ')}`,
    });
}

/** `vagrant box list --machine-readable` → the virtualbox boxes' names. */
export function parseVirtualboxBoxes(machineReadable: string): string[] {
  return parseVagrantBoxList(machineReadable, 'virtualbox');
}

/**
 * The virtualbox box of this definition in Vagrant's box store: found there, added
 * again from devenv's cache, or built. VirtualBox itself is not needed to build or add it.
 */
export async function ensureVirtualboxBox(
  docker: Dockerode,
  box: BoxDefinition,
  publicKey: string,
  progress: Progress,
  options: { signal?: AbortSignal; force?: boolean } = {},
): Promise<{ name: string; built: boolean; file: string }> {
  const name = virtualboxBoxName(box, publicKey);
  const file = cachedBoxFile(name);
  const listed = async (): Promise<string[]> => {
    const result = await vagrantCommand(['box', 'list', '--machine-readable']);
    return result.exitCode === 0 ? parseVirtualboxBoxes(result.stdout) : [];
  };
  if (!options.force && (await listed()).includes(name) && existsSync(file)) return { name, built: false, file };
  const lock = await acquireLock(join(cacheDir(), 'locks', `box-${box.name}-virtualbox-${virtualboxBoxHash(box, publicKey)}.lock`), {
    what: `the virtualbox box ${box.name}`,
    command: 'box build',
    wait: true,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (holder) => progress.info(`waiting for ${describeHolder(holder)}, which is building the virtualbox box ${box.name}`),
  });
  try {
    let built = false;
    if (options.force || !existsSync(file)) {
      await assertTools();
      await buildVirtualboxBoxFile(docker, box, publicKey, file, progress, options.signal);
      built = true;
    }
    if (options.force || built || !(await listed()).includes(name)) {
      await progress.step(`vagrant box add ${name}`, async () => {
        const added = await vagrantCommand(['box', 'add', '--force', '--name', name, file], options.signal);
        if (added.exitCode !== 0) throw new OperationError(`vagrant box add ${name} failed: ${lastLine(added.stderr || added.stdout)}`);
      });
    }
    return { name, built, file };
  } finally {
    await lock.release();
  }
}

async function buildVirtualboxBoxFile(
  docker: Dockerode,
  box: BoxDefinition,
  publicKey: string,
  file: string,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  const work = join(cacheDir(), 'build', `${box.name}-virtualbox-${process.pid}`);
  const pkg = join(work, 'box');
  await rm(work, { recursive: true, force: true });
  await mkdir(pkg, { recursive: true });
  try {
    const { tree, kernel } = await buildMachineTree(docker, box, publicKey, work, progress, signal, {
      title: 'make an initrd for SATA disks (VirtualBox has no direct kernel boot)',
      script: VIRTUALBOX_RECIPE,
    });
    const layout = virtualboxDiskLayout();
    const raw = join(work, 'disk.raw');
    const fat = join(work, 'boot.fat');
    await progress.step(`make the disk (MBR, SYSLINUX on a FAT boot partition, ext4 root, ${ROOT_DISK_GIB} GiB), nothing mounted`, async () => {
      const initrd = join(tree, 'boot', 'initrd-sata.img');
      await writeFile(join(work, 'syslinux.cfg'), syslinuxConfig());
      await runTool('mkfs.vfat', ['mkfs.vfat', '-F', '16', '-n', 'DEVENVBOOT', '-C', fat, String(layout.bootBytes / 1024)], signal);
      await runTool('mcopy', ['mcopy', '-i', fat, kernel, '::/vmlinuz'], signal);
      await runTool('mcopy', ['mcopy', '-i', fat, initrd, '::/initrd.img'], signal);
      await runTool('mcopy', ['mcopy', '-i', fat, join(work, 'syslinux.cfg'), '::/syslinux.cfg'], signal);
      await runTool('syslinux --install', ['syslinux', '--install', fat], signal);
      await rm(initrd, { force: true });
      await runTool('truncate', ['truncate', '-s', String(layout.diskBytes), raw], signal);
      await runTool('sfdisk', ['sh', '-c', 'printf "%s" "$1" | sfdisk --quiet --no-reread --no-tell-kernel "$2"', 'sfdisk', layout.sfdisk, raw], signal);
      await runTool('dd (MBR boot code)', ['dd', `if=${SYSLINUX_MBR}`, `of=${raw}`, 'bs=440', 'count=1', 'conv=notrunc', 'status=none'], signal);
      await runTool(
        'dd (boot partition)',
        ['dd', `if=${fat}`, `of=${raw}`, 'bs=1M', `seek=${layout.bootStart / MIB}`, 'conv=notrunc,sparse', 'status=none'],
        signal,
      );
      await runTool(
        'mkfs.ext4 -d',
        ['mkfs.ext4', '-q', '-F', '-L', 'devenv-root', '-E', `offset=${layout.rootStart}`, '-d', tree, raw, `${layout.rootBytes / 1024}k`],
        signal,
      );
      await removeTree(tree);
    });
    const vmdk = join(pkg, 'box-disk001.vmdk');
    await progress.step('convert it to a streamOptimized VMDK', async () => {
      await runTool('qemu-img convert', ['qemu-img', 'convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, vmdk], signal);
      await rm(raw, { force: true });
    });
    const name = virtualboxBoxName(box, publicKey);
    await writeFile(
      join(pkg, 'box.ovf'),
      virtualboxOvf({
        name: name.replace(/\//g, '-'),
        diskFile: 'box-disk001.vmdk',
        diskFileBytes: (await stat(vmdk)).size,
        capacityBytes: layout.diskBytes,
        cpus: 2,
        memoryMiB: 1024,
      }),
    );
    await writeFile(join(pkg, 'metadata.json'), virtualboxBoxMetadata());
    await writeFile(join(pkg, 'Vagrantfile'), virtualboxBoxVagrantfile(virtualboxBaseMac(name)));
    await mkdir(join(cacheDir(), BOX_CACHE), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await runTool('packing the box', ['tar', '-C', pkg, '-cf', temp, 'box.ovf', 'box-disk001.vmdk', 'metadata.json', 'Vagrantfile'], signal);
    await rename(temp, file);
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
    throw error;
  } finally {
    await removeTree(work);
  }
}
