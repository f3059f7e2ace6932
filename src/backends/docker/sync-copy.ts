import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import type { ResolvedSync } from '../../profile/parse.js';

/**
 * An engine on another machine (DOCKER_HOST=tcp://… or ssh://…) cannot bind-mount
 * a folder of this one: synced folders are copied in instead, at `up` and by
 * `devenv sync` (one way, host → guest, replacing what is there).
 */
export function isRemoteEngine(dockerHost = process.env.DOCKER_HOST): boolean {
  return dockerHost !== undefined && /^(tcp|ssh|https?):\/\//.test(dockerHost);
}

export interface CopiedFolder {
  guest: string;
  files: number;
  bytes: number;
}

/** A tar of a host folder, entries under `guest` (absolute, without the leading slash), owners and modes as on the host. */
async function folderTar(folder: ResolvedSync): Promise<{ archive: ReturnType<typeof pack>; files: number; bytes: number }> {
  const archive = pack();
  let files = 0;
  let bytes = 0;
  const root = folder.guest.replace(/^\/+/, '');
  const walk = async (hostDir: string, guestDir: string): Promise<void> => {
    for (const name of (await readdir(hostDir)).sort()) {
      const hostPath = join(hostDir, name);
      const guestPath = posix.join(guestDir, name);
      const stat = await lstat(hostPath);
      const header = { name: guestPath, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime };
      if (stat.isDirectory()) {
        archive.entry({ ...header, type: 'directory' });
        await walk(hostPath, guestPath);
      } else if (stat.isSymbolicLink()) {
        archive.entry({ ...header, type: 'symlink', linkname: await readlink(hostPath) });
      } else if (stat.isFile()) {
        const content = await readFile(hostPath);
        archive.entry({ ...header, size: content.length }, content);
        files += 1;
        bytes += content.length;
      }
      // Sockets, fifos and devices stay on the host.
    }
  };
  const top = await lstat(folder.hostPath);
  archive.entry({ name: root, type: 'directory', mode: top.mode & 0o7777, uid: top.uid, gid: top.gid });
  await walk(folder.hostPath, root);
  archive.finalize();
  return { archive, files, bytes };
}

/** Copies every synced folder into the container (the folder there is emptied first, so a removed file goes too). */
export async function copySyncedFolders(docker: Dockerode, containerId: string, folders: readonly ResolvedSync[]): Promise<CopiedFolder[]> {
  const container = docker.getContainer(containerId);
  const copied: CopiedFolder[] = [];
  for (const folder of folders) {
    // Values as arguments, never inside the script.
    const clear = await container.exec({
      Cmd: ['sh', '-c', 'mkdir -p -- "$1" && find "$1" -mindepth 1 -delete', 'devenv-sync', folder.guest],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await clear.start({});
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
      stream.resume();
    });
    const { archive, files, bytes } = await folderTar(folder);
    await container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: '/' });
    copied.push({ guest: folder.guest, files, bytes });
  }
  return copied;
}
