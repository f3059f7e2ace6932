import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 16: no file in src/ is over about 300 lines without its opening comment
 * saying why it is one file. Split along a natural seam, or open the file with
 * "// One file over 300 lines on purpose: <why>".
 */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const LIMIT = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('file size', () => {
  it('every src file over 300 lines says in its opening comment why it is one file', () => {
    const unexplained = sourceFiles(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      return lines > LIMIT && !text.startsWith('// One file over 300 lines on purpose: ') ? [`${relative(SRC, file)} (${lines} lines)`] : [];
    });
    expect(unexplained).toEqual([]);
  });
});
