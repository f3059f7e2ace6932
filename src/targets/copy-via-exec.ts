import { OperationError } from '../core/errors.js';
import { runFileBatch } from './file-batch.js';
import type { CopyOptions, ExecResult, ExecOptions } from './target.js';

type Exec = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * Writes a file through any target's exec: content on stdin, a temp file in the
 * same folder, mode and owner set, then an atomic rename. The same script as every
 * file the manifests write (a batch of one), values as positional parameters.
 */
export async function copyViaExec(exec: Exec, name: string, content: string | Buffer, path: string, options: CopyOptions = {}): Promise<void> {
  if (!path.startsWith('/')) throw new OperationError(`cannot copy to a relative path: ${path}`);
  const write = {
    content,
    mode: options.mode ?? '0644',
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
    ...(options.group !== undefined ? { group: options.group } : {}),
  };
  const { failed } = await runFileBatch({ exec }, [{ path, write }]);
  if (failed) throw new OperationError(`could not write ${path} on ${name}: ${failed.error.split('\n').pop() ?? ''}`);
}
