import { OperationError } from '../core/errors.js';
import { lastLines } from '../core/last-lines.js';
import type { ExecOptions, ExecResult, Target } from '../targets/target.js';
import type { Command, Operation } from './operation.js';

/** Runs one command on the target; a non-zero exit is an OperationError with its last lines. */
export async function must(target: Target, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const result = await target.exec(argv, options);
  if (result.exitCode !== 0) throw new OperationError(`${argv.join(' ')} exited ${result.exitCode}: ${tail(result)}`);
  return result;
}

/** The last lines of what a failed command said, stderr first. */
export function tail(result: ExecResult): string {
  return lastLines(result.stderr.trim() || result.stdout);
}

/** The `commands` operation (accounts, venvs): argv lists, run in order, the first failure stops. */
export function commandsOperation(argvs: string[][]): Extract<Operation, { kind: 'commands' }> {
  return { kind: 'commands', commands: argvs.map((argv) => ({ argv })) };
}

export async function runCommands(target: Target, operation: Operation | undefined): Promise<void> {
  if (operation?.kind !== 'commands') return;
  for (const command of operation.commands as Command[]) await must(target, command.argv, command.user ? { user: command.user } : {});
}
