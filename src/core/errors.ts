/**
 * Typed errors. Everything below the CLI entry throws one of these; the entry
 * point renders it once (one line, optional hint) and exits with its code.
 */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  unavailable: 3,
  failed: 4,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface DevenvErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class DevenvError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: DevenvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Bad command line: unknown flag value, missing argument. Exit 2. */
export class UsageError extends DevenvError {
  constructor(message: string, options?: DevenvErrorOptions) {
    super('usage', ExitCode.usage, message, options);
  }
}

/** A position in a source file, 1-based, as editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A profile, manifest or box definition is wrong. Exit 2, always with file:line:column. */
export class ConfigError extends DevenvError {
  readonly position: SourcePosition;
  readonly fieldPath: string;
  constructor(position: SourcePosition, fieldPath: string, detail: string, options?: DevenvErrorOptions) {
    const where = `${position.file}:${position.line}:${position.column}`;
    const field = fieldPath ? ` ${fieldPath}:` : '';
    super('config', ExitCode.usage, `${where}:${field} ${detail}`, options);
    this.position = position;
    this.fieldPath = fieldPath;
  }
}

/** An engine or a tool is missing or unreachable (Docker, vagrant, debootstrap, ssh). Exit 3. */
export class UnavailableError extends DevenvError {
  constructor(message: string, options?: DevenvErrorOptions) {
    super('unavailable', ExitCode.unavailable, message, options);
  }
}

/** An operation was attempted and failed: boot, apply, ssh, build. Exit 4. */
export class OperationError extends DevenvError {
  constructor(message: string, options?: DevenvErrorOptions) {
    super('operation-failed', ExitCode.failed, message, options);
  }
}

/** The user pressed Ctrl-C (or the process got SIGTERM). Exit 130. */
export class InterruptedError extends DevenvError {
  constructor(message = 'interrupted', options?: DevenvErrorOptions) {
    super('interrupted', ExitCode.interrupted, message, options);
  }
}

/** A bug in devenv. Rendered with its stack under --verbose. Exit 4. */
export class InternalError extends DevenvError {
  constructor(message: string, options?: DevenvErrorOptions) {
    super('internal', ExitCode.failed, message, options);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
