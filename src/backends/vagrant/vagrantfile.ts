import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageFile } from '../../core/package-files.js';
import nunjucks from 'nunjucks';
import type { BackendProfile } from '../backend.js';
import { rubyLiteral, rubyString } from './ruby-literal.js';
import { hashOf } from '../../core/hash.js';
import type { LibvirtDomainType, LibvirtNetworkMode } from './libvirt-host.js';

export type VagrantProvider = 'virtualbox' | 'libvirt' | 'docker';

/** What a Vagrantfile is made from; everything here is plain data (the pure part). */
export interface VagrantfileInputs {
  provider: VagrantProvider;
  hostname: string;
  /** The profile file, named in the header comment. */
  profileFile: string;
  /** VM providers: the Vagrant box (debian/bookworm64). */
  box?: string;
  /** Docker provider: devenv's box image with sshd and the vagrant user. */
  image?: string;
  /** Docker provider: the container's name. */
  containerName?: string;
  /** Docker provider: labels so devenv (and test cleanup) recognise the container. */
  labels?: Record<string, string>;
  /** Docker provider: the `docker run` flags that boot systemd on this engine (systemdContainerSpec). */
  systemdRunArgs?: string[];
  /** Docker provider: the profile's namespaced kernel settings (a container cannot write /proc/sys). */
  sysctls?: Record<string, string>;
  cpus?: number;
  /** Bytes. */
  memory?: number;
  ports: { hostIp: string; hostPort: number; guestPort: number; protocol: 'tcp' | 'udp' }[];
  sync: { hostPath: string; guest: string; readOnly: boolean }[];
  /** libvirt provider: how the machine is run and reached (probed on the host, see libvirt-host.ts). */
  libvirt?: LibvirtInputs;
}

export interface LibvirtInputs {
  uri: string;
  domainType: LibvirtDomainType;
  network: LibvirtNetworkMode;
  /** User-mode network: the 127.0.0.1 port forwarded to the guest's sshd. */
  sshPort?: number;
  /** Two NICs' MAC addresses, stable per environment (see userNetworkQemuArgs). */
  macs?: [string, string];
}

/** A stable, locally administered MAC (QEMU's 52:54:00 prefix) from a seed. */
export function macFor(seed: string): string {
  const hex = hashOf(seed, 6);
  return `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/**
 * The user-mode NIC that carries SSH and the profile's ports: qemu's own slirp
 * network with host forwards, which libvirt's XML cannot express, so it is given
 * as qemu arguments. Its own subnet keeps replies on it (the guest's first NIC,
 * libvirt's user-mode one, is 10.0.2.0/24); a fixed PCI slot keeps it clear of
 * libvirt's devices. Only the addresses the profile names are bound (127.0.0.1 by default).
 */
export function userNetworkQemuArgs(sshPort: number, ports: VagrantfileInputs['ports'], mac: string): string[] {
  const forwards = [`hostfwd=tcp:127.0.0.1:${sshPort}-:22`, ...ports.map((p) => `hostfwd=${p.protocol}:${p.hostIp}:${p.hostPort}-:${p.guestPort}`)];
  return [
    '-netdev',
    ['user', 'id=devenvfwd', 'net=10.0.3.0/24', ...forwards].join(','),
    '-device',
    `virtio-net-pci,netdev=devenvfwd,mac=${mac},bus=pci.0,addr=0x10`,
  ];
}

export function vagrantfileInputs(
  profile: BackendProfile,
  docker?: { image: string; containerName: string; labels: Record<string, string>; systemdRunArgs: string[] },
  libvirt?: LibvirtInputs & { box: string },
): VagrantfileInputs {
  const provider = profile.data.vagrant?.provider ?? 'virtualbox';
  return {
    provider,
    hostname: profile.data.name,
    profileFile: profile.path,
    box: profile.data.vagrant?.box ?? libvirt?.box,
    image: docker?.image,
    containerName: docker?.containerName,
    labels: docker?.labels,
    systemdRunArgs: docker?.systemdRunArgs,
    ...(docker && Object.keys(profile.data.sysctls).length ? { sysctls: profile.data.sysctls } : {}),
    cpus: profile.data.resources.cpus,
    memory: profile.data.resources.memory,
    ports: profile.data.ports.map((p) => ({ ...p })),
    sync: profile.sync.map((s) => ({ hostPath: s.hostPath, guest: s.guest, readOnly: s.readOnly })),
    ...(libvirt
      ? { libvirt: { uri: libvirt.uri, domainType: libvirt.domainType, network: libvirt.network, sshPort: libvirt.sshPort, macs: libvirt.macs } }
      : {}),
  };
}

/**
 * The template only places values: every value is turned into a Ruby literal
 * here (rubyString/rubyLiteral), so nothing from a profile is ever Ruby code.
 */
export function vagrantfileView(inputs: VagrantfileInputs): Record<string, unknown> {
  const memoryMiB = inputs.memory === undefined ? undefined : Math.max(64, Math.round(inputs.memory / 1024 ** 2));
  const createArgs: string[] = [
    ...(inputs.systemdRunArgs ?? []),
    ...(inputs.cpus !== undefined ? ['--cpus', String(inputs.cpus)] : []),
    ...(inputs.memory !== undefined ? ['--memory', `${inputs.memory}b`] : []),
    ...Object.entries(inputs.labels ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...Object.entries(inputs.sysctls ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
  ];
  const lv = inputs.libvirt;
  const userNetwork = inputs.provider === 'libvirt' && lv?.network === 'user';
  if (userNetwork && (lv?.sshPort === undefined || !lv.macs)) throw new Error('a user-mode libvirt network needs an SSH port and two MAC addresses');
  return {
    // A comment line: newlines in a path must not end it.
    profileComment: inputs.profileFile.replace(/[^\x20-\x7e]/g, '?'),
    provider: inputs.provider,
    providerName: rubyString(inputs.provider),
    hostname: rubyString(inputs.hostname),
    box: inputs.box === undefined ? undefined : rubyString(inputs.box),
    image: inputs.image === undefined ? undefined : rubyString(inputs.image),
    containerName: inputs.containerName === undefined ? undefined : rubyString(inputs.containerName),
    createArgs: rubyLiteral(createArgs),
    cpus: inputs.cpus === undefined ? undefined : rubyLiteral(Math.max(1, Math.ceil(inputs.cpus))),
    memoryMiB: memoryMiB === undefined ? undefined : rubyLiteral(memoryMiB),
    ports: inputs.ports.map((p) => ({
      guest: rubyLiteral(p.guestPort),
      host: rubyLiteral(p.hostPort),
      hostIp: rubyString(p.hostIp),
      protocol: rubyString(p.protocol),
      id: rubyString(`devenv-${p.protocol}-${p.hostPort}`),
    })),
    sync: inputs.sync.map((s) => ({
      host: rubyString(s.hostPath),
      guest: rubyString(s.guest),
      readOnly: s.readOnly,
    })),
    // The guest's own ports are forwarded by qemu itself in a user-mode network; vagrant-libvirt's forwards (ssh -L) otherwise.
    vagrantForwards: !userNetwork,
    libvirt: lv
      ? {
          uri: rubyString(lv.uri),
          domainType: rubyString(lv.domainType),
          emulated: lv.domainType === 'qemu',
          userNetwork,
          sshPort: userNetwork ? rubyLiteral(lv.sshPort!) : undefined,
          userMac: userNetwork ? rubyString(lv.macs![0]) : undefined,
          qemuArgs: userNetwork ? userNetworkQemuArgs(lv.sshPort!, inputs.ports, lv.macs![1]).map(rubyString) : [],
        }
      : undefined,
  };
}

/** The project's own template, shipped at the package root. */
export function bundledTemplatePath(): string {
  return packageFile('Vagrantfile.template');
}

export function renderVagrantfile(template: string, inputs: VagrantfileInputs): string {
  // autoescape is for HTML; Ruby safety comes from the literals in the view.
  const env = new nunjucks.Environment(undefined, { autoescape: false, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });
  return env.renderString(template, vagrantfileView(inputs));
}

/** Writes the Vagrantfile only when its content changes; true when it was (re)written. */
export async function writeVagrantfile(path: string, content: string): Promise<boolean> {
  if (existsSync(path) && (await readFile(path, 'utf8')) === content) return false;
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.Vagrantfile.${process.pid}.tmp`);
  await writeFile(tmp, content);
  await rename(tmp, path);
  return true;
}
