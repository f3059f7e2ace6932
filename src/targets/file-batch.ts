import { lastLines } from '../core/last-lines.js';
import type { ExecResult, Target } from './target.js';

/** One change to one path, in the order the fields are applied: write, remove, folder, link, owner, group, mode. */
export interface FileChange {
  path: string;
  /** Content (to a temp file with this mode and owner, then renamed into place). */
  write?: { content: string | Buffer; mode: string; owner?: string; group?: string };
  remove?: 'file' | 'tree';
  mkdir?: boolean;
  link?: string;
  chown?: string;
  chgrp?: string;
  chmod?: string;
}

/**
 * Several file operations in one round trip, through any target's exec. A cold apply
 * writes a dozen files and folders in a row, and each exec costs ~50 ms of engine time
 * whatever it does. `Target.copy` is a batch of one.
 *
 * The operations run in order, each exactly as one operation alone does (content to
 * a temp file with its mode and owner, then renamed; then removal, folder, link,
 * owner, group, mode), and the first failure stops the batch: the caller reports it
 * and goes on one by one, so a failure still fails alone. Contents travel on stdin,
 * one after another (`head -c` reads exactly its size), never as arguments: a secret
 * must not show in `ps` or in the engine's exec records. Every other value is a
 * positional parameter, never part of the script.
 */

/** One operation, run as its own `sh` so that `set -e` holds (a shell ignores it inside `if`). */
export const FILE_OPERATION_IN_BATCH = `set -e
p=$1; rm=$2; mk=$3; ln=$4; co=$5; cg=$6; cm=$7; size=$8; wm=$9; shift 9; wo=$1; wg=$2
if [ "$size" -ge 0 ]; then
  tmp="$p.devenv-tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  umask 077
  head -c "$size" > "$tmp"
  [ "$(wc -c < "$tmp")" -eq "$size" ] || { echo "short content for $p" >&2; exit 1; }
  chmod "\${wm:-0644}" "$tmp"
  if [ -n "$wo" ]; then chown "$wo" "$tmp"; fi
  if [ -n "$wg" ]; then chgrp "$wg" "$tmp"; fi
  mv -f "$tmp" "$p"
  trap - EXIT
fi
case "$rm" in file) rm -f -- "$p" ;; tree) rm -rf -- "$p" ;; esac
if [ "$mk" = mkdir ]; then mkdir -p -- "$p"; fi
if [ -n "$ln" ]; then ln -sfn -- "$ln" "$p"; fi
if [ -n "$co" ]; then chown -- "$co" "$p"; fi
if [ -n "$cg" ]; then chgrp -- "$cg" "$p"; fi
if [ -n "$cm" ]; then chmod -- "$cm" "$p"; fi`;

/** The loop: "$1" is the operation's script, then its fields for each operation; stdin is shared, in order. */
export const FILE_BATCH_SCRIPT = `op=$1; shift; i=0
while [ "$#" -ge 11 ]; do
  if ! sh -c "$op" devenv-file "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "\${10}" "\${11}"; then echo "$i"; exit 3; fi
  shift 11; i=$((i + 1))
done`;

/** Fields per operation in FILE_BATCH_SCRIPT's arguments (the 11 of its loop). */
export const FILE_BATCH_FIELDS = 11;

/** Keeps the command line short (11 arguments each); a longer run of files takes several batches. */
export const FILE_BATCH_MAX_OPERATIONS = 64;

export function fileBatchArgs(op: FileChange): string[] {
  const size = op.write ? String(Buffer.byteLength(op.write.content)) : '-1';
  return [
    op.path,
    op.remove ?? '',
    op.mkdir ? 'mkdir' : '',
    op.link ?? '',
    op.chown ?? '',
    op.chgrp ?? '',
    op.chmod ?? '',
    size,
    op.write?.mode ?? '',
    op.write?.owner ?? '',
    op.write?.group ?? '',
  ];
}

export function fileBatchArgv(ops: readonly FileChange[]): string[] {
  return ['sh', '-c', FILE_BATCH_SCRIPT, 'devenv-files', FILE_OPERATION_IN_BATCH, ...ops.flatMap(fileBatchArgs)];
}

export type FileBatchResult = { done: number; failed?: { index: number; error: string } };

/** What a batch's exec result means: how many operations succeeded, and which one failed with what. */
export function parseFileBatchResult(result: ExecResult, count: number): FileBatchResult {
  if (result.exitCode === 0) return { done: count };
  const index = result.exitCode === 3 ? Number.parseInt(result.stdout.trim().split('\n').pop() ?? '', 10) : Number.NaN;
  const error = lastLines(result.stderr.trim() || result.stdout.trim() || `exit ${result.exitCode}`);
  // Anything else (the shell itself failed) fails the first operation: the rest are retried one by one.
  if (!Number.isInteger(index) || index < 0 || index >= count) return { done: 0, failed: { index: 0, error } };
  return { done: index, failed: { index, error } };
}

export async function runFileBatch(target: Pick<Target, 'exec'>, ops: readonly FileChange[]): Promise<FileBatchResult> {
  const contents = ops.flatMap((op) => (op.write ? [op.write.content] : []));
  const stdin = Buffer.concat(contents.map((content) => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content)));
  const result = await target.exec(fileBatchArgv(ops), { stdin, user: 'root' });
  return parseFileBatchResult(result, ops.length);
}
