import { describe, expect, it } from 'vitest';
import { chooseDomainType, chooseNetworkMode } from '../../../src/backends/vagrant/libvirt-host.js';
import { UsageError } from '../../../src/core/errors.js';

const probe = { forced: undefined, devKvm: true, kvmModules: ['kvm', 'kvm_intel'], hardwareVirtualization: true };

describe('chooseDomainType', () => {
  it('KVM where /dev/kvm comes from kvm_intel or kvm_amd on a CPU with vmx/svm', () => {
    expect(chooseDomainType(probe)).toMatchObject({ value: 'kvm', why: expect.stringContaining('kvm_intel') });
    expect(chooseDomainType({ ...probe, kvmModules: ['kvm', 'kvm_amd'] }).value).toBe('kvm');
  });

  it('software emulation where /dev/kvm is a software nested-virtualization module (kvm_pvm), as measured on this kind of host', () => {
    const choice = chooseDomainType({ ...probe, kvmModules: ['kvm', 'kvm_pvm'], hardwareVirtualization: false });
    expect(choice.value).toBe('qemu');
    expect(choice.why).toMatch(/kvm_pvm.*hang/);
  });

  it('software emulation without /dev/kvm, or with the modules but no vmx/svm', () => {
    expect(chooseDomainType({ ...probe, devKvm: false }).value).toBe('qemu');
    expect(chooseDomainType({ ...probe, hardwareVirtualization: false }).value).toBe('qemu');
    expect(chooseDomainType({ ...probe, kvmModules: ['kvm'] }).why).toMatch(/without kvm_intel or kvm_amd/);
  });

  it('DEVENV_LIBVIRT_DOMAIN_TYPE forces one; anything else is a usage error', () => {
    expect(chooseDomainType({ ...probe, forced: 'qemu' })).toMatchObject({ value: 'qemu', why: 'DEVENV_LIBVIRT_DOMAIN_TYPE=qemu' });
    expect(chooseDomainType({ ...probe, devKvm: false, forced: 'kvm' }).value).toBe('kvm');
    expect(() => chooseDomainType({ ...probe, forced: 'xen' })).toThrow(UsageError);
  });
});

describe('chooseNetworkMode', () => {
  it("libvirt's usual networking where its default network is active (a laptop with libvirt-daemon-system)", () => {
    expect(chooseNetworkMode({ forced: undefined, activeNetworks: ['default'] }).value).toBe('libvirt');
  });

  it('user-mode networking otherwise: nothing is started or changed on the host', () => {
    expect(chooseNetworkMode({ forced: undefined, activeNetworks: [] })).toMatchObject({ value: 'user', why: expect.stringContaining('127.0.0.1') });
    expect(chooseNetworkMode({ forced: undefined, activeNetworks: ['isolated-lab'] }).value).toBe('user');
  });

  it('DEVENV_LIBVIRT_NETWORK forces one; anything else is a usage error', () => {
    expect(chooseNetworkMode({ forced: 'user', activeNetworks: ['default'] }).value).toBe('user');
    expect(chooseNetworkMode({ forced: 'libvirt', activeNetworks: [] }).value).toBe('libvirt');
    expect(() => chooseNetworkMode({ forced: 'bridge', activeNetworks: [] })).toThrow(/not a network mode/);
  });
});
