import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `devenv facts | head`: when the reader goes away before devenv writes, devenv ends
 * quietly (exit 0, nothing on stderr) instead of crashing on EPIPE with a stack.
 * Needs `npm run build` (npm test does it); required under CI.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/devenv.js', import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL('../../../dist/bundle/devenv.cjs', import.meta.url)));

describe.runIf(BUILT || process.env.CI)('a closed stdout (built CLI)', () => {
  it('ends devenv quietly, without a stack', async () => {
    // Facter's facts converted to devenv's: a document written after the reader is gone.
    const child = spawn(process.execPath, [BIN, 'facts', '--target', 'test/fixtures/facts/facter.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(code).toBe(0);
  });
});
