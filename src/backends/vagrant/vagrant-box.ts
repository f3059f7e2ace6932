import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VAGRANT_USER_ID, VAGRANT_USER_RECIPE } from '../../box/vagrant-user.js';
import type Dockerode from 'dockerode';
import { buildBox, findBoxImage } from '../../box/build.js';
import type { BoxDefinition } from '../../box/definition.js';
import { InterruptedError, OperationError, UnavailableError } from '../../core/errors.js';
import { hashOf } from '../../core/hash.js';
import type { Progress } from '../../core/progress.js';
import { DockerTarget } from '../../targets/docker-target.js';
import { execOrThrow } from '../../targets/target.js';
import { LABEL } from '../docker/engine.js';

/** Bump when the recipe below changes the image. */
export const VAGRANT_BOX_RECIPE_VERSION = 3;
/** The uid and gid of the vagrant user in devenv's Vagrant images (docker provider). */
export { VAGRANT_USER_ID };

const KEY_DIRS = [
  '/usr/share/vagrant/keys',
  // Debian's package ships the gem here (vagrant-2.3.4/keys/vagrant.pub).
  '/usr/share/rubygems-integration/all/gems',
  // HashiCorp's package.
  '/opt/vagrant/embedded/gems/gems',
  '/opt/vagrant/embedded/gems/2.3.4/gems',
];

/**
 * Vagrant's well-known insecure public key, read from the installed vagrant
 * package (it is public by design; Vagrant replaces it with a fresh key pair at
 * the first `up`). Never downloaded.
 */
export async function vagrantInsecurePublicKey(dirs: readonly string[] = KEY_DIRS): Promise<string> {
  for (const dir of dirs) {
    const direct = join(dir, 'vagrant.pub');
    if (existsSync(direct)) return (await readFile(direct, 'utf8')).trim();
    if (!existsSync(dir)) continue;
    const gems = readdirSync(dir)
      .filter((name) => /^vagrant-\d/.test(name))
      .sort()
      .reverse();
    for (const gem of gems) {
      const candidate = join(dir, gem, 'keys', 'vagrant.pub');
      if (existsSync(candidate)) return (await readFile(candidate, 'utf8')).trim();
    }
  }
  throw new UnavailableError("Vagrant's insecure public key was not found in the installed vagrant package", {
    hint: 'install vagrant from Debian (`sudo apt-get install vagrant`), which ships keys/vagrant.pub',
  });
}

export function vagrantBoxHash(box: BoxDefinition, publicKey: string): string {
  return hashOf({ box: box.hash, recipe: VAGRANT_BOX_RECIPE_VERSION, key: publicKey });
}

export function vagrantBoxImageRef(box: BoxDefinition, publicKey: string): string {
  return `devenv-box/${box.name}-vagrant:${vagrantBoxHash(box, publicKey)}`;
}

/** Runs as root in the build container: sshd, sudo, and the vagrant user Vagrant expects. */
const RECIPE = [
  'set -eu',
  'export DEBIAN_FRONTEND=noninteractive',
  'apt-get update -qq',
  'apt-get install -y -qq --no-install-recommends openssh-server sudo >/dev/null',
  ...VAGRANT_USER_RECIPE,
  // Host keys are made at each container's first boot: no two machines share them.
  'rm -f /etc/ssh/ssh_host_*',
  'install -d /etc/systemd/system/ssh.service.d',
  'printf "[Service]\\nExecStartPre=\\nExecStartPre=/usr/bin/ssh-keygen -A\\nExecStartPre=/usr/sbin/sshd -t\\n" > /etc/systemd/system/ssh.service.d/devenv-host-keys.conf',
  'systemctl enable ssh.service >/dev/null 2>&1 || true',
  // Like the box it starts from: no downloaded .debs, but apt's binary cache kept.
  'apt-get clean',
  'apt-cache gencaches',
].join('\n');

/**
 * The image the Vagrant docker provider boots: devenv's box image for the same
 * definition, plus sshd, sudo and the vagrant user. Built once, cached by hash.
 */
export async function ensureVagrantBoxImage(docker: Dockerode, box: BoxDefinition, progress: Progress, signal?: AbortSignal): Promise<string> {
  const publicKey = await vagrantInsecurePublicKey();
  const ref = vagrantBoxImageRef(box, publicKey);
  const found = await docker.listImages({ filters: { reference: [ref] } });
  if (found.length > 0) return ref;

  let base = await findBoxImage(docker, box);
  if (!base) {
    progress.info(`box ${box.name} is not built yet: building it from vanilla (once; cached by its definition)`);
    base = await buildBox(docker, box, progress, { signal });
  }
  if (signal?.aborted) throw new InterruptedError();

  return progress.step(`build ${ref} (sshd, sudo, vagrant user)`, async (update) => {
    const container = await docker.createContainer({
      Image: base,
      Cmd: ['sleep', 'infinity'],
      Labels: { [LABEL.managed]: 'true', [LABEL.box]: box.name },
    });
    try {
      await container.start();
      const target = new DockerTarget(docker, container.id, `${box.name}-vagrant-build`);
      update('apt-get install openssh-server sudo');
      await execOrThrow(target, ['sh', '-c', RECIPE, 'devenv-vagrant-box', publicKey], { timeout: 600_000 });
      if (signal?.aborted) throw new InterruptedError();
      update('commit');
      await container.stop({ t: 0 }).catch(() => undefined);
      const [repo, tag] = ref.split(':') as [string, string];
      await container.commit({
        repo,
        tag,
        changes: [
          'CMD ["/sbin/init"]',
          `LABEL ${LABEL.managed}=true`,
          `LABEL ${LABEL.box}=${box.name}`,
          `LABEL ${LABEL.boxHash}=${vagrantBoxHash(box, publicKey)}`,
        ],
      } as unknown as object);
      return ref;
    } catch (error) {
      if (error instanceof OperationError || error instanceof InterruptedError) throw error;
      throw new OperationError(`could not build ${ref}: ${(error as Error).message}`, { cause: error });
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  });
}
