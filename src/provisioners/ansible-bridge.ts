import { createServer, type Server, type Socket } from 'node:net';
import type { Target } from '../targets/target.js';

/**
 * The devenv side of the `devenv` Ansible connection: a Unix socket (in a
 * folder only this user reads) that takes one JSON request a connection —
 * exec, put, fetch — and does it through the environment's Target.
 */
export interface AnsibleBridge {
  socket: string;
  close(): Promise<void>;
}

interface Request {
  op: 'exec' | 'put' | 'fetch';
  argv?: string[];
  stdin?: string | null;
  path?: string;
  content?: string;
}

const MAX_REQUEST = 512 * 1024 * 1024;

export async function startAnsibleBridge(target: Target, socket: string): Promise<AnsibleBridge> {
  const server: Server = createServer((connection) => serve(target, connection));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function serve(target: Target, connection: Socket): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let handled = false;
  connection.on('data', (chunk: Buffer) => {
    if (handled) return;
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_REQUEST) {
      handled = true;
      connection.end(JSON.stringify({ error: 'request too large' }));
      return;
    }
    if (!chunk.includes(0x0a)) return;
    handled = true;
    const line = Buffer.concat(chunks).toString('utf8');
    answer(target, line.slice(0, line.indexOf('\n')))
      .catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }))
      .then((reply) => connection.end(JSON.stringify(reply)));
  });
  connection.on('error', () => undefined);
}

async function answer(target: Target, line: string): Promise<Record<string, unknown>> {
  const request = JSON.parse(line) as Request;
  const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  switch (request.op) {
    case 'exec': {
      if (!Array.isArray(request.argv) || request.argv.length === 0) throw new Error('exec needs a command');
      const stdin = request.stdin ? Buffer.from(request.stdin, 'base64') : undefined;
      const result = await target.exec(request.argv, { ...(stdin ? { stdin } : {}), timeout: 3_600_000 });
      return { rc: result.exitCode, stdout: bytes(result.stdout), stderr: bytes(result.stderr) };
    }
    case 'put': {
      if (!request.path?.startsWith('/')) throw new Error(`put needs an absolute path, got ${JSON.stringify(request.path)}`);
      await target.copy(Buffer.from(request.content ?? '', 'base64'), request.path, { mode: '0600' });
      return { ok: true };
    }
    case 'fetch': {
      if (!request.path?.startsWith('/')) throw new Error(`fetch needs an absolute path, got ${JSON.stringify(request.path)}`);
      // base64 in the environment: the target's output is text.
      const result = await target.exec(['base64', '-w0', '--', request.path]);
      if (result.exitCode !== 0) throw new Error(`could not read ${request.path}: ${result.stderr.trim()}`);
      return { content: result.stdout.trim() };
    }
    default:
      throw new Error(`unknown request ${JSON.stringify((request as { op?: unknown }).op)}`);
  }
}
