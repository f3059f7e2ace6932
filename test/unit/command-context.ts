import { silentProgress } from '../../src/core/progress.js';
import type { CommandContext, OutputFormat } from '../../src/cli/context.js';

/** A quiet CommandContext for calling a command's run() directly, with what it printed. */
export function commandContext(profile: string, format: OutputFormat = 'text'): { ctx: CommandContext; output: () => string } {
  let text = '';
  const ctx: CommandContext = {
    options: { profile, format, sudo: false, acceptNewHostKey: false, quiet: true, verbose: false, wait: true, color: false },
    progress: silentProgress(),
    out: (chunk) => {
      text += chunk;
    },
    signal: new AbortController().signal,
    interactive: false,
  };
  return { ctx, output: () => text };
}
