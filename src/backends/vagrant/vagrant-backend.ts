// One file over 300 lines on purpose: the Backend interface of one tool (up, halt, destroy, sync,
// target, attach) over one Vagrant machine, with the Vagrantfile it renders for it.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { InterruptedError, OperationError } from '../../core/errors.js';
import { hashOf } from '../../core/hash.js';
import type { Progress } from '../../core/progress.js';
import { waitForSystemdBoot } from '../systemd-boot.js';
import { controlPathFor, parseSshConfig, VagrantTarget } from '../../targets/vagrant-target.js';
import type { AttachOptions, Backend, BackendProfile, EnvironmentState, EnvironmentStatus, UpOptions, UpResult } from '../backend.js';
import { connectDocker, containerState, isNotFound, LABEL, systemdSpecFor } from '../docker/engine.js';
import { progressText, type VagrantEvent } from './machine-readable.js';
import { VagrantCli } from './vagrant-cli.js';
import { ensureVagrantBoxImage, vagrantBoxImageRef, vagrantInsecurePublicKey } from './vagrant-box.js';
import {
  bundledTemplatePath,
  macFor,
  renderVagrantfile,
  vagrantfileInputs,
  writeVagrantfile,
  type LibvirtInputs,
  type VagrantProvider,
} from './vagrantfile.js';
import { chooseDomainType, domainState, LIBVIRT_URI, probeKvm, probeNetworkMode } from './libvirt-host.js';
import { ensureLibvirtBox, libvirtBoxName } from '../../box/libvirt-box.js';
import { freeLoopbackPort } from './free-port.js';

interface MachineState {
  state: EnvironmentState;
  id?: string;
  image?: string;
  startedAt?: string;
}

const BOOT_TIMEOUT_MS = 120_000;
/** systemd's boot after SSH answers: minutes under software emulation on a busy host. */
const VM_BOOT_TIMEOUT_MS = 600_000;
const MACHINE = 'default';

/** What rsync copies of a folder: its files and their bytes (devenv's and Vagrant's state folders are excluded, as in the Vagrantfile). */
async function countFiles(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      if (entry.name === '.devenv' || entry.name === '.vagrant') continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        files++;
        bytes += (await stat(full)).size;
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}

/** Vagrant's machine states → devenv's. */
export function environmentState(vagrantState: string): EnvironmentState {
  switch (vagrantState) {
    case 'running':
      return 'running';
    case 'not_created':
      return 'absent';
    case 'poweroff': // virtualbox
    case 'shutoff': // libvirt
    case 'shut_off': // virsh domstate
    case 'shutdown':
    case 'crashed':
    case 'stopped': // docker
    case 'saved':
    case 'aborted':
    case 'paused':
      return 'stopped';
    case 'preparing':
      return 'created';
    default:
      return 'unknown';
  }
}

/**
 * One environment = one Vagrant machine, described by a Vagrantfile rendered
 * from Vagrantfile.template into `<profile dir>/.devenv/vagrant/<name>/`.
 * Lifecycle goes through the `vagrant` CLI; commands go through one OpenSSH
 * master connection (VagrantTarget), which is what makes it fast to work with.
 */
export class VagrantBackend implements Backend {
  readonly stateDir: string;
  readonly provider: VagrantProvider;
  readonly containerName: string;
  private readonly cli: VagrantCli;

  constructor(
    private readonly profile: BackendProfile,
    private readonly progress: Progress,
    private readonly dockerFactory: () => Promise<Dockerode> = connectDocker,
  ) {
    this.stateDir = join(profile.dir, '.devenv', 'vagrant', profile.data.name);
    this.provider = profile.data.vagrant?.provider ?? 'virtualbox';
    this.containerName = `devenv-vagrant-${profile.data.name}-${hashOf(profile.path, 8)}`;
    this.cli = new VagrantCli(this.stateDir, this.provider);
  }

  private get vagrantfilePath(): string {
    return join(this.stateDir, 'Vagrantfile');
  }
  private get inputsFile(): string {
    return join(this.stateDir, 'inputs.hash');
  }
  private get sshConfigFile(): string {
    return join(this.stateDir, 'ssh-config');
  }
  private get sshPortFile(): string {
    return join(this.stateDir, 'ssh-port');
  }
  private get machineIdFile(): string {
    return join(this.stateDir, '.vagrant', 'machines', MACHINE, this.provider, 'id');
  }

  /** The Vagrantfile the profile asks for now (pure rendering; reads the template and the public key). */
  async renderWanted(): Promise<string> {
    const template = await readFile(bundledTemplatePath(), 'utf8');
    const docker =
      this.provider === 'docker'
        ? {
            image: vagrantBoxImageRef(this.profile.box, await vagrantInsecurePublicKey()),
            containerName: this.containerName,
            labels: {
              [LABEL.managed]: 'true',
              [LABEL.project]: this.profile.data.name,
              [LABEL.profile]: this.profile.path,
              [LABEL.box]: this.profile.box.name,
            },
            systemdRunArgs: (await systemdSpecFor(await this.dockerFactory())).runArgs,
          }
        : undefined;
    const libvirt = this.provider === 'libvirt' ? await this.libvirtInputs() : undefined;
    return renderVagrantfile(template, vagrantfileInputs(this.profile, docker, libvirt));
  }

  /**
   * What the libvirt Vagrantfile needs from this host: the domain type and network
   * (probed), devenv's box for the profile's definition, and in a user-mode network
   * the 127.0.0.1 port of SSH, chosen once per environment and kept in the state folder.
   */
  private async libvirtInputs(): Promise<LibvirtInputs & { box: string }> {
    const network = (await probeNetworkMode()).value;
    const box = libvirtBoxName(this.profile.box, await vagrantInsecurePublicKey());
    const base = { uri: LIBVIRT_URI, domainType: chooseDomainType(probeKvm()).value, network, box };
    if (network !== 'user') return base;
    return { ...base, sshPort: await this.sshPort(), macs: [macFor(`${this.containerName}/user`), macFor(`${this.containerName}/forward`)] };
  }

  private async sshPort(): Promise<number> {
    if (existsSync(this.sshPortFile)) {
      const port = Number((await readFile(this.sshPortFile, 'utf8')).trim());
      if (Number.isInteger(port) && port > 0 && port < 65536) return port;
    }
    const port = await freeLoopbackPort();
    await mkdir(this.stateDir, { recursive: true });
    await writeFile(this.sshPortFile, `${port}\n`);
    return port;
  }

  private async machineId(): Promise<string | undefined> {
    if (!existsSync(this.machineIdFile)) return undefined;
    return (await readFile(this.machineIdFile, 'utf8')).trim() || undefined;
  }

  private async recordedInputs(): Promise<string | undefined> {
    return existsSync(this.inputsFile) ? (await readFile(this.inputsFile, 'utf8')).trim() : undefined;
  }

  /**
   * The machine's state. No machine id → absent without starting Vagrant; the
   * docker provider's container is asked directly (milliseconds instead of
   * Vagrant's ~2s start-up); VMs ask `vagrant status`.
   */
  private async machineState(): Promise<MachineState> {
    const id = await this.machineId();
    if (!id) return { state: 'absent' };
    if (this.provider === 'docker') {
      const docker = await this.dockerFactory();
      try {
        const info = await docker.getContainer(id).inspect();
        const state: EnvironmentState = containerState(info.State);
        return { state, id, image: info.Config.Image, startedAt: info.State.Running ? info.State.StartedAt : undefined };
      } catch (error) {
        if (isNotFound(error)) return { state: 'absent' };
        throw error;
      }
    }
    if (this.provider === 'libvirt') {
      // The domain's UUID is Vagrant's machine id: virsh answers in milliseconds, Vagrant in seconds.
      const state = await domainState(id);
      if (state === 'not_created') return { state: 'absent' };
      if (state !== undefined) return { state: environmentState(state), id };
    }
    const result = await this.cli.run(['status', MACHINE]);
    const event = result.events.find((e) => e.type === 'state');
    return { state: environmentState(event?.type === 'state' ? event.state : 'unknown'), id };
  }

  async status(): Promise<EnvironmentStatus> {
    const machine = await this.machineState();
    if (machine.state === 'absent') return this.describe(machine);
    const wanted = hashOf(await this.renderWanted());
    return this.describe(machine, (await this.recordedInputs()) === wanted);
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    this.cli.requireInstalled();
    // Box image first (docker provider): a failure here leaves any machine untouched.
    if (this.provider === 'docker') {
      const docker = await this.dockerFactory();
      await ensureVagrantBoxImage(docker, this.profile.box, this.progress, options.signal);
    }
    const wanted = await this.renderWanted();
    const wantedHash = hashOf(wanted);
    let machine = await this.machineState();
    let action: UpResult['action'] = 'created';
    const reused = machine.state !== 'absent' && (await this.recordedInputs()) === wantedHash && !options.rebuild;
    if (this.provider === 'libvirt' && !this.profile.data.vagrant?.box && !reused) {
      // Only to create a machine (a failure here leaves any machine untouched): an existing one has its disk.
      const docker = await this.dockerFactory();
      await ensureLibvirtBox(docker, this.profile.box, await vagrantInsecurePublicKey(), this.progress, options.signal ? { signal: options.signal } : {});
    }

    if (machine.state !== 'absent') {
      const upToDate = (await this.recordedInputs()) === wantedHash;
      if (upToDate && !options.rebuild) {
        if (machine.state === 'running') return { action: 'running', status: this.describe(machine, true) };
        action = 'started';
      } else {
        // Destroyed with the Vagrantfile that made it, before the new one is written.
        await this.progress.step(`destroy ${this.profile.data.name} (${options.rebuild ? '--rebuild' : 'profile changed'})`, (update) =>
          this.vagrant(['destroy', '-f', MACHINE], update, options.signal),
        );
        await this.forgetConnection();
        action = 'recreated';
      }
    }

    if (await writeVagrantfile(this.vagrantfilePath, wanted)) this.progress.debug(`wrote ${this.vagrantfilePath}`);
    if (options.signal?.aborted) throw new InterruptedError();
    const verb = action === 'started' ? 'start' : 'create';
    await this.progress.step(`vagrant up (${verb} ${this.profile.data.name}, provider ${this.provider})`, (update) =>
      this.vagrant(['up', `--provider=${this.provider}`, MACHINE], update, options.signal),
    );
    await writeFile(this.inputsFile, `${wantedHash}\n`);
    await this.forgetConnection();
    const target = await this.openTarget();
    await this.progress.step('boot systemd', (update) => this.waitForBoot(target, options.signal, update));
    machine = await this.machineState();
    return { action, status: this.describe(machine, true) };
  }

  async halt(): Promise<EnvironmentStatus> {
    let machine = await this.machineState();
    if (machine.state === 'absent') return this.describe(machine);
    if (machine.state === 'running') {
      await this.forgetConnection();
      await this.progress.step(`vagrant halt ${this.profile.data.name}`, (update) => this.vagrant(['halt', MACHINE], update));
      machine = await this.machineState();
    }
    return this.describe(machine, (await this.recordedInputs()) === hashOf(await this.renderWanted()));
  }

  async destroy(): Promise<void> {
    const machine = await this.machineState();
    await this.forgetConnection();
    if (machine.state !== 'absent' && existsSync(this.vagrantfilePath)) {
      // Synced folders are mounts or copies: destroying the machine never deletes the host folder.
      await this.progress.step(`vagrant destroy ${this.profile.data.name}`, (update) => this.vagrant(['destroy', '-f', MACHINE], update));
    }
    await rm(this.inputsFile, { force: true });
    await rm(this.sshPortFile, { force: true });
  }

  /**
   * libvirt: synced folders are rsync copies (a VM shares no file system with the
   * host), made at `up`; `devenv sync` makes them again with `vagrant rsync`.
   * The other providers mount them: nothing to copy.
   */
  async sync(): Promise<{ guest: string; files: number; bytes: number }[] | 'mounted'> {
    if (this.provider !== 'libvirt') return 'mounted';
    const machine = await this.machineState();
    if (machine.state !== 'running') throw this.notRunning();
    await this.progress.step(`vagrant rsync ${this.profile.data.name}`, (update) => this.vagrant(['rsync', MACHINE], update));
    const copied: { guest: string; files: number; bytes: number }[] = [];
    for (const folder of this.profile.sync) copied.push({ guest: folder.guest, ...(await countFiles(folder.hostPath)) });
    return copied;
  }

  async target(): Promise<VagrantTarget> {
    if (this.provider === 'docker' || this.provider === 'libvirt') {
      // Cheap for containers: a clear "not running" instead of an ssh timeout.
      const machine = await this.machineState();
      if (machine.state !== 'running') throw this.notRunning();
    }
    return this.openTarget();
  }

  async attach(argv: readonly string[], options: AttachOptions): Promise<number> {
    const target = await this.target();
    return target.attach(argv, options);
  }

  /**
   * A connected target. The ssh-config from Vagrant is cached in the state
   * folder; when the cached one no longer reaches the machine (restarted, new
   * address) it is asked for again, once.
   */
  private async openTarget(): Promise<VagrantTarget> {
    const cached = existsSync(this.sshConfigFile);
    let target = await this.targetFrom(cached ? await readFile(this.sshConfigFile, 'utf8') : await this.fetchSshConfig());
    try {
      await target.connect();
    } catch (error) {
      if (!cached) throw error;
      await target.stopMaster();
      target = await this.targetFrom(await this.fetchSshConfig());
      await target.connect();
    }
    return target;
  }

  private async fetchSshConfig(): Promise<string> {
    let text: string;
    try {
      text = (await this.cli.runPlain(['ssh-config', MACHINE])).stdout;
    } catch (error) {
      if (error instanceof OperationError) throw this.notRunning(error);
      throw error;
    }
    await writeFile(this.sshConfigFile, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
    return text;
  }

  private async targetFrom(sshConfig: string): Promise<VagrantTarget> {
    const parsed = parseSshConfig(sshConfig);
    return new VagrantTarget(
      { configFile: this.sshConfigFile, host: parsed.host, loginUser: parsed.user ?? 'vagrant', controlPath: await controlPathFor(this.stateDir) },
      // A VM's SSH is slow to answer under emulation: a longer connect timeout than for containers.
      {
        name: `${this.profile.data.name} (vagrant ${this.provider})`,
        container: this.provider === 'docker',
        ...(this.provider === 'docker' ? {} : { connectTimeoutSeconds: 60 }),
      },
    );
  }

  /** Ends the master connection and drops the cached ssh-config (the address may change). */
  private async forgetConnection(): Promise<void> {
    if (existsSync(this.sshConfigFile)) {
      const target = await this.targetFrom(await readFile(this.sshConfigFile, 'utf8')).catch(() => undefined);
      await target?.stopMaster();
    }
    await rm(this.sshConfigFile, { force: true });
  }

  private notRunning(cause?: unknown): OperationError {
    return new OperationError(`the environment ${this.profile.data.name} is not running`, { hint: 'run `devenv up` first', cause });
  }

  /** Runs a lifecycle subcommand, showing Vagrant's ui events as the step's progress. */
  private async vagrant(args: string[], update: (detail: string) => void, signal?: AbortSignal): Promise<void> {
    await this.cli.run(args, {
      signal,
      onEvent: (event: VagrantEvent) => {
        const text = progressText(event, MACHINE);
        if (text) update(text);
      },
    });
  }

  private waitForBoot(target: VagrantTarget, signal?: AbortSignal, update?: (detail: string) => void): Promise<void> {
    const timeoutMs = this.provider === 'docker' ? BOOT_TIMEOUT_MS : VM_BOOT_TIMEOUT_MS;
    return waitForSystemdBoot(target, this.progress, {
      timeoutMs,
      pollMs: this.provider === 'docker' ? 200 : 1000,
      ...(signal ? { signal } : {}),
      ...(update ? { update } : {}),
    });
  }

  private describe(machine: MachineState, upToDate?: boolean): EnvironmentStatus {
    const exists = machine.state !== 'absent';
    return {
      name: this.profile.data.name,
      backend: 'vagrant',
      state: machine.state,
      ...(exists && machine.id ? { id: machine.id.slice(0, 12) } : {}),
      ...(exists && (machine.image ?? this.profile.data.vagrant?.box) ? { image: machine.image ?? this.profile.data.vagrant?.box } : {}),
      ...(exists && upToDate !== undefined ? { upToDate } : {}),
      ports: exists ? this.profile.data.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, guestPort: p.guestPort, protocol: p.protocol })) : [],
      sync: this.profile.sync.map((s) => ({ host: s.hostPath, guest: s.guest, readOnly: s.readOnly })),
      ...(machine.startedAt ? { startedAt: machine.startedAt } : {}),
    };
  }
}
