import { OperationError } from '../core/errors.js';
import type { CopyOptions, ExecResult, ExecOptions } from './target.js';

type Exec = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * Writes a file through any target's exec: content on stdin, a temp file in the
 * same folder, mode and owner set, then an atomic rename. Values travel as
 * positional parameters ("$1"…), never spliced into the script.
 */
export async function copyViaExec(exec: Exec, name: string, content: string | Buffer, path: string, options: CopyOptions = {}): Promise<void> {
  if (!path.startsWith('/')) throw new OperationError(`cannot copy to a relative path: ${path}`);
  const script = [
    'set -e',
    'tmp="$1.devenv-tmp.$$"',
    'trap \'rm -f "$tmp"\' EXIT',
    'umask 077',
    'cat > "$tmp"',
    'if [ -n "$2" ]; then chmod "$2" "$tmp"; else chmod 0644 "$tmp"; fi',
    'if [ -n "$3" ]; then chown "$3" "$tmp"; fi',
    'if [ -n "$4" ]; then chgrp "$4" "$tmp"; fi',
    'mv -f "$tmp" "$1"',
    'trap - EXIT',
  ].join('\n');
  const result = await exec(['sh', '-c', script, 'devenv-copy', path, options.mode ?? '', options.owner ?? '', options.group ?? ''], {
    stdin: content,
    user: 'root',
  });
  if (result.exitCode !== 0) {
    throw new OperationError(`could not write ${path} on ${name}: ${(result.stderr || result.stdout).trim().split('\n').pop() ?? ''}`);
  }
}
