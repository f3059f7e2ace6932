import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { OperationError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { lastLines } from '../core/last-lines.js';
import type { Target } from '../targets/target.js';

/**
 * A provisioner's code tree on this machine (a Puppet control repo, an Ansible
 * playbook folder): what its stage key hashes and what is copied into the
 * environment. Version-control and dependency folders are not part of it.
 */
const SKIPPED = new Set(['.git', '.hg', '.svn', 'node_modules', '.vagrant']);

export interface TreeFile {
  /** "/" separated, relative to the tree's root. */
  path: string;
  content: Buffer;
  executable: boolean;
}

export function readTree(root: string): TreeFile[] {
  const files: TreeFile[] = [];
  const walk = (relativeDir: string): void => {
    const entries = readdirSync(join(root, relativeDir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (SKIPPED.has(entry.name)) continue;
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      // A link is followed (a shared module linked into the modulepath is part of what runs).
      const stats = statSync(join(root, path), { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) files.push({ path, content: readFileSync(join(root, path)), executable: (stats.mode & 0o111) !== 0 });
    }
  };
  walk('');
  return files;
}

/** Every file's path, content and executable bit: one changed file changes the hash. */
export function treeHash(files: readonly TreeFile[]): string {
  return sha256(files.map((file) => `${file.path}\0${file.executable ? 'x' : '-'}\0${sha256(file.content)}\n`).join(''));
}

export async function tarOf(files: readonly TreeFile[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const file of files) {
    archive.entry({ name: file.path, mode: file.executable ? 0o755 : 0o644, mtime: new Date(0) }, file.content);
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Copies the tree into the environment, replacing what an earlier run left there:
 * copied, not mounted, so it works on every backend and a remote engine alike.
 */
export async function copyTreeInto(target: Target, files: readonly TreeFile[], guestRoot: string): Promise<void> {
  const script = 'set -e; rm -rf -- "$1"; mkdir -p -m 0700 -- "$1"; tar -x -o -C "$1" -f -';
  const result = await target.exec(['sh', '-c', script, 'copy-tree', guestRoot], { stdin: await tarOf(files), timeout: 300_000 });
  if (result.exitCode !== 0) {
    throw new OperationError(`could not copy the code tree to ${guestRoot} on ${target.describe().name}: ${lastLines(result.stderr || result.stdout)}`);
  }
}
