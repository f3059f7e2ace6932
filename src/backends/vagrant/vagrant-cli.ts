import { lastLines } from '../../core/last-lines.js';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { InterruptedError, OperationError, UnavailableError } from '../../core/errors.js';
import { MachineReadableParser, progressText, type VagrantEvent } from './machine-readable.js';
import type { VagrantProvider } from './vagrantfile.js';

export interface VagrantRunOptions {
  /** Receives every event as it arrives (progress). */
  onEvent?: (event: VagrantEvent) => void;
  signal?: AbortSignal;
  timeout?: number;
}

export interface VagrantRunResult {
  exitCode: number;
  events: VagrantEvent[];
  /** Plain (non machine-readable) output, e.g. `ssh-config`. */
  stdout: string;
  stderr: string;
}

/** What to install when a provider is not usable; exit 3 says it. */
export const PROVIDER_INSTALL_HINT: Record<VagrantProvider, string> = {
  virtualbox:
    "install VirtualBox (it provides `VBoxManage`; Debian has it in its fasttrack/contrib repositories, or use Oracle's package), or choose `vagrant: { provider: libvirt }`",
  libvirt: 'install the libvirt provider: `sudo apt-get install vagrant-libvirt libvirt-daemon-system` and add yourself to the libvirt group',
  docker: 'install Docker and start it: `sudo apt-get install docker.io` (the docker provider runs the `docker` CLI)',
};

/**
 * Runs `vagrant` in one machine folder (the state folder holding the rendered
 * Vagrantfile). Never reaches HashiCorp's servers: checkpoint is off.
 */
export class VagrantCli {
  constructor(
    readonly cwd: string,
    readonly provider: VagrantProvider,
    private readonly executable = process.env.DEVENV_VAGRANT ?? 'vagrant',
  ) {}

  env(): Record<string, string> {
    return {
      VAGRANT_CWD: this.cwd,
      VAGRANT_DEFAULT_PROVIDER: this.provider,
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1',
      VAGRANT_NO_COLOR: '1',
    };
  }

  /** Throws exit 3 when vagrant is not installed: checked on PATH before any slow work (image builds). */
  requireInstalled(): void {
    const candidates = this.executable.includes('/')
      ? [this.executable]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, this.executable));
    for (const candidate of candidates) {
      try {
        accessSync(candidate, constants.X_OK);
        return;
      } catch {
        // not here
      }
    }
    throw this.notInstalled();
  }

  private notInstalled(): UnavailableError {
    return new UnavailableError(`vagrant is not installed (\`${this.executable}\` was not found on PATH)`, {
      hint: 'install it: `sudo apt-get install vagrant`',
    });
  }

  /** Runs a subcommand with --machine-readable; throws the right DevenvError when vagrant reports one. */
  async run(args: readonly string[], options: VagrantRunOptions = {}): Promise<VagrantRunResult> {
    const result = await this.spawn([...args, '--machine-readable'], options);
    const failure = result.events.find((e) => e.type === 'error-exit');
    if (failure?.type === 'error-exit') throw this.errorFor(args, failure.errorClass, failure.message);
    if (result.exitCode !== 0) {
      const last = result.events.filter((e) => e.type === 'ui' && e.level === 'error').pop();
      const detail = lastLines(last?.type === 'ui' ? last.message : result.stderr, { max: Infinity });
      throw new OperationError(`vagrant ${args[0]} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
    }
    return result;
  }

  /** Runs a subcommand whose stdout is the answer (ssh-config); non-zero exit throws. */
  async runPlain(args: readonly string[], options: VagrantRunOptions = {}): Promise<VagrantRunResult> {
    const result = await this.spawn(args, options, false);
    if (result.exitCode !== 0) {
      const detail = result.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' ');
      throw new OperationError(`vagrant ${args.join(' ')} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
    }
    return result;
  }

  private async spawn(args: readonly string[], options: VagrantRunOptions, machineReadable = true): Promise<VagrantRunResult> {
    const events: VagrantEvent[] = [];
    const parser = new MachineReadableParser((event) => {
      events.push(event);
      options.onEvent?.(event);
    });
    const child = execa(this.executable, [...args], {
      cwd: this.cwd,
      env: this.env(),
      reject: false,
      stdin: 'ignore',
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      timeout: options.timeout,
    });
    if (machineReadable) child.stdout?.on('data', (chunk: Buffer) => parser.push(chunk.toString('utf8')));
    const result = await child;
    parser.end();
    if (options.signal?.aborted) throw new InterruptedError(`interrupted during vagrant ${args[0]}`);
    if ((result as { code?: string }).code === 'ENOENT' || (result.failed && result.exitCode === undefined && /ENOENT/.test(String(result.message)))) {
      throw this.notInstalled();
    }
    if (result.timedOut) throw new OperationError(`vagrant ${args[0]} did not finish within ${Math.round((options.timeout ?? 0) / 1000)}s`);
    return { exitCode: result.exitCode ?? -1, events, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /** Maps Vagrant's error classes to devenv's exit codes: a missing provider or plugin is "unavailable" (3). */
  errorFor(args: readonly string[], errorClass: string, message: string): Error {
    const oneLine = message.replace(/\s+/g, ' ').trim();
    if (
      /ProviderNotUsable|ProviderNotFound|VirtualBoxNotDetected|PluginLoadError|DockerNotRunning|DockerNotInstalled|ExecutableMissing|Libvirt.*(Connection|Driver)|LibvirtNotInstalled/i.test(
        errorClass,
      )
    ) {
      return new UnavailableError(`the vagrant provider "${this.provider}" is not usable here: ${oneLine}`, { hint: PROVIDER_INSTALL_HINT[this.provider] });
    }
    return new OperationError(`vagrant ${args[0]} failed (${errorClass.replace(/^.*::/, '')}): ${oneLine}`);
  }
}

export { progressText };
