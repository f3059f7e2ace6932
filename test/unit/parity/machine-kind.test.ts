import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/schema.js';
import { compareFacts } from '../../../src/parity/compare.js';
import { isMachinePackage, isVagrantAccessPackage } from '../../../src/parity/classify.js';
import { classifyUnowned } from '../../../src/parity/system-files.js';
import { VM_PACKAGES } from '../../../src/box/libvirt-box.js';
import { LIBVIRT_BOX_PACKAGES } from './libvirt-box-packages.js';
import { OPTIONS, containerFacts, hostFacts } from './fixtures.js';

/**
 * Issue 20: the same profile on a VM (vagrant-libvirt) and in a container. What a
 * machine has that a container cannot use (its kernel, boot, devices, guest agent)
 * and Vagrant's way in (sshd, sudo, rsync) are what the two are, not drift: info
 * beside a container or a Vagrant machine, and errors everywhere else.
 */

const deb = (version: string) => ({ version, arch: 'amd64', status: 'ii' });

/** The profile's VM: the container's packages plus what the libvirt box adds. */
function vmFacts(): Facts {
  const facts = hostFacts();
  facts.target = { kind: 'vagrant', name: 'vm1', container: false };
  facts.platform = { ...facts.platform!, virtualization: { kind: 'vm', tech: 'qemu' } };
  for (const name of [
    'linux-image-amd64',
    'linux-image-6.1.0-41-amd64',
    'initramfs-tools',
    'initramfs-tools-core',
    'klibc-utils',
    'libklibc',
    'kmod',
    'udev',
    'linux-base',
    'qemu-guest-agent',
    'openssh-server',
    'openssh-sftp-server',
    'sudo',
    'rsync',
  ]) {
    facts.packages!.deb[name] = deb('1');
  }
  facts.services = {
    ...facts.services!,
    ssh: { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure' },
    rsync: { enabled: 'disabled', active: 'inactive', user: 'root', restart: 'no' },
    'qemu-guest-agent': { enabled: 'static', active: 'active', user: 'root', restart: 'no' },
  };
  facts.listeners = {
    ...facts.listeners!,
    sockets: [...facts.listeners!.sockets, { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', user: 'root' }],
  };
  return facts;
}

/** The container twin: the same manifests on the docker backend. */
function twinFacts(): Facts {
  const facts = containerFacts();
  delete facts.packages!.deb['linux-image-amd64'];
  facts.listeners = { ...facts.listeners!, sockets: facts.listeners!.sockets.filter((s) => s.port !== 22) };
  return facts;
}

describe('parity between a VM and its container twin', () => {
  const result = compareFacts(vmFacts(), twinFacts(), OPTIONS);
  const at = (path: string) => result.drift.find((d) => d.path === path);

  it('has no error-level drift', () => {
    expect(result.drift.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it.each([
    ['packages.deb.linux-image-amd64'],
    ['packages.deb.linux-image-6.1.0-41-amd64'],
    ['packages.deb.initramfs-tools'],
    ['packages.deb.udev'],
    ['packages.deb.qemu-guest-agent'],
    ['packages.deb.openssh-server'],
    ['packages.deb.sudo'],
    ['packages.deb.rsync'],
    ['services.ssh'],
    ['services.rsync'],
    ['services.qemu-guest-agent'],
    ['listeners.tcp.0.0.0.0:22'],
  ])('says %s differs, as info', (path) => {
    expect(at(path)).toMatchObject({ severity: 'info' });
  });

  it('what the box writes and a machine has (found by a real VM/container run) is info too', () => {
    const vm = vmFacts();
    const twin = twinFacts();
    vm.services = {
      ...vm.services!,
      sudo: { enabled: 'masked', active: 'inactive', user: 'root', restart: 'no' },
      'systemd-network-generator': { enabled: 'enabled', active: 'active', user: 'root', restart: 'no' },
    };
    twin.services = { ...twin.services!, 'systemd-network-generator': { enabled: 'disabled', active: 'inactive', user: 'root', restart: 'no' } };
    vm.conffiles = {
      '/etc/initramfs-tools/update-initramfs.conf': {
        type: 'file',
        sha256: 'edited',
        mode: '0644',
        owner: 'root',
        group: 'root',
        package: 'initramfs-tools',
        via: 'dpkg',
      },
    };
    twin.conffiles = {};
    const file = (sha256: string) => ({ type: 'file' as const, sha256, mode: '0644', owner: 'root', group: 'root' });
    vm.unowned_files = {
      '/etc/modules': file('m'),
      '/etc/initramfs-tools/modules': file('i'),
      '/etc/initramfs-tools/conf.d/devenv-modules.conf': file('d'),
      '/etc/systemd/network/80-devenv-dhcp.network': file('n'),
    };
    twin.unowned_files = {};
    const drift = compareFacts(vm, twin, OPTIONS).drift;
    expect(drift.filter((d) => d.severity === 'error')).toEqual([]);
    for (const path of [
      'services.sudo',
      'services.systemd-network-generator.enabled',
      'files./etc/initramfs-tools/update-initramfs.conf',
      'files./etc/modules',
      'files./etc/systemd/network/80-devenv-dhcp.network',
    ]) {
      expect(
        drift.find((d) => d.path === path),
        path,
      ).toMatchObject({ severity: 'info' });
    }
    expect(classifyUnowned('/etc/systemd/network/80-devenv-dhcp.network')).toBe('box');
    expect(classifyUnowned('/etc/initramfs-tools/conf.d/devenv-modules.conf')).toBe('box');
    expect(classifyUnowned('/etc/modules')).toBe('machine');
    // An edited conffile of an application package the other side lacks stays an error.
    vm.conffiles = {
      '/etc/redis/redis.conf': { type: 'file', sha256: 'edited', mode: '0640', owner: 'redis', group: 'redis', package: 'redis-server', via: 'dpkg' },
    };
    expect(compareFacts(vm, twin, OPTIONS).drift.find((d) => d.path === 'files./etc/redis/redis.conf')).toMatchObject({ severity: 'error' });
  });

  it('reads the same both ways round (the container as reference)', () => {
    expect(compareFacts(twinFacts(), vmFacts(), OPTIONS).drift.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('the same packages where they are drift', () => {
  it('between two machines of one kind, a kernel or guest agent only one has is an error', () => {
    const other = vmFacts();
    other.target = { kind: 'ssh', name: 'web2', container: false };
    delete other.packages!.deb['qemu-guest-agent'];
    delete other.packages!.deb['linux-image-6.1.0-41-amd64'];
    const drift = compareFacts(vmFacts(), other, OPTIONS).drift;
    expect(drift.find((d) => d.path === 'packages.deb.qemu-guest-agent')).toMatchObject({ severity: 'error' });
    expect(drift.find((d) => d.path === 'packages.deb.linux-image-6.1.0-41-amd64')).toMatchObject({ severity: 'error' });
  });

  it('without a Vagrant machine on either side, sshd or sudo only production has is an error (a container twin of production is not excused)', () => {
    const production = hostFacts();
    production.packages!.deb['openssh-server'] = deb('1:9.2p1-2+deb12u3');
    production.packages!.deb['sudo'] = deb('1.9.13p3-1+deb12u1');
    const drift = compareFacts(production, containerFacts(), OPTIONS).drift;
    expect(drift.find((d) => d.path === 'packages.deb.openssh-server')).toMatchObject({ severity: 'error' });
    expect(drift.find((d) => d.path === 'packages.deb.sudo')).toMatchObject({ severity: 'error' });
  });

  it('a version change of a machine package both sides have stays an error', () => {
    const other = vmFacts();
    other.packages!.deb['linux-image-amd64'] = deb('2');
    expect(compareFacts(vmFacts(), other, OPTIONS).drift.find((d) => d.path === 'packages.deb.linux-image-amd64')).toMatchObject({ severity: 'error' });
  });
});

describe('the libvirt box’s own packages', () => {
  /** The VM as the box makes it: VM_PACKAGES marked manual by apt, what they pulled in marked auto. */
  function boxVm(): Facts {
    const facts = vmFacts();
    for (const name of LIBVIRT_BOX_PACKAGES) facts.packages!.deb[name] = { ...deb('1'), manual: (VM_PACKAGES as readonly string[]).includes(name) };
    return facts;
  }

  it('are all info beside the container twin: machine packages, Vagrant’s way in, and what apt pulled in for them (recorded from a real build)', () => {
    const drift = compareFacts(boxVm(), twinFacts(), OPTIONS).drift;
    expect(drift.filter((d) => d.severity === 'error')).toEqual([]);
    for (const name of LIBVIRT_BOX_PACKAGES)
      expect(
        drift.find((d) => d.path === `packages.deb.${name}`),
        name,
      ).toMatchObject({ severity: 'info' });
    expect(drift.find((d) => d.path === 'packages.deb.libwrap0')?.message).toMatch(/a dependency of what only the reference has: /);
  });

  it('every package the recipe names is a machine package or Vagrant’s way in', () => {
    expect(VM_PACKAGES.filter((name) => !isMachinePackage(name) && !isVagrantAccessPackage(name))).toEqual([]);
  });

  it('a dependency beside an application package the other side lacks stays an error', () => {
    const vm = boxVm();
    vm.packages!.deb['redis-server'] = { ...deb('5:7.0.15-1'), manual: true };
    const drift = compareFacts(vm, twinFacts(), OPTIONS).drift;
    expect(drift.find((d) => d.path === 'packages.deb.redis-server')).toMatchObject({ severity: 'error' });
    expect(drift.find((d) => d.path === 'packages.deb.libwrap0')).toMatchObject({ severity: 'error' });
    expect(drift.find((d) => d.path === 'packages.deb.linux-image-amd64')).toMatchObject({ severity: 'info' });
  });

  it('an application package is neither a machine package nor Vagrant’s way in', () => {
    for (const name of ['nginx', 'python3', 'busybox', 'libglib2.0-0', 'openssh-client', 'linux-libc-dev', 'libwrap0']) {
      expect(isMachinePackage(name) || isVagrantAccessPackage(name), name).toBe(false);
    }
  });
});
