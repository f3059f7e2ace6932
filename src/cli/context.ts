import type { Progress } from '../core/progress.js';

export type OutputFormat = 'text' | 'json' | 'junit' | 'markdown';

/** Options every command accepts (DESIGN.md "CLI contract"). */
export interface GlobalOptions {
  /** -p/--profile FILE as given; undefined means devenv.yaml in the working directory. */
  profile?: string;
  /** -e/--environment NAME: the profile's `environments:` overlay to apply. */
  environment?: string;
  format: OutputFormat;
  identity?: string;
  sudo: boolean;
  acceptNewHostKey: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-wait: a command that finds the environment in use exits 3 instead of waiting. */
  wait: boolean;
  color: boolean;
}

/**
 * What a command gets besides its own arguments. Commands are plain
 * `run(args, ctx) → exit code` functions so tests can call them directly;
 * they throw DevenvError for failures and the entry point renders it.
 */
export interface CommandContext {
  options: GlobalOptions;
  progress: Progress;
  /** Writes the command's result (text, or one JSON document) to stdout. */
  out: (text: string) => void;
  /** Aborted on Ctrl-C / SIGTERM; long work checks it and cleans up. */
  signal: AbortSignal;
  /** True when stdin and stdout are a terminal (prompts, confirmations). */
  interactive: boolean;
}

export function writeJson(ctx: CommandContext, document: { schema: string } & Record<string, unknown>): void {
  ctx.out(`${JSON.stringify(document, null, 2)}\n`);
}
