import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';

/** The built CLI, run as a user runs it (npm test builds dist/ first). */
export const CLI = fileURLToPath(new URL('../../bin/devenv.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function devenv(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeout?: number } = {},
): Promise<CliResult> {
  const result: Result = await execa('node', [CLI, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    input: options.input ?? '',
    reject: false,
    stripFinalNewline: false,
    timeout: options.timeout ?? 600_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
