import { OperationError } from '../core/errors.js';
import { shellJoin } from '../core/shell-quote.js';
import type { ExecOptions } from './target.js';

/**
 * The one string an SSH server's shell runs for an argv: environment and working
 * folder wrapped around it as further argv, `sudo -n` when another user must run
 * it, and every value quoted by shellJoin — never spliced into a script.
 */
export function remoteCommandLine(argv: readonly string[], options: Pick<ExecOptions, 'env' | 'cwd'>, runAs: string | undefined): string {
  let command = [...argv];
  if (options.env && Object.keys(options.env).length > 0) {
    const assignments = Object.entries(options.env).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new OperationError(`not an environment variable name: ${JSON.stringify(k)}`);
      return `${k}=${v}`;
    });
    command = ['env', ...assignments, ...command];
  }
  if (options.cwd) command = ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'devenv-cd', options.cwd, ...command];
  if (runAs !== undefined) command = runAs === 'root' ? ['sudo', '-n', '--', ...command] : ['sudo', '-n', '-H', '-u', runAs, '--', ...command];
  return shellJoin(command);
}
