import { Agent } from 'node:http';
import Dockerode from 'dockerode';
import { UnavailableError } from '../../core/errors.js';

/** Labels on everything devenv creates, so it can find (and clean) its own things again. */
export const LABEL = {
  managed: 'devenv.managed',
  project: 'devenv.project',
  profile: 'devenv.profile',
  inputs: 'devenv.inputs',
  box: 'devenv.box',
  boxHash: 'devenv.box.hash',
  test: 'devenv.test',
} as const;

let cached: Promise<Dockerode> | undefined;

/**
 * Connects to the Docker Engine (socket, or DOCKER_HOST) and checks it answers.
 * Unreachable → exit 3 with what to do.
 */
export function connectDocker(): Promise<Dockerode> {
  cached ??= (async () => {
    const docker = new Dockerode();
    // Over a unix socket there is no TLS server name to work out: without one, Node
    // tests the host for an IP address at the first request, and compiling its IPv6
    // pattern costs ~5 ms of every command. TCP and TLS engines keep the default.
    // (socketPath is a path, or a function that finds the default socket.)
    const modem = docker.modem as { socketPath?: unknown; agent?: unknown };
    if (modem.socketPath !== undefined && modem.agent === undefined) modem.agent = new Agent({ servername: '' } as object);
    try {
      await withTimeout(docker.ping(), 5000);
    } catch (error) {
      cached = undefined;
      const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
      throw new UnavailableError(`the Docker engine is not reachable at ${where}`, {
        hint: 'start it (`sudo systemctl start docker`, or `sudo dockerd &` where there is no systemd), or point DOCKER_HOST at a running engine; `devenv doctor` checks the setup',
        cause: error,
      });
    }
    return docker;
  })();
  return cached;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** True when dockerode reports a 404 (no such container/image). */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}
