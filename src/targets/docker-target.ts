import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { OperationError } from '../core/errors.js';
import { copyViaExec } from './copy-via-exec.js';
import type { CopyOptions, ExecOptions, ExecResult, Target, TargetDescription } from './target.js';

/** DEVENV_TRACE=1 prints every command with its duration on stderr: where a slow run spends its time. */
const TRACE = process.env.DEVENV_TRACE === '1';

/** A running container reached through the Engine API (no `docker` CLI, no sshd needed). */
export class DockerTarget implements Target {
  constructor(
    private readonly docker: Dockerode,
    private readonly containerId: string,
    private readonly name: string,
  ) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!TRACE) return this.execUntraced(argv, options);
    const started = performance.now();
    const result = await this.execUntraced(argv, options);
    process.stderr.write(
      `[trace] ${(performance.now() - started).toFixed(0).padStart(6)} ms  exit ${result.exitCode}  ${argv.slice(0, 4).join(' ').slice(0, 100)}\n`,
    );
    return result;
  }

  private async execUntraced(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    if (argv.length === 0) throw new OperationError('exec needs a command');
    const container = this.docker.getContainer(this.containerId);
    const hasStdin = options.stdin !== undefined;
    const exec = await container.exec({
      Cmd: [...argv],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: hasStdin,
      User: options.user ?? 'root',
      Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: options.cwd,
    });
    const stream = await exec.start({ hijack: true, stdin: hasStdin });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (chunk: Buffer) => stdout.push(chunk));
    err.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.docker.modem.demuxStream(stream, out, err);

    const finished = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    if (hasStdin) {
      stream.write(options.stdin);
      // Half-close so the command sees end of input.
      (stream as unknown as { end(): void }).end();
    }
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = options.timeout
      ? new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            timedOut = true;
            stream.destroy();
            resolve();
          }, options.timeout);
        })
      : undefined;
    await (timeout ? Promise.race([finished, timeout]) : finished);
    if (timer) clearTimeout(timer);
    const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
    if (timedOut) return { exitCode: 124, stdout: text(stdout), stderr: `${text(stderr)}\ntimed out after ${options.timeout} ms` };
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: text(stdout), stderr: text(stderr) };
  }

  copy(content: string | Buffer, path: string, options?: CopyOptions): Promise<void> {
    return copyViaExec((argv, o) => this.exec(argv, o), this.name, content, path, options);
  }

  describe(): TargetDescription {
    return { kind: 'docker', name: this.name, container: true };
  }

  async close(): Promise<void> {
    // The Engine API needs no connection teardown.
  }
}
