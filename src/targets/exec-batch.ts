import { randomBytes } from 'node:crypto';
import { OperationError } from '../core/errors.js';
import type { Target } from './target.js';
import { lastLines } from '../core/last-lines.js';

/**
 * One read-only query of a batch: a fixed POSIX sh script that reads its
 * values from "$@", as if run alone with `sh -c SCRIPT name ARGS…`.
 */
export interface BatchQuery {
  script: string;
  args?: readonly string[];
}

export interface BatchAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs several queries in one command on the target and splits the output back.
 *
 * Why: every command on a target costs a round trip (a container exec is ~45 ms,
 * and the engine serializes concurrent ones; over SSH it is a network round trip),
 * while the queries themselves take a few milliseconds. The values still travel
 * as positional arguments only, never inside the script text: each query runs in
 * a subshell as a function of its own slice of "$@". The queries run side by side
 * (they only read); their outputs come back in order.
 */
export async function execBatch<K extends string>(
  target: Target,
  queries: Partial<Record<K, BatchQuery>>,
  options: { user?: string } = {},
): Promise<Partial<Record<K, BatchAnswer>>> {
  const names = (Object.keys(queries) as K[]).filter((name) => queries[name] !== undefined);
  if (names.length === 0) return {};
  // A fresh marker per run: no query's output can contain it by accident.
  const marker = `@@devenv-${randomBytes(8).toString('hex')}`;
  const functions = names.map((_, index) => `q${index}() {\n${queries[names[index]!]!.script}\n}`).join('\n');
  const calls = names.map((_, index) => `q${index}`).join(' ');
  const script = `${functions}
marker=$1; shift
# Runs function $1 on the first $2 of the remaining arguments.
slice_call() {
  f=$1; n=$2; shift 2; total=$#; i=0
  for a in "$@"; do i=$((i+1)); [ "$i" -le "$n" ] && set -- "$@" "$a"; done
  shift "$total"
  "$f" "$@"
}
# The queries run side by side, each into its own files, framed by the markers;
# then two cats print them in order.
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
for f in ${calls}; do
  n=$1; shift
  (
    printf '%s %s\\n' "$marker" "$f" >"$dir/$f.out"; printf '%s %s\\n' "$marker" "$f" >"$dir/$f.err"
    (slice_call "$f" "$n" "$@") >>"$dir/$f.out" 2>>"$dir/$f.err"
    printf '\\n%s exit %s\\n' "$marker" "$?" >>"$dir/$f.out"
  ) </dev/null &
  shift "$n"
done
wait
set --
for f in ${calls}; do set -- "$@" "$dir/$f"; done
for p in "$@"; do set -- "$@" "$p.out"; done; shift ${names.length}
cat -- "$@"
for p in "$@"; do set -- "$@" "\${p%.out}.err"; done; shift ${names.length}
cat -- "$@" >&2`;
  const args: string[] = [marker];
  for (const name of names) {
    const queryArgs = queries[name]!.args ?? [];
    args.push(String(queryArgs.length), ...queryArgs);
  }
  const result = await target.exec(['sh', '-c', script, 'devenv-batch', ...args], options.user ? { user: options.user } : {});
  const answers = parseBatchOutput(result.stdout, marker, names.length);
  const errors = splitBatchStderr(result.stderr, marker, names.length);
  if (answers.length !== names.length) {
    const detail = lastLines(result.stderr || result.stdout, { count: 1, max: Infinity });
    throw new OperationError(`reading the state of ${target.describe().name} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
  }
  return Object.fromEntries(names.map((name, index) => [name, { ...answers[index]!, stderr: errors[index] ?? '' }])) as Partial<Record<K, BatchAnswer>>;
}

/** Splits the batch's stdout into each query's stdout and exit code, in order. */
export function parseBatchOutput(stdout: string, marker: string, count: number): Omit<BatchAnswer, 'stderr'>[] {
  const answers: Omit<BatchAnswer, 'stderr'>[] = [];
  for (let index = 0; index < count; index++) {
    const header = `${marker} q${index}\n`;
    const start = stdout.indexOf(header);
    if (start < 0) break;
    const bodyStart = start + header.length;
    const footer = new RegExp(`\\n${marker} exit (\\d+)\\n`, 'g');
    footer.lastIndex = bodyStart;
    const end = footer.exec(stdout);
    if (!end) break;
    answers.push({ stdout: stdout.slice(bodyStart, end.index), exitCode: Number(end[1]) });
  }
  return answers;
}

/** Each query's stderr: what follows its marker line on stderr, up to the next one. */
export function splitBatchStderr(stderr: string, marker: string, count: number): string[] {
  const parts: string[] = [];
  for (let index = 0; index < count; index++) {
    const header = `${marker} q${index}\n`;
    const start = stderr.indexOf(header);
    if (start < 0) {
      parts.push('');
      continue;
    }
    const next = stderr.indexOf(`${marker} q${index + 1}\n`, start + header.length);
    parts.push(stderr.slice(start + header.length, next < 0 ? undefined : next));
  }
  return parts;
}
