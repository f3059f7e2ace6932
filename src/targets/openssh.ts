import { execa } from 'execa';
import { OperationError, UnavailableError } from '../core/errors.js';
import type { ExecOptions, ExecResult } from './target.js';

/**
 * The one OpenSSH transport: runs the system's `ssh` with the arguments a
 * target built (SshTarget: a host from ~/.ssh/config; VagrantTarget: the file
 * `vagrant ssh-config` wrote) and turns ssh's ways of failing into devenv's
 * errors, the same for both: no client (exit 3), a connection that failed
 * (ssh's own exit 255), sudo that wants a password, a timeout (exit 124 as data).
 * What differs between the targets is configuration: names and hints.
 */
export interface OpenSshTransport {
  /** The ssh binary (default `ssh` from PATH). */
  sshCommand?: string;
  /** Who is reached, for messages: ops@web1, the Vagrant machine's name. */
  name: string;
  /** What to say when there is no ssh client. */
  missingClient: { message: string; hint: string };
  /** The hint when ssh itself failed (exit 255), from what it printed. */
  unreachableHint: (stderr: string) => string;
  /** The hint when sudo -n wants a password. */
  sudoHint: string;
}

/** The last meaningful line ssh printed, e.g. "Permission denied (publickey)." */
export function sshReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Warning: Permanently added|@@@|Pseudo-terminal)/.test(l));
  return (lines[lines.length - 1] ?? 'the connection failed').slice(0, 300);
}

/** Runs `ssh ARGS` (destination and remote command included) with stdin; a remote command's non-zero exit is data. */
export async function execOverOpenSsh(
  transport: OpenSshTransport,
  args: readonly string[],
  options: Pick<ExecOptions, 'stdin' | 'timeout'> = {},
): Promise<ExecResult> {
  let result;
  try {
    result = await execa(transport.sshCommand ?? 'ssh', args, {
      input: options.stdin ?? '',
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      ...(options.timeout ? { timeout: options.timeout } : {}),
    });
  } catch (error) {
    throw new OperationError(`could not start ssh: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (result.failed && (result.code === 'ENOENT' || /ENOENT/.test(String(result.message)))) {
    throw new UnavailableError(transport.missingClient.message, { hint: transport.missingClient.hint });
  }
  if (result.timedOut) {
    return { exitCode: 124, stdout: result.stdout, stderr: `${result.stderr}\ntimed out after ${options.timeout} ms` };
  }
  if (result.exitCode === 255) {
    throw new OperationError(`ssh to ${transport.name} failed: ${sshReason(result.stderr)}`, { hint: transport.unreachableHint(result.stderr) });
  }
  if (result.exitCode === 1 && /^sudo: (a password is required|a terminal is required)/m.test(result.stderr)) {
    throw new OperationError(`sudo on ${transport.name} needs a password; devenv only uses non-interactive sudo -n`, { hint: transport.sudoHint });
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
