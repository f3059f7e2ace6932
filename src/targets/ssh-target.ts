import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { OperationError, UsageError } from '../core/errors.js';
import { SSH_DESTINATION } from '../profile/schema.js';
import { copyViaExec } from './copy-via-exec.js';
import { execOverOpenSsh, type OpenSshTransport } from './openssh.js';
import { remoteCommandLine } from './remote-command.js';
import type { CopyOptions, ExecOptions, ExecResult, Target, TargetDescription } from './target.js';

/** `user@host[:port]` or `ssh://user@host[:port]`, checked so that no part can become an ssh option. */
export interface SshDestination {
  user?: string;
  host: string;
  port?: number;
}

export function parseSshDestination(text: string): SshDestination {
  const match = SSH_DESTINATION.exec(text);
  if (!match || text.includes('\n')) {
    throw new UsageError(`"${text.replace(/[^\x20-\x7e]/g, '?')}" is not an SSH destination (write user@host[:port] or ssh://user@host[:port])`);
  }
  const [, user, rawHost = '', rawPort] = match;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  // The pattern already forbids a leading "-"; checked again because this is the line between a value and an option.
  if (host.startsWith('-') || (user ?? '').startsWith('-')) throw new UsageError(`"${text}" is not an SSH destination`);
  const destination: SshDestination = { host };
  if (user) destination.user = user;
  if (rawPort !== undefined) {
    const port = Number(rawPort);
    if (port < 1 || port > 65535) throw new UsageError(`port ${rawPort} in "${text}" is out of range (1-65535)`);
    destination.port = port;
  }
  return destination;
}

export function formatSshDestination(destination: SshDestination): string {
  const host = destination.host.includes(':') ? `[${destination.host}]` : destination.host;
  return `${destination.user ? `${destination.user}@` : ''}${host}${destination.port ? `:${destination.port}` : ''}`;
}

export interface SshTargetOptions {
  /** -i KEY; ~ is expanded. */
  identity?: string;
  /** Run `user: 'root'` (or another user's) commands through non-interactive `sudo -n`. */
  sudo?: boolean;
  /** StrictHostKeyChecking=accept-new instead of yes. */
  acceptNewHostKey?: boolean;
  /** Another known_hosts file (tests; pinned fleets). Default: ssh's own. */
  knownHostsFile?: string;
  /** Seconds to wait for the TCP connection. */
  connectTimeout?: number;
  /** The ssh binary (default: `ssh` from PATH). */
  sshCommand?: string;
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * Production (or any host) over the system's OpenSSH, so ~/.ssh/config, agents,
 * jump hosts and known_hosts work as the user set them up. One multiplexed
 * master connection serves every exec of the run; BatchMode means ssh never
 * prompts; host keys are verified unless the caller opts into accept-new.
 */
export class SshTarget implements Target {
  readonly destination: SshDestination;
  private controlDir: string | undefined;
  private controlDirPending: Promise<string> | undefined;
  private closed = false;

  constructor(
    destination: SshDestination | string,
    private readonly options: SshTargetOptions = {},
  ) {
    this.destination = typeof destination === 'string' ? parseSshDestination(destination) : destination;
  }

  /** True when `user: 'root'` can be honoured: logged in as root, or sudo allowed. */
  canRunAsRoot(): boolean {
    return this.destination.user === 'root' || this.options.sudo === true;
  }

  private async controlPath(): Promise<string> {
    if (this.controlDir) return join(this.controlDir, '%C');
    // A private folder (mkdtemp makes it 0700): nobody else can reach the master socket.
    this.controlDirPending ??= mkdtemp(join(tmpdir(), 'devenv-ssh-'));
    this.controlDir = await this.controlDirPending;
    return join(this.controlDir, '%C');
  }

  /** Options shared by every ssh call; -o values are fixed strings or paths we made, never profile text. */
  private async sshArgs(): Promise<string[]> {
    const args = [
      '-o',
      'BatchMode=yes',
      '-o',
      `StrictHostKeyChecking=${this.options.acceptNewHostKey ? 'accept-new' : 'yes'}`,
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${await this.controlPath()}`,
      '-o',
      'ControlPersist=60',
      '-o',
      `ConnectTimeout=${this.options.connectTimeout ?? 15}`,
      '-o',
      'LogLevel=ERROR',
      '-T',
    ];
    if (this.options.knownHostsFile) args.push('-o', `UserKnownHostsFile=${this.options.knownHostsFile}`);
    if (this.options.identity) args.push('-i', expandHome(this.options.identity), '-o', 'IdentitiesOnly=yes');
    if (this.destination.port) args.push('-p', String(this.destination.port));
    if (this.destination.user) args.push('-l', this.destination.user);
    return args;
  }

  /** The remote command line: argv quoted one by one, wrapped for sudo, env and cwd. */
  remoteCommand(argv: readonly string[], options: ExecOptions = {}): string {
    const wanted = options.user;
    if (wanted === undefined || wanted === this.destination.user) return remoteCommandLine(argv, options, undefined);
    if (!this.options.sudo) {
      throw new OperationError(`running a command as ${wanted} on ${this.describe().name} needs sudo`, {
        hint: 'pass --sudo (or set production.sudo: true) for a login that may sudo without a password',
      });
    }
    return remoteCommandLine(argv, options, wanted);
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new OperationError(`the SSH connection to ${this.describe().name} is closed`);
    if (argv.length === 0) throw new OperationError('exec needs a command');
    const remote = this.remoteCommand(argv, options);
    const args = [...(await this.sshArgs()), '--', this.destination.host, remote];
    return execOverOpenSsh(this.transport(), args, {
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.timeout ? { timeout: options.timeout } : {}),
    });
  }

  /** How this target's ssh failures read. */
  private transport(): OpenSshTransport {
    return {
      ...(this.options.sshCommand ? { sshCommand: this.options.sshCommand } : {}),
      name: this.describe().name,
      missingClient: { message: 'ssh is not installed (the OpenSSH client is needed for SSH targets)', hint: 'install openssh-client' },
      unreachableHint: (stderr) =>
        /Host key verification failed/.test(stderr)
          ? 'the host key is unknown or changed; check it, or pass --accept-new-host-key for a host never seen before'
          : 'check the destination, the key (-i) and that `ssh` works from this shell',
      sudoHint: 'allow the login passwordless sudo, or collect without --sudo',
    };
  }

  copy(content: string | Buffer, path: string, options?: CopyOptions): Promise<void> {
    return copyViaExec((argv, o) => this.exec(argv, o), this.describe().name, content, path, options);
  }

  describe(): TargetDescription {
    return { kind: 'ssh', name: formatSshDestination(this.destination), container: false };
  }

  /** Stops the master connection and removes its private folder. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const dir = this.controlDir ?? (this.controlDirPending ? await this.controlDirPending.catch(() => undefined) : undefined);
    if (!dir) return;
    try {
      await execa(
        this.options.sshCommand ?? 'ssh',
        [
          '-o',
          `ControlPath=${join(dir, '%C')}`,
          ...(this.destination.port ? ['-p', String(this.destination.port)] : []),
          ...(this.destination.user ? ['-l', this.destination.user] : []),
          '-O',
          'exit',
          '--',
          this.destination.host,
        ],
        {
          reject: false,
          timeout: 5000,
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
