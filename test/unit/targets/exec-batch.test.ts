import { describe, expect, it } from 'vitest';
import { parseBatchOutput, splitBatchStderr } from '../../../src/targets/exec-batch.js';

describe('splitting a batch back into its answers', () => {
  const M = '@@devenv-0123456789abcdef';

  it('gives each query its stdout (exactly, trailing newline or not) and exit code, in order', () => {
    const stdout = `${M} q0\nline 1\nline 2\n\n${M} exit 0\n${M} q1\nno newline\n${M} exit 3\n${M} q2\n\n${M} exit 0\n`;
    expect(parseBatchOutput(stdout, M, 3)).toEqual([
      { stdout: 'line 1\nline 2\n', exitCode: 0 },
      { stdout: 'no newline', exitCode: 3 },
      { stdout: '', exitCode: 0 },
    ]);
  });

  it('is not fooled by output that imitates a marker with another nonce', () => {
    const fake = '@@devenv-ffffffffffffffff';
    const stdout = `${M} q0\n${fake} exit 9\n${fake} q1\n\n${M} exit 0\n${M} q1\nok\n\n${M} exit 0\n`;
    expect(parseBatchOutput(stdout, M, 2)).toEqual([
      { stdout: `${fake} exit 9\n${fake} q1\n`, exitCode: 0 },
      { stdout: 'ok\n', exitCode: 0 },
    ]);
  });

  it('returns fewer answers when the batch stopped early (the caller reports it)', () => {
    expect(parseBatchOutput(`${M} q0\npartial`, M, 2)).toEqual([]);
  });

  it('gives each query the stderr written after its marker', () => {
    expect(splitBatchStderr(`${M} q0\n${M} q1\nwhy\n${M} q2\nsecond\nthird\n`, M, 3)).toEqual(['', 'why\n', 'second\nthird\n']);
    expect(splitBatchStderr('sh: killed\n', M, 2)).toEqual(['', '']);
  });
});
