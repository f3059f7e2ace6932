import { DevenvError, OperationError } from './errors.js';
import type { Ora } from 'ora';

/**
 * Progress and logs go to stderr, results to stdout. A spinner only on a TTY;
 * otherwise one plain line per finished step, with its time, so CI logs read well.
 */
export interface ProgressOptions {
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  stream?: NodeJS.WriteStream;
}

/** docker-modem says "(HTTP code 409) unexpected - container … is not running": keep the engine's own words. */
export function unforeseenMessage(error: unknown): string {
  const engine = (error as { json?: { message?: unknown } } | undefined)?.json?.message;
  const text = typeof engine === 'string' && engine ? engine : error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly interactive: boolean;
  private readonly color: boolean;
  private spinner: Ora | undefined;
  readonly quiet: boolean;
  readonly verbose: boolean;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.interactive = Boolean(this.stream.isTTY) && !this.quiet && process.env.CI === undefined;
    this.color = (options.color ?? true) && Boolean(this.stream.isTTY) && process.env.NO_COLOR === undefined;
  }

  /** Runs one named step, showing it while it runs and its duration when done. */
  async step<T>(title: string, run: (update: (detail: string) => void) => Promise<T>): Promise<T> {
    const started = performance.now();
    const update = (detail: string): void => {
      if (this.spinner) this.spinner.text = `${title} — ${detail}`;
      else if (this.verbose) this.line(`  ${detail}`);
    };
    if (this.interactive) {
      // Loaded only on a terminal: plain runs (CI, scripts, pipes) never pay for it.
      const { default: ora } = await import('ora');
      this.spinner = ora({ text: title, stream: this.stream, color: 'cyan' }).start();
    }
    try {
      const result = await run(update);
      this.finish('ok', title, started);
      return result;
    } catch (error) {
      this.finish('fail', title, started);
      // An error devenv did not foresee (an engine's HTTP 409/500, a library's throw)
      // becomes one line naming the step that failed; its stack stays for --verbose.
      if (error instanceof DevenvError) throw error;
      throw new OperationError(`${title} failed: ${unforeseenMessage(error)}`, { cause: error });
    }
  }

  info(message: string): void {
    if (!this.quiet) this.line(message);
  }

  debug(message: string): void {
    if (this.verbose) this.line(this.dim(message));
  }

  /** Lines that explain a failure: shown even with --quiet, before the error itself. */
  explain(text: string): void {
    for (const line of text.trimEnd().split('\n')) if (line) this.line(line);
  }

  warn(message: string): void {
    this.line(`${this.paint('33', 'warning:')} ${message}`);
  }

  private finish(outcome: 'ok' | 'fail', title: string, started: number): void {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const text = `${title} ${this.dim(`(${seconds}s)`)}`;
    if (this.spinner) {
      if (outcome === 'ok') this.spinner.succeed(text);
      else this.spinner.fail(text);
      this.spinner = undefined;
    } else if (!this.quiet || outcome === 'fail') {
      this.line(`${outcome === 'ok' ? this.paint('32', '✓') : this.paint('31', '✗')} ${text}`);
    }
  }

  private line(text: string): void {
    if (this.spinner) {
      this.spinner.clear();
      this.stream.write(`${text}\n`);
      this.spinner.render();
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  private dim(text: string): string {
    return this.paint('2', text);
  }

  private paint(code: string, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}

/** A Progress that says nothing: for library callers and tests. */
export function silentProgress(): Progress {
  return new Progress({ quiet: true });
}
