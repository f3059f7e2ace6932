import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { hashOf } from '../core/hash.js';
import { OperationError, UnavailableError } from '../core/errors.js';
import { copyViaExec } from './copy-via-exec.js';
import { execOverOpenSsh, sshReason, type OpenSshTransport } from './openssh.js';
import { remoteCommandLine } from './remote-command.js';
import type { CopyOptions, ExecOptions, ExecResult, Target, TargetDescription } from './target.js';

/** How to reach a Vagrant machine: the file `vagrant ssh-config` wrote, and its Host alias. */
export interface VagrantSshEndpoint {
  /** An ssh_config file (from `vagrant ssh-config`), used with `ssh -F`. */
  configFile: string;
  /** The Host alias in that file ("default"). */
  host: string;
  /** The login user (User in that file, "vagrant"); other users are reached with sudo -n. */
  loginUser: string;
  /** Where the multiplexing master listens. */
  controlPath: string;
}

export interface VagrantTargetOptions {
  /** Shown by describe(): machine name and provider. */
  name: string;
  /** True for the docker provider (a container sharing the host's kernel). */
  container: boolean;
  /** Seconds the master connection outlives its last use, so consecutive `devenv exec` reuse it. */
  persistSeconds?: number;
  /** ssh's ConnectTimeout (10 s by default; a VM under software emulation answers slower). */
  connectTimeoutSeconds?: number;
  sshCommand?: string;
}

/** Parses the fields devenv needs from `vagrant ssh-config` output. */
export function parseSshConfig(text: string): { host: string; hostName?: string; user?: string; port?: number } {
  const value = (key: string): string | undefined => new RegExp(`^\\s*${key}\\s+(.+?)\\s*$`, 'mi').exec(text)?.[1];
  const host = value('Host');
  if (!host) throw new OperationError('`vagrant ssh-config` printed no Host entry');
  const port = value('Port');
  return { host, hostName: value('HostName'), user: value('User'), port: port ? Number(port) : undefined };
}

/**
 * A short socket path: unix sockets hold ~104 bytes and ssh adds a random
 * suffix while binding, so a deep state folder falls back to a private folder in /tmp.
 */
export async function controlPathFor(stateDir: string): Promise<string> {
  const preferred = join(stateDir, 'ssh-master.sock');
  if (Buffer.byteLength(preferred) <= 80) return preferred;
  const dir = join(tmpdir(), `devenv-ssh-${process.getuid?.() ?? 'user'}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return join(dir, `${hashOf(stateDir, 16)}.sock`);
}

const MISSING_SSH = {
  message: 'ssh is not installed (devenv reaches Vagrant machines with OpenSSH)',
  hint: 'install it: `sudo apt-get install openssh-client`',
};

/**
 * A Vagrant machine reached through ONE OpenSSH master connection
 * (ControlMaster/ControlPersist) built from `vagrant ssh-config`, never one
 * `vagrant ssh` per command. Commands travel as argv quoted by shellJoin;
 * `user: root` (the default, as in containers) goes through `sudo -n`.
 */
export class VagrantTarget implements Target {
  constructor(
    readonly endpoint: VagrantSshEndpoint,
    private readonly options: VagrantTargetOptions,
  ) {}

  /** How this machine's ssh failures read (the master's connect says the same). */
  private get transport(): OpenSshTransport {
    return {
      ...(this.options.sshCommand ? { sshCommand: this.options.sshCommand } : {}),
      name: this.options.name,
      missingClient: MISSING_SSH,
      unreachableHint: () => 'is the machine up? `devenv status` shows it',
      sudoHint: 'the vagrant user needs passwordless sudo (Vagrant boxes have it)',
    };
  }

  private sshArgs(): string[] {
    return [
      '-F',
      this.endpoint.configFile,
      '-o',
      'BatchMode=yes',
      '-o',
      'ControlMaster=auto',
      // "%" starts a token in ssh's ControlPath: a literal one is doubled.
      '-o',
      `ControlPath=${this.endpoint.controlPath.replace(/%/g, '%%')}`,
      '-o',
      `ControlPersist=${this.options.persistSeconds ?? 600}`,
      '-o',
      `ConnectTimeout=${this.options.connectTimeoutSeconds ?? 10}`,
    ];
  }

  private get ssh(): string {
    return this.options.sshCommand ?? 'ssh';
  }

  /** Starts the master connection when none is listening; throws OperationError when the machine cannot be reached. */
  async connect(): Promise<void> {
    if (await this.masterAlive()) return;
    const result = await execa(this.ssh, [...this.sshArgs(), '-o', 'ControlMaster=yes', '-N', '-f', '--', this.endpoint.host], {
      reject: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      timeout: Math.max(30, 3 * (this.options.connectTimeoutSeconds ?? 10)) * 1000,
    }).catch((error: unknown) => ({ failed: true, exitCode: undefined, stderr: String(error), code: (error as { code?: string }).code }));
    if ((result as { code?: string }).code === 'ENOENT') {
      throw new UnavailableError(MISSING_SSH.message, { hint: MISSING_SSH.hint });
    }
    if (result.exitCode !== 0) {
      throw new OperationError(`ssh to ${this.options.name} failed: ${sshReason(String(result.stderr))}`, { hint: 'is the machine up? run `devenv up`' });
    }
  }

  async masterAlive(): Promise<boolean> {
    if (!existsSync(this.endpoint.controlPath)) return false;
    const check = await execa(this.ssh, [...this.sshArgs(), '-O', 'check', '--', this.endpoint.host], { reject: false, stdin: 'ignore', timeout: 5000 });
    return check.exitCode === 0;
  }

  /** The command line the guest's shell runs: argv quoted one by one, wrapped for env, cwd and user (root by default). */
  remoteCommand(argv: readonly string[], options: Pick<ExecOptions, 'env' | 'cwd' | 'user'> = {}): string {
    const user = options.user ?? 'root';
    return remoteCommandLine(argv, options, user === this.endpoint.loginUser ? undefined : user);
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new OperationError('exec needs a command');
    const remote = this.remoteCommand(argv, options);
    return execOverOpenSsh(this.transport, [...this.sshArgs(), '-T', '--', this.endpoint.host, remote], {
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.timeout ? { timeout: options.timeout } : {}),
    });
  }

  /** Runs a command wired to this terminal (devenv exec/shell) through the same master; returns its exit code. */
  async attach(argv: readonly string[], options: { tty: boolean; user?: string; cwd?: string }): Promise<number> {
    const remote = this.remoteCommand(argv, { user: options.user, cwd: options.cwd });
    const result = await execa(this.ssh, [...this.sshArgs(), '-o', 'LogLevel=ERROR', options.tty ? '-tt' : '-T', '--', this.endpoint.host, remote], {
      stdio: 'inherit',
      reject: false,
    });
    return result.exitCode ?? 1;
  }

  copy(content: string | Buffer, path: string, options?: CopyOptions): Promise<void> {
    return copyViaExec((argv, o) => this.exec(argv, o), this.options.name, content, path, options);
  }

  describe(): TargetDescription {
    return { kind: 'vagrant', name: this.options.name, container: this.options.container };
  }

  /**
   * Leaves the master running on purpose: ControlPersist ends it after a quiet
   * while, and the next `devenv exec` reuses it. `stopMaster` ends it now (halt, destroy).
   */
  async close(): Promise<void> {}

  async stopMaster(): Promise<void> {
    if (!existsSync(this.endpoint.controlPath)) return;
    await execa(this.ssh, [...this.sshArgs(), '-O', 'exit', '--', this.endpoint.host], { reject: false, stdin: 'ignore', timeout: 5000 });
  }
}
