/**
 * A unified diff between two texts (what `diff -u` prints), for plan output.
 * Longest-common-subsequence on lines; configuration files are small, and a
 * size cap keeps a huge file from costing quadratic time.
 */
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

export function unifiedDiff(before: string, after: string, options: { fromLabel: string; toLabel: string; context?: number }): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length * b.length > MAX_CELLS) {
    return `--- ${options.fromLabel}\n+++ ${options.toLabel}\n@@ too large to diff: ${a.length} → ${b.length} lines @@\n`;
  }
  const ops = lineOps(a, b);
  const context = options.context ?? 3;
  const hunks = groupHunks(ops, context);
  const header = `--- ${options.fromLabel}\n+++ ${options.toLabel}\n`;
  const noNewline = (text: string): boolean => text.length > 0 && !text.endsWith('\n');
  let out = header;
  for (const hunk of hunks) {
    out += `@@ -${range(hunk.aStart, hunk.aCount)} +${range(hunk.bStart, hunk.bCount)} @@\n`;
    for (const op of hunk.ops) out += `${op.kind}${op.line}\n`;
  }
  if (noNewline(before) !== noNewline(after)) out += '\\ newline at end of file differs\n';
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function lineOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], stored flat.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! });
    } else {
      ops.push({ kind: '+', line: b[j++]! });
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! });
  while (j < m) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

interface Hunk {
  aStart: number;
  aCount: number;
  bStart: number;
  bCount: number;
  ops: Op[];
}

function groupHunks(ops: readonly Op[], context: number): Hunk[] {
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < changed.length) {
    let start = Math.max(0, changed[k]! - context);
    let end = Math.min(ops.length, changed[k]! + context + 1);
    k++;
    while (k < changed.length && changed[k]! - context <= end) {
      end = Math.min(ops.length, changed[k]! + context + 1);
      k++;
    }
    let aLine = 1;
    let bLine = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]!.kind !== '+') aLine++;
      if (ops[x]!.kind !== '-') bLine++;
    }
    const slice = ops.slice(start, end);
    const aCount = slice.filter((op) => op.kind !== '+').length;
    const bCount = slice.filter((op) => op.kind !== '-').length;
    hunks.push({ aStart: aCount === 0 ? aLine - 1 : aLine, aCount, bStart: bCount === 0 ? bLine - 1 : bLine, bCount, ops: slice });
    start = end;
  }
  return hunks;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
