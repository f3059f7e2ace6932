import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageFile } from '../../core/package-files.js';
import nunjucks from 'nunjucks';
import type { LoadedProfile } from '../../profile/load.js';
import { rubyLiteral, rubyString } from './ruby-literal.js';

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
}

export function vagrantfileInputs(
  profile: LoadedProfile,
  docker?: { image: string; containerName: string; labels: Record<string, string>; systemdRunArgs: string[] },
): VagrantfileInputs {
  const provider = profile.data.vagrant?.provider ?? 'virtualbox';
  return {
    provider,
    hostname: profile.data.name,
    profileFile: profile.path,
    box: profile.data.vagrant?.box,
    image: docker?.image,
    containerName: docker?.containerName,
    labels: docker?.labels,
    systemdRunArgs: docker?.systemdRunArgs,
    ...(docker && Object.keys(profile.data.sysctls).length ? { sysctls: profile.data.sysctls } : {}),
    cpus: profile.data.resources.cpus,
    memory: profile.data.resources.memory,
    ports: profile.data.ports.map((p) => ({ ...p })),
    sync: profile.sync.map((s) => ({ hostPath: s.hostPath, guest: s.guest, readOnly: s.readOnly })),
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
    ...Object.entries(inputs.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...Object.entries(inputs.sysctls ?? {}).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
  ];
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
