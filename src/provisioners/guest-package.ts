import { OperationError } from '../core/errors.js';
import { lastLines } from '../core/last-lines.js';
import type { Target } from '../targets/target.js';

/**
 * The one package a provisioner needs in the environment (Puppet's agent,
 * Ansible's Python), installed when missing, at an exact version when one is
 * named: with plain apt-get, as production installed it (none of the unsafe
 * dpkg speed-ups devenv's own package transactions may use).
 */
export async function installedVersion(target: Target, name: string): Promise<string | undefined> {
  const query = await target.exec(['dpkg-query', '-W', '-f=${db:Status-Status} ${Version}', name]);
  const [status, version] = query.stdout.trim().split(' ');
  return query.exitCode === 0 && status === 'installed' ? version : undefined;
}

export async function ensureGuestPackage(
  target: Target,
  name: string,
  options: { version?: string; installRecommends: boolean },
): Promise<'present' | 'installed'> {
  const have = await installedVersion(target, name);
  if (have !== undefined && (options.version === undefined || have === options.version)) return 'present';
  const spec = options.version ? `${name}=${options.version}` : name;
  // Values as positional parameters: no shell string is built from profile values.
  const script = 'set -e; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades "$@"';
  const argv = ['sh', '-c', script, 'install', ...(options.installRecommends ? [] : ['--no-install-recommends']), spec];
  const result = await target.exec(argv, { timeout: 900_000 });
  if (result.exitCode !== 0) {
    throw new OperationError(`could not install ${spec} in ${target.describe().name}: ${lastLines(result.stderr || result.stdout)}`, {
      hint: options.version
        ? `check that the mirror has ${name} ${options.version} (apt-cache policy ${name})`
        : 'check the environment reaches its Debian mirror',
    });
  }
  return 'installed';
}
