import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { UsageError } from '../../core/errors.js';

/**
 * What this host offers a libvirt VM: the domain type (KVM or software
 * emulation) and the network the machine gets. Pure deciders over probed facts,
 * and the thin probes that read them.
 */

/** libvirt's domain types: `kvm` (hardware virtualization) or `qemu` (TCG, software emulation). */
export type LibvirtDomainType = 'kvm' | 'qemu';

/**
 * `user`: qemu's user-mode (slirp) network, SSH and ports forwarded to 127.0.0.1 only;
 * nothing on the host changes (no bridge, no NAT rules). `libvirt`: vagrant-libvirt's
 * usual management network (a libvirt NAT network with dnsmasq), as on a laptop.
 */
export type LibvirtNetworkMode = 'user' | 'libvirt';

/** The libvirt URI devenv's machines live in. */
export const LIBVIRT_URI = process.env.DEVENV_LIBVIRT_URI ?? 'qemu:///system';

export interface KvmProbe {
  /** DEVENV_LIBVIRT_DOMAIN_TYPE */
  forced: string | undefined;
  /** /dev/kvm exists. */
  devKvm: boolean;
  /** Loaded kernel modules whose name starts with kvm (kvm, kvm_intel, kvm_amd, kvm_pvm…). */
  kvmModules: readonly string[];
  /** The CPU flags include vmx or svm. */
  hardwareVirtualization: boolean;
}

export interface Choice<T> {
  value: T;
  why: string;
}

/**
 * KVM only where it is the hardware kind: /dev/kvm backed by kvm_intel or kvm_amd
 * on a CPU with vmx/svm. A /dev/kvm from a software nested-virtualization module
 * (kvm_pvm) hangs stock kernels, so it means software emulation, like no /dev/kvm.
 */
export function chooseDomainType(probe: KvmProbe): Choice<LibvirtDomainType> {
  const forced = probe.forced?.trim();
  if (forced === 'kvm' || forced === 'qemu') return { value: forced, why: `DEVENV_LIBVIRT_DOMAIN_TYPE=${forced}` };
  if (forced) throw new UsageError(`DEVENV_LIBVIRT_DOMAIN_TYPE=${forced} is not a libvirt domain type (kvm or qemu)`);
  if (!probe.devKvm) return { value: 'qemu', why: 'no /dev/kvm: software emulation (TCG), slow but works everywhere' };
  const hardware = probe.kvmModules.filter((m) => m === 'kvm_intel' || m === 'kvm_amd');
  if (hardware.length > 0 && probe.hardwareVirtualization) return { value: 'kvm', why: `/dev/kvm from ${hardware.join(', ')}: hardware virtualization` };
  const others = probe.kvmModules.filter((m) => m !== 'kvm');
  const what = others.length > 0 ? `from ${others.join(', ')}` : 'without kvm_intel or kvm_amd';
  return { value: 'qemu', why: `/dev/kvm ${what} is not hardware virtualization (stock kernels hang under it): software emulation (TCG)` };
}

export interface NetworkProbe {
  /** DEVENV_LIBVIRT_NETWORK */
  forced: string | undefined;
  /** Names of libvirt's active networks (`virsh net-list --name`). */
  activeNetworks: readonly string[];
}

/**
 * libvirt's usual networking where the host runs libvirt's own `default` network
 * (a laptop with libvirt-daemon-system); otherwise user-mode networking, which
 * changes nothing on the host and never starts a network.
 */
export function chooseNetworkMode(probe: NetworkProbe): Choice<LibvirtNetworkMode> {
  const forced = probe.forced?.trim();
  if (forced === 'user' || forced === 'libvirt') return { value: forced, why: `DEVENV_LIBVIRT_NETWORK=${forced}` };
  if (forced) throw new UsageError(`DEVENV_LIBVIRT_NETWORK=${forced} is not a network mode (user or libvirt)`);
  if (probe.activeNetworks.includes('default')) {
    return { value: 'libvirt', why: "libvirt's default network is active: vagrant-libvirt's management network (NAT), ports forwarded to 127.0.0.1" };
  }
  return { value: 'user', why: 'no libvirt network is active: user-mode networking, SSH and ports forwarded to 127.0.0.1 only (no bridge, no NAT rules)' };
}

/** Reads what chooseDomainType needs from /dev, /proc and /sys. */
export function probeKvm(): KvmProbe {
  let modules: string[] = [];
  try {
    modules = readdirSync('/sys/module').filter((name) => name === 'kvm' || name.startsWith('kvm_'));
  } catch {
    // No /sys: nothing known.
  }
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    // Not Linux.
  }
  return {
    forced: process.env.DEVENV_LIBVIRT_DOMAIN_TYPE,
    devKvm: existsSync('/dev/kvm'),
    kvmModules: modules,
    hardwareVirtualization: /\b(vmx|svm)\b/.test(flags),
  };
}

async function virsh(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const result = await execa('virsh', ['-c', LIBVIRT_URI, ...args], { reject: false, timeout: 20_000, stdin: 'ignore' }).catch((error: unknown) => ({
    exitCode: undefined,
    stdout: '',
    stderr: String((error as Error).message),
  }));
  return { ok: result.exitCode === 0, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export async function probeNetworkMode(): Promise<Choice<LibvirtNetworkMode>> {
  const forced = process.env.DEVENV_LIBVIRT_NETWORK;
  if (forced) return chooseNetworkMode({ forced, activeNetworks: [] });
  const listed = await virsh(['net-list', '--name']);
  return chooseNetworkMode({
    forced,
    activeNetworks: listed.ok
      ? listed.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : [],
  });
}

/** libvirtd answers on LIBVIRT_URI: its version line, or why not. */
export async function libvirtdStatus(): Promise<{ ok: boolean; detail: string }> {
  const result = await virsh(['version']);
  if (result.ok) {
    const line = /Running hypervisor:\s*(.+)/.exec(result.stdout)?.[1] ?? /Using library:\s*(.+)/.exec(result.stdout)?.[1] ?? 'answers';
    return { ok: true, detail: `libvirtd at ${LIBVIRT_URI}: ${line.trim()}` };
  }
  const reason = (result.stderr.trim().split('\n').pop() ?? 'no answer').replace(/^error:\s*/, '');
  return {
    ok: false,
    detail: /ENOENT|not found/i.test(reason) && !/socket/i.test(reason) ? 'virsh is not installed' : `libvirtd does not answer at ${LIBVIRT_URI}: ${reason}`,
  };
}

/** The state of one libvirt domain by its UUID (Vagrant's machine id), without starting Vagrant. */
export async function domainState(uuid: string): Promise<string | undefined> {
  const result = await virsh(['domstate', uuid]);
  if (!result.ok) return /failed to get domain|Domain not found/i.test(result.stderr) ? 'not_created' : undefined;
  return result.stdout.trim().replace(/\s+/g, '_');
}

/** Deletes a volume of libvirt's default pool (a box image vagrant-libvirt uploaded); absent is fine. */
export async function deletePoolVolume(name: string): Promise<void> {
  await virsh(['vol-delete', '--pool', 'default', name]);
}

export async function poolVolumes(): Promise<string[]> {
  const result = await virsh(['vol-list', '--pool', 'default']);
  if (!result.ok) return [];
  return result.stdout
    .split('\n')
    .slice(2)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}
