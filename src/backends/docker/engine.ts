import { Agent } from 'node:http';
import Dockerode from 'dockerode';
import { UnavailableError, UsageError } from '../../core/errors.js';
import type { EnvironmentState } from '../backend.js';
import {
  engineFacts,
  systemdContainerSpec,
  type EngineFacts,
  type EngineInfoDocument,
  type EngineVersionDocument,
  type SystemdContainerSpec,
  type SystemdMode,
} from './systemd-container-spec.js';

export { LABEL } from '../../core/labels.js';

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

const facts = new WeakMap<Dockerode, Promise<EngineFacts>>();

/** The engine's kind, version and cgroup setup (two requests, once per process). */
export function engineFactsOf(docker: Dockerode): Promise<EngineFacts> {
  let known = facts.get(docker);
  if (!known) {
    known = Promise.all([docker.info(), docker.version()]).then(([info, version]) =>
      engineFacts(info as EngineInfoDocument, version as unknown as EngineVersionDocument),
    );
    facts.set(docker, known);
  }
  return known;
}

/**
 * The create options that boot systemd on this engine; an engine where no mode
 * can is exit 3 with the one-line fix, before anything is created.
 */
export async function systemdSpecFor(docker: Dockerode, forced = process.env.DEVENV_SYSTEMD_MODE): Promise<SystemdContainerSpec> {
  const engine = await engineFactsOf(docker);
  if (forced) return forcedSpec(engine, forced);
  const decision = systemdContainerSpec(engine);
  if (!decision.supported) throw new UnavailableError(`systemd cannot boot in a container on this engine: ${decision.why}`, { hint: decision.fix });
  return decision;
}

/** What each mode is chosen for: DEVENV_SYSTEMD_MODE takes a mode whatever the engine says (a workaround, and tests). */
const MODE_ENGINES: Record<SystemdMode, Partial<EngineFacts>> = {
  'cgroup-v1': { product: 'docker', cgroupVersion: 1, rootless: false, apiVersion: '1.41' },
  'cgroup-v2-host': { product: 'docker', cgroupVersion: 2, rootless: false, apiVersion: '1.41' },
  'cgroup-v2-writable': { product: 'docker', cgroupVersion: 2, rootless: false, apiVersion: '1.48' },
  rootless: { product: 'docker', cgroupVersion: 2, rootless: true, apiVersion: '1.41' },
  podman: { product: 'podman', cgroupVersion: 2, rootless: false },
};

function forcedSpec(engine: EngineFacts, mode: string): SystemdContainerSpec {
  const patch = MODE_ENGINES[mode as SystemdMode];
  if (!patch) throw new UsageError(`DEVENV_SYSTEMD_MODE=${mode} is not a mode; known: ${Object.keys(MODE_ENGINES).join(', ')}`);
  const decision = systemdContainerSpec({ ...engine, ...patch });
  if (!decision.supported) throw new UsageError(`DEVENV_SYSTEMD_MODE=${mode} cannot be used: ${decision.why}`);
  return { ...decision, why: `forced by DEVENV_SYSTEMD_MODE=${mode} (the engine is ${engine.product} ${engine.version} on cgroup v${engine.cgroupVersion})` };
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
/** A container's state as devenv names it. */
export function containerState(state: Dockerode.ContainerInspectInfo['State']): EnvironmentState {
  if (state.Running) return 'running';
  return state.Status === 'created' ? 'created' : state.Status === 'exited' ? 'stopped' : 'unknown';
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}
