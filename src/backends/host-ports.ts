import { createServer } from 'node:net';
import { configErrorAt } from '../profile/yaml-source.js';
import type { BackendProfile } from './backend.js';

/**
 * Before a new environment is created: every host port the profile forwards must
 * be free on this machine, or the engine fails halfway ("port is already
 * allocated") after the box was prepared. Named at the profile's line, exit 2.
 * Only for an engine on this machine: a remote engine binds its own host's ports.
 */
export async function checkHostPortsFree(profile: BackendProfile): Promise<void> {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== '' && !dockerHost.startsWith('unix://')) return;
  for (const [index, port] of profile.data.ports.entries()) {
    if (port.protocol !== 'tcp') continue;
    const problem = await bindProblem(port.hostIp, port.hostPort);
    if (problem) {
      throw configErrorAt(
        profile.source,
        ['ports', index],
        `host port ${port.hostIp}:${port.hostPort} is already in use on this machine (${problem}): stop what holds it, or forward another port`,
      );
    }
  }
}

/** Tries to listen there for an instant: EADDRINUSE means someone else has it. */
function bindProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      // An address this machine does not have (EADDRNOTAVAIL) or may not bind (EACCES) is the engine's to judge.
      resolve(error.code === 'EADDRINUSE' ? 'another program or environment listens there' : undefined);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
