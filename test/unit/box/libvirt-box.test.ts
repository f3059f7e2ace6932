import { describe, expect, it } from 'vitest';
import {
  KERNEL_CMDLINE,
  libvirtBoxHash,
  libvirtBoxMetadata,
  libvirtBoxName,
  libvirtBoxVagrantfile,
  parseLibvirtBoxName,
  parseVagrantBoxList,
  poolVolumePrefix,
  VM_PACKAGES,
  VM_RECIPE,
} from '../../../src/box/libvirt-box.js';
import type { BoxDefinition } from '../../../src/box/definition.js';

const box = { name: 'debian-12', hash: '0123456789abcdef' } as BoxDefinition;
const key = 'ssh-rsa AAAA vagrant insecure public key';

describe('libvirt box naming', () => {
  it('name carries the box and a hash of its definition, recipe and key; parsed back', () => {
    const name = libvirtBoxName(box, key);
    expect(name).toMatch(/^devenv-box\/debian-12-libvirt-[0-9a-f]{16}$/);
    expect(parseLibvirtBoxName(name)).toEqual({ box: 'debian-12', hash: libvirtBoxHash(box, key) });
    expect(libvirtBoxHash({ ...box, hash: 'fedcba9876543210' } as BoxDefinition, key)).not.toBe(libvirtBoxHash(box, key));
    expect(libvirtBoxHash(box, 'another key')).not.toBe(libvirtBoxHash(box, key));
    expect(parseLibvirtBoxName('debian/bookworm64')).toBeUndefined();
    expect(parseLibvirtBoxName('devenv-box/debian-12-vagrant')).toBeUndefined();
  });

  it('the pool volume vagrant-libvirt uploads the box to', () => {
    expect(poolVolumePrefix('devenv-box/debian-12-libvirt-0123456789abcdef')).toBe(
      'devenv-box-VAGRANTSLASH-debian-12-libvirt-0123456789abcdef_vagrant_box_image_',
    );
  });
});

describe('libvirt box files', () => {
  it('metadata.json: vagrant-libvirt format, one qcow2 image', () => {
    expect(JSON.parse(libvirtBoxMetadata(16))).toEqual({ provider: 'libvirt', format: 'qcow2', virtual_size: 16 });
  });

  it("the box's Vagrantfile boots the box's own kernel and initrd, found beside it", () => {
    const text = libvirtBoxVagrantfile();
    expect(text).toContain('lv.kernel = File.join(here, "vmlinuz")');
    expect(text).toContain('lv.initrd = File.join(here, "initrd.img")');
    expect(text).toContain(`lv.cmd_line = "${KERNEL_CMDLINE}"`);
    expect(KERNEL_CMDLINE).toMatch(/root=\/dev\/vda/);
  });

  it('the recipe takes the key as an argument (never pasted into the script) and makes what Vagrant expects', () => {
    expect(VM_RECIPE).not.toContain(key);
    expect(VM_RECIPE).toContain('"$1" > /home/vagrant/.ssh/authorized_keys');
    expect(VM_RECIPE).toContain('vagrant ALL=(ALL) NOPASSWD: ALL');
    expect(VM_RECIPE).toMatch(/rm -f \/etc\/ssh\/ssh_host_\*/);
    // The initrd is configured before the kernel is installed: made once, small.
    expect(VM_RECIPE.indexOf('MODULES=list')).toBeLessThan(VM_RECIPE.indexOf('apt-get install'));
    // The guest never rebuilds its initrd copy: the VM boots the box's own.
    expect(VM_RECIPE).toContain('update_initramfs=no');
    for (const pkg of ['linux-image-amd64', 'openssh-server', 'sudo', 'qemu-guest-agent', 'rsync']) expect(VM_PACKAGES).toContain(pkg);
  });
});

describe('parseVagrantBoxList', () => {
  it('the libvirt boxes of `vagrant box list --machine-readable`', () => {
    const text = [
      '1700000000,,box-name,devenv-box/debian-12-libvirt-0123456789abcdef',
      '1700000000,,box-provider,libvirt',
      '1700000000,,box-version,0',
      '1700000000,,box-name,debian/bookworm64',
      '1700000000,,box-provider,virtualbox',
      '1700000000,,box-version,12.20240503.1',
    ].join('\n');
    expect(parseVagrantBoxList(text)).toEqual(['devenv-box/debian-12-libvirt-0123456789abcdef']);
    expect(parseVagrantBoxList('')).toEqual([]);
  });
});
