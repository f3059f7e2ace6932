import { lastLines } from '../core/last-lines.js';
/**
 * Somewhere commands run: a container, a Vagrant machine, or production over SSH.
 * Everything that acts on a system (apply, facts, checks' probes) goes through
 * this seam, so it works the same on every kind of target.
 */
export interface ExecOptions {
  /** Run as this user (the target switches user itself; no shell string is built). */
  user?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Bytes or text fed to the command's standard input. */
  stdin?: string | Buffer;
  /** Milliseconds; the command is killed and exitCode is 124 when exceeded. */
  timeout?: number;
}

/** A non-zero exit is data, not an exception. Only failing to run at all throws. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CopyOptions {
  /** Octal mode as a string, e.g. "0644". */
  mode?: string;
  owner?: string;
  group?: string;
}

export interface TargetDescription {
  kind: 'docker' | 'vagrant' | 'ssh' | 'local';
  /** Human-readable name: container name, machine name, user@host. */
  name: string;
  /** True when the target is a container sharing the host's kernel (decides n/a checks and info drift). */
  container: boolean;
}

export interface Target {
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Writes content to an absolute path atomically (temp file + rename), creating no parent directories. */
  copy(content: string | Buffer, path: string, options?: CopyOptions): Promise<void>;
  describe(): TargetDescription;
  /** Releases connections (SSH master, sockets). Safe to call twice. */
  close(): Promise<void>;
}

/** Runs a command and throws OperationError when it exits non-zero; for steps that must succeed. */
export async function execOrThrow(target: Target, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const { OperationError } = await import('../core/errors.js');
  const result = await target.exec(argv, options);
  if (result.exitCode !== 0) {
    const detail = lastLines(result.stderr || result.stdout, { max: 400 });
    throw new OperationError(`${argv.join(' ')} failed on ${target.describe().name} (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
  }
  return result;
}
