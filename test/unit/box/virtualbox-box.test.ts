import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { BoxDefinition } from '../../../src/box/definition.js';
import { libvirtBoxHash } from '../../../src/box/libvirt-box.js';
import {
  parseVirtualboxBoxes,
  syslinuxConfig,
  VIRTUALBOX_CMDLINE,
  VIRTUALBOX_RECIPE,
  virtualboxBaseMac,
  virtualboxBoxHash,
  virtualboxBoxMetadata,
  virtualboxBoxName,
  virtualboxBoxVagrantfile,
  virtualboxDiskLayout,
  virtualboxOvf,
} from '../../../src/box/virtualbox-box.js';

const box = { name: 'debian-12', hash: '0123456789abcdef' } as BoxDefinition;
const key = 'ssh-rsa AAAA vagrant insecure public key';

describe('virtualbox box naming', () => {
  it('carries the box and a hash of its definition, recipes and key, apart from the libvirt box', () => {
    expect(virtualboxBoxName(box, key)).toMatch(/^devenv-box\/debian-12-virtualbox-[0-9a-f]{16}$/);
    expect(virtualboxBoxHash(box, key)).not.toBe(libvirtBoxHash(box, key));
    expect(virtualboxBoxHash({ ...box, hash: 'fedcba9876543210' } as BoxDefinition, key)).not.toBe(virtualboxBoxHash(box, key));
  });

  it('finds the virtualbox boxes in `vagrant box list --machine-readable`', () => {
    const listed = [
      '1,,box-name,devenv-box/debian-12-libvirt-aa',
      '1,,box-provider,libvirt',
      '1,,box-name,devenv-box/debian-12-virtualbox-bb',
      '1,,box-provider,virtualbox',
    ].join('\n');
    expect(parseVirtualboxBoxes(listed)).toEqual(['devenv-box/debian-12-virtualbox-bb']);
  });
});

describe('the disk: MBR, a FAT boot partition with SYSLINUX, the ext4 root', () => {
  const layout = virtualboxDiskLayout(16, 128);

  it('places the boot partition at 1 MiB and the root right after it, to the end of the disk', () => {
    expect(layout).toMatchObject({ diskBytes: 16 * 1024 ** 3, bootStart: 1024 ** 2, bootBytes: 128 * 1024 ** 2, rootStart: 129 * 1024 ** 2 });
    expect(layout.rootStart + layout.rootBytes).toBe(layout.diskBytes);
    expect(layout.sfdisk).toBe(['label: dos', 'start=2048, size=262144, type=6, bootable', 'start=264192, size=33290240, type=83', ''].join('\n'));
  });

  it('SYSLINUX boots the box’s kernel at once, its root found by label on the SATA disk', () => {
    const cfg = syslinuxConfig();
    expect(cfg.split('\n')[0]).toBe('SERIAL 0 115200');
    expect(cfg).toContain('DEFAULT devenv');
    expect(cfg).toContain('TIMEOUT 0');
    expect(cfg).toContain(`APPEND initrd=initrd.img ${VIRTUALBOX_CMDLINE}`);
    expect(VIRTUALBOX_CMDLINE).toContain('root=LABEL=devenv-root');
  });

  it('the initrd knows the controllers VirtualBox offers; fstab names the root by label', () => {
    for (const module of ['ahci', 'ata_piix', 'sd_mod']) expect(VIRTUALBOX_RECIPE).toContain(module);
    expect(VIRTUALBOX_RECIPE).toContain('mkinitramfs -d /tmp/devenv-initramfs');
    expect(VIRTUALBOX_RECIPE).toContain('LABEL=devenv-root / ext4');
  });
});

describe('box.ovf, metadata.json and the Vagrantfile', () => {
  const ovf = virtualboxOvf({
    name: 'devenv-box-debian-12-virtualbox-00',
    diskFile: 'box-disk001.vmdk',
    diskFileBytes: 123456,
    capacityBytes: 16 * 1024 ** 3,
    cpus: 2,
    memoryMiB: 1024,
  });

  it('is well-formed XML (xmllint, where it is installed)', () => {
    let xmllint = true;
    try {
      execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    } catch {
      xmllint = false;
    }
    if (xmllint) execFileSync('xmllint', ['--noout', '-'], { input: ovf });
    expect(ovf.startsWith('<?xml version="1.0"?>\n<Envelope ovf:version="1.0"')).toBe(true);
    expect(ovf.trim().endsWith('</Envelope>')).toBe(true);
  });

  it('names the VMDK with its size, and the disk with its capacity, streamOptimized', () => {
    expect(ovf).toContain('<File ovf:id="file1" ovf:href="box-disk001.vmdk" ovf:size="123456"/>');
    expect(ovf).toContain(`ovf:capacity="${16 * 1024 ** 3}"`);
    expect(ovf).toContain('vmdk.html#streamOptimized');
  });

  it('gives the machine CPUs, memory, a SATA (AHCI) controller with the disk on it, and an E1000 NIC on NAT', () => {
    expect(ovf).toMatch(/<rasd:ResourceType>3<\/rasd:ResourceType>\s*<rasd:VirtualQuantity>2</);
    expect(ovf).toMatch(/<rasd:ResourceType>4<\/rasd:ResourceType>\s*<rasd:VirtualQuantity>1024</);
    expect(ovf).toMatch(/<rasd:InstanceID>3<\/rasd:InstanceID>\s*<rasd:ResourceSubType>AHCI<\/rasd:ResourceSubType>\s*<rasd:ResourceType>20</);
    expect(ovf).toMatch(/<rasd:HostResource>\/disk\/vmdisk1<\/rasd:HostResource>\s*<rasd:InstanceID>5<\/rasd:InstanceID>\s*<rasd:Parent>3<\/rasd:Parent>/);
    expect(ovf).toMatch(/<rasd:Connection>NAT<\/rasd:Connection>[\s\S]*<rasd:ResourceSubType>E1000</);
  });

  it('escapes what it places', () => {
    expect(virtualboxOvf({ name: 'a<b&"c', diskFile: 'd.vmdk', diskFileBytes: 1, capacityBytes: 1, cpus: 1, memoryMiB: 64 })).toContain('a&lt;b&amp;&quot;c');
  });

  it('metadata.json names the provider; the Vagrantfile sets a stable base MAC in VirtualBox’s range', () => {
    expect(JSON.parse(virtualboxBoxMetadata())).toEqual({ provider: 'virtualbox' });
    const mac = virtualboxBaseMac('devenv-box/debian-12-virtualbox-00');
    expect(mac).toMatch(/^080027[0-9A-F]{6}$/);
    expect(virtualboxBaseMac('devenv-box/debian-12-virtualbox-00')).toBe(mac);
    expect(virtualboxBoxVagrantfile(mac)).toContain(`config.vm.base_mac = "${mac}"`);
  });
});
