// One file over 300 lines on purpose: the Backend interface of one engine (up, halt, destroy, sync,
// target, attach) over one container, found again by its labels.
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { OperationError, InterruptedError } from '../../core/errors.js';
import { hashOf } from '../../core/hash.js';
import type { Progress } from '../../core/progress.js';
import { findBoxImage, shortImageName } from '../../box/image.js';
import { SHARED_APT_ARCHIVE } from '../../lock/shared-apt-archive.js';
import { checkHostPortsFree } from '../host-ports.js';
import { waitForSystemdBoot } from '../systemd-boot.js';
import { DockerTarget } from '../../targets/docker-target.js';
import type { AttachOptions, Backend, BackendProfile, EnvironmentStatus, EnvironmentState, UpOptions, UpResult } from '../backend.js';
import { pack as packTar } from 'tar-stream';
import { DockerImageCache } from './docker-image-cache.js';
import { connectDocker, containerState, engineFactsOf, LABEL, systemdSpecFor } from './engine.js';
import { demuxDockerFrames, lastLines } from '../../core/last-lines.js';
import { copySyncedFolders, isRemoteEngine, type CopiedFolder } from './sync-copy.js';
import { withSystemdHostConfig, type SystemdContainerSpec } from './systemd-container-spec.js';

const BOOT_TIMEOUT_MS = 90_000;
/** The named volume behind the machine-wide apt archive (kept by destroy: it belongs to no one environment). */
export const APT_ARCHIVE_VOLUME = 'devenv-apt-archives';

/** One environment = one container booting systemd as PID 1, found again by its labels. */
export class DockerBackend implements Backend {
  readonly containerName: string;

  constructor(
    private readonly profile: BackendProfile,
    private readonly progress: Progress,
    private readonly dockerFactory: () => Promise<Dockerode> = connectDocker,
  ) {
    // The profile path is part of the name: two checkouts of one project get two environments.
    // A machine's data.name is `<project>-<machine>`, so its container is named after both.
    this.containerName = `devenv-${profile.data.name}-${hashOf(profile.path, 8)}`;
  }

  /** The private network of a `machines:` profile: one per profile, shared by its machines. */
  get networkName(): string | undefined {
    const machine = this.profile.machine;
    return machine ? `devenv-${machine.project}-${hashOf(this.profile.path, 8)}` : undefined;
  }

  async status(): Promise<EnvironmentStatus> {
    const docker = await this.dockerFactory();
    const found = await this.find(docker);
    if (!found) return this.describeAbsent();
    return this.describe(await docker.getContainer(found.Id).inspect());
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    const docker = await this.dockerFactory();
    const found = await this.find(docker);
    let action: UpResult['action'] = 'created';
    if (found) {
      const upToDate = found.Labels[LABEL.inputs] === this.profile.environmentHash;
      if (upToDate && !options.rebuild) {
        const container = docker.getContainer(found.Id);
        if (found.State === 'running') {
          return { action: 'running', status: this.describe(await container.inspect()) };
        }
        await this.progress.step(`start ${this.containerName}`, async () => {
          await container.start();
          await this.waitForBoot(docker, found.Id, options.signal);
        });
        return { action: 'started', status: this.describe(await container.inspect()) };
      }
      await this.progress.step(`remove ${this.containerName} (${options.rebuild ? '--rebuild' : 'profile changed'})`, async () => {
        await docker.getContainer(found.Id).remove({ force: true, v: true });
      });
      action = 'recreated';
    }

    // An engine where systemd cannot boot, or a forwarded port in use, is said before a box is built or anything created.
    const spec = await systemdSpecFor(docker);
    await checkHostPortsFree(this.profile);
    const image = options.image ?? (await this.ensureBoxImage(docker, options.signal));
    if (options.signal?.aborted) throw new InterruptedError();
    const network = await this.ensureNetwork(docker);
    const id = await this.progress.step(`create ${this.containerName} from ${image}`, () => this.create(docker, image, spec, network));
    const container = docker.getContainer(id);
    // Every environment gets its own machine-id before first boot. Left empty, systemd in a
    // container derives it from the host's DMI UUID (every container alike); a saved image carries its own.
    await container.putArchive(machineIdTar(randomBytes(16).toString('hex')) as unknown as NodeJS.ReadableStream, { path: '/etc' });
    try {
      await this.progress.step('boot systemd', async (update) => {
        await container.start();
        await this.waitForBoot(docker, id, options.signal, update);
      });
    } catch (error) {
      // A container that never booted is nothing to come back to: the next up starts clean.
      if (!(error instanceof InterruptedError)) await container.remove({ force: true, v: true }).catch(() => undefined);
      throw error;
    }
    if (isRemoteEngine() && this.profile.sync.length > 0) await this.copySync(docker, id);
    return { action, status: this.describe(await container.inspect()) };
  }

  /** `devenv sync`: copies the synced folders in again (only where they cannot be bind mounts). */
  async sync(): Promise<CopiedFolder[] | 'mounted'> {
    if (!isRemoteEngine()) return 'mounted';
    const docker = await this.dockerFactory();
    return this.copySync(docker, await this.runningContainerId(docker));
  }

  private copySync(docker: Dockerode, id: string): Promise<CopiedFolder[]> {
    return this.progress.step(`copy ${this.profile.sync.length} synced folder(s) to the remote engine`, () => copySyncedFolders(docker, id, this.profile.sync));
  }

  async halt(): Promise<EnvironmentStatus> {
    const docker = await this.dockerFactory();
    const found = await this.find(docker);
    if (!found) return this.describeAbsent();
    const container = docker.getContainer(found.Id);
    if (found.State === 'running') {
      await this.progress.step(`halt ${this.containerName}`, () => container.stop({ t: 20 }));
    }
    return this.describe(await container.inspect());
  }

  async destroy(): Promise<void> {
    const docker = await this.dockerFactory();
    const found = await this.find(docker);
    // Synced folders are bind mounts: removing the container never touches the host folder.
    if (found) await this.progress.step(`destroy ${this.containerName}`, () => docker.getContainer(found.Id).remove({ force: true, v: true }));
    await this.removeNetworkIfUnused(docker);
  }

  /**
   * The machines' network, created by the first machine that boots (labelled, so
   * it is found again); machines booting side by side may race to create it, and
   * the engine's name check makes the loser find the winner's.
   */
  private async ensureNetwork(docker: Dockerode): Promise<string | undefined> {
    const name = this.networkName;
    if (!name) return undefined;
    const existing = await this.findNetwork(docker);
    if (existing) return existing;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABEL.managed]: 'true', [LABEL.network]: 'true', [LABEL.project]: this.profile.machine!.project, [LABEL.profile]: this.profile.path },
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409)
        throw new OperationError(`could not create the network ${name}: ${(error as Error).message}`, { cause: error });
    }
    return name;
  }

  private async findNetwork(docker: Dockerode): Promise<string | undefined> {
    const networks = await docker.listNetworks({ filters: { label: [`${LABEL.network}=true`, `${LABEL.profile}=${this.profile.path}`] } });
    return networks.find((network) => network.Name === this.networkName)?.Name;
  }

  /** The network goes with the last of the profile's machines. */
  private async removeNetworkIfUnused(docker: Dockerode): Promise<void> {
    if (!this.networkName) return;
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL.profile}=${this.profile.path}`, LABEL.machine] } });
    if (left.length > 0) return;
    const network = await this.findNetwork(docker);
    if (network) await this.progress.step(`remove the network ${network}`, () => docker.getNetwork(network).remove());
  }

  async target(): Promise<DockerTarget> {
    const docker = await this.dockerFactory();
    return new DockerTarget(docker, await this.runningContainerId(docker), this.containerName);
  }

  private async runningContainerId(docker: Dockerode): Promise<string> {
    const found = await this.find(docker);
    if (!found || found.State !== 'running') {
      const machine = this.profile.machine;
      throw new OperationError(machine ? `the machine ${machine.name} is not running` : `the environment ${this.profile.data.name} is not running`, {
        hint: `run \`devenv up${machine ? ` ${machine.name}` : ''}\` first`,
      });
    }
    return found.Id;
  }

  async imageCache(): Promise<DockerImageCache> {
    const docker = await this.dockerFactory();
    return new DockerImageCache(docker, this.profile, () => this.runningContainerId(docker));
  }

  async attach(argv: readonly string[], options: AttachOptions): Promise<number> {
    const docker = await this.dockerFactory();
    const container = docker.getContainer(await this.runningContainerId(docker));
    const exec = await container.exec({
      Cmd: [...argv],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
      User: options.user ?? 'root',
      WorkingDir: options.cwd,
      Env: options.tty ? [`TERM=${process.env.TERM ?? 'xterm-256color'}`] : undefined,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: options.tty });
    const stdin = process.stdin;
    const restore: (() => void)[] = [];
    if (options.tty) {
      stream.pipe(process.stdout);
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        restore.push(() => stdin.setRawMode(false));
      }
      const resize = (): void => {
        void exec.resize({ h: process.stdout.rows ?? 24, w: process.stdout.columns ?? 80 }).catch(() => undefined);
      };
      process.stdout.on('resize', resize);
      restore.push(() => process.stdout.off('resize', resize));
      setTimeout(resize, 50);
    } else {
      docker.modem.demuxStream(stream, process.stdout, process.stderr);
    }
    stdin.pipe(stream as unknown as NodeJS.WritableStream);
    stdin.resume();
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    stdin.unpipe(stream as unknown as NodeJS.WritableStream);
    stdin.pause();
    for (const undo of restore) undo();
    const info = await exec.inspect();
    return info.ExitCode ?? 1;
  }

  private async find(docker: Dockerode): Promise<Dockerode.ContainerInfo | undefined> {
    const machine = this.profile.machine ? [`${LABEL.machine}=${this.profile.machine.name}`] : [];
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.profile}=${this.profile.path}`, ...machine] } });
    return containers[0];
  }

  private async ensureBoxImage(docker: Dockerode, signal?: AbortSignal): Promise<string> {
    const existing = await findBoxImage(docker, this.profile.box);
    if (existing) return existing;
    this.progress.info(`box ${this.profile.box.name} is not built yet: building it from vanilla (once; cached by its definition)`);
    // The builder (debootstrap, tar) is loaded only when a box is really built.
    const { buildBox } = await import('../../box/build.js');
    return buildBox(docker, this.profile.box, this.progress, { signal });
  }

  private async create(docker: Dockerode, image: string, spec: SystemdContainerSpec, network: string | undefined): Promise<string> {
    const { data, sync, machine } = this.profile;
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of data.ports) {
      const key = `${port.guestPort}/${port.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
    }
    try {
      const container = await docker.createContainer({
        name: this.containerName,
        Image: image,
        // A machine is named as the other machines reach it.
        Hostname: machine?.name ?? data.name,
        Labels: {
          [LABEL.managed]: 'true',
          [LABEL.project]: machine?.project ?? data.name,
          [LABEL.profile]: this.profile.path,
          [LABEL.inputs]: this.profile.environmentHash,
          [LABEL.box]: this.profile.box.name,
          ...(machine ? { [LABEL.machine]: machine.name } : {}),
        },
        // On the machines' own network, under its machine name: Docker's DNS there answers `db` to `web`.
        ...(network && machine ? { NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [machine.name] } } } } : {}),
        StopSignal: spec.stopSignal,
        ExposedPorts: exposed,
        HostConfig: withSystemdHostConfig(spec, {
          Binds: [
            // One archive of .debs for every environment on this machine: a cold apply downloads each once.
            `${APT_ARCHIVE_VOLUME}:${SHARED_APT_ARCHIVE}`,
            // A remote engine cannot see this machine's folders: they are copied in after boot.
            ...(isRemoteEngine() ? [] : sync.map((s) => `${s.hostPath}:${s.guest}${s.readOnly ? ':ro' : ''}`)),
          ],
          PortBindings: bindings,
          NanoCpus: data.resources.cpus ? Math.round(data.resources.cpus * 1e9) : undefined,
          Memory: data.resources.memory,
          Sysctls: Object.keys(data.sysctls).length ? data.sysctls : undefined,
          ...(network ? { NetworkMode: network } : {}),
        }),
      });
      return container.id;
    } catch (error) {
      const message = (error as { json?: { message?: string }; message?: string }).json?.message ?? (error as Error).message;
      throw new OperationError(`could not create the container: ${message}`, { cause: error });
    }
  }

  private async waitForBoot(docker: Dockerode, id: string, signal?: AbortSignal, update?: (detail: string) => void): Promise<void> {
    try {
      await waitForSystemdBoot(new DockerTarget(docker, id, this.containerName), this.progress, {
        timeoutMs: BOOT_TIMEOUT_MS,
        pollMs: 150,
        ...(signal ? { signal } : {}),
        ...(update ? { update } : {}),
      });
    } catch (error) {
      // A container whose systemd gave up has exited: its own last lines say why.
      const exited = await this.exitedDuringBoot(docker, id);
      throw exited ?? error;
    }
  }

  private async exitedDuringBoot(docker: Dockerode, id: string): Promise<OperationError | undefined> {
    const container = docker.getContainer(id);
    const info = await container.inspect().catch(() => undefined);
    if (!info || info.State.Running) return undefined;
    const logs = await container.logs({ stdout: true, stderr: true, tail: 20, follow: false }).catch(() => Buffer.alloc(0));
    const said = lastLines(demuxDockerFrames(logs as unknown as Buffer), { max: 400, separator: ' | ' }) || (await this.bootOnATerminal(docker, info));
    const engine = await engineFactsOf(docker).catch(() => undefined);
    return new OperationError(
      `systemd could not start in ${this.containerName} (the container exited with status ${info.State.ExitCode}${said ? `: ${said}` : ''})`,
      {
        hint: `\`devenv doctor\` shows the mode chosen for this engine${engine ? ` (${engine.product} ${engine.version}, cgroup v${engine.cgroupVersion})` : ''}; DEVENV_SYSTEMD_MODE=<mode> tries another`,
      },
    );
  }

  /**
   * systemd writes why it gave up to a terminal only, and an environment has none:
   * the same container once more on a terminal (no ports), its last words, removed.
   */
  private async bootOnATerminal(docker: Dockerode, failed: Dockerode.ContainerInspectInfo): Promise<string> {
    let probe: Dockerode.Container | undefined;
    try {
      const { PortBindings: _ports, ...hostConfig } = failed.HostConfig;
      probe = await docker.createContainer({
        Image: failed.Config.Image,
        Cmd: failed.Config.Cmd,
        Env: failed.Config.Env,
        StopSignal: 'SIGRTMIN+3',
        Labels: { [LABEL.managed]: 'true' },
        Tty: true,
        HostConfig: hostConfig,
      });
      await probe.start();
      await probe.wait({ condition: 'not-running', abortSignal: AbortSignal.timeout(15_000) } as object);
      const logs = await probe.logs({ stdout: true, stderr: true, tail: 20, follow: false });
      return lastLines(
        demuxDockerFrames(logs as unknown as Buffer)
          // eslint-disable-next-line no-control-regex -- terminal escape sequences in a boot log
          .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
          .replace(/\r/g, ''),
        { max: 400, separator: ' | ' },
      );
    } catch {
      return '';
    } finally {
      await probe?.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  private describeAbsent(): EnvironmentStatus {
    return { name: this.profile.data.name, backend: 'docker', state: 'absent', ports: [], sync: this.syncStatus() };
  }

  private describe(info: Dockerode.ContainerInspectInfo): EnvironmentStatus {
    const state: EnvironmentState = containerState(info.State);
    const ports: EnvironmentStatus['ports'] = [];
    for (const [key, bindings] of Object.entries(info.HostConfig.PortBindings ?? {}) as [string, { HostIp: string; HostPort: string }[]][]) {
      const [guest, protocol] = key.split('/');
      for (const binding of bindings ?? []) {
        ports.push({ hostIp: binding.HostIp, hostPort: Number(binding.HostPort), guestPort: Number(guest), protocol: protocol === 'udp' ? 'udp' : 'tcp' });
      }
    }
    return {
      name: this.profile.data.name,
      backend: 'docker',
      state,
      id: info.Id.slice(0, 12),
      image: shortImageName(info.Config.Image),
      upToDate: info.Config.Labels?.[LABEL.inputs] === this.profile.environmentHash,
      ports,
      sync: this.syncStatus(),
      startedAt: info.State.Running ? info.State.StartedAt : undefined,
    };
  }

  private syncStatus(): EnvironmentStatus['sync'] {
    const copied = isRemoteEngine();
    return this.profile.sync.map((s) => ({ host: s.hostPath, guest: s.guest, readOnly: s.readOnly, ...(copied ? { copied: true } : {}) }));
  }
}

/** A tar archive holding one file, machine-id, to put in /etc. */
function machineIdTar(id: string): ReturnType<typeof packTar> {
  const archive = packTar();
  archive.entry({ name: 'machine-id', mode: 0o444, uid: 0, gid: 0 }, `${id}\n`);
  archive.finalize();
  return archive;
}
