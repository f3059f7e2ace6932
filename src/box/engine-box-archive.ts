import { PassThrough } from 'node:stream';
import { extract as extractTar } from 'tar-stream';
import { OperationError } from '../core/errors.js';
import { ArchiveStore } from '../lock/archive-store.js';
import { controlIdentity } from '../lock/local-repo.js';

/**
 * The box's own packages, as debootstrap downloaded them in the engine's cache
 * volume, join the own archive, as the host builder's do: a lock names their
 * versions too, and a rebuild from it must not depend on the mirror still
 * carrying them (point releases drop them). Only what the store lacks leaves the
 * engine. The bootstrap image has no dpkg-deb, the tree it built has: each
 * package's control stanza is read there, from a copy that is removed after.
 */

/** Runs argv in the build container; its stdout into `stdout` when given, text lines otherwise. */
export type RunInBuildContainer = (argv: string[], options: { stdout?: PassThrough; onLine: (line: string) => void }) => Promise<number>;

const READ_CONTROLS = `set -e
cache=$1 tree=$2; shift 2
mkdir -p "$tree/tmp/devenv-archive"
for f; do
  cp "$cache/$f" "$tree/tmp/devenv-archive/$f"
  printf '==> %s\\n' "$f"
  chroot "$tree" dpkg-deb -f "/tmp/devenv-archive/$f"
done
rm -rf "$tree/tmp/devenv-archive"`;

export async function archiveBoxPackages(run: RunInBuildContainer, cacheDir: string, tree: string, store = new ArchiveStore()): Promise<number> {
  const listed: string[] = [];
  const listing = await run(['/bin/sh', '-c', 'cd "$1" && for f in *.deb; do [ -f "$f" ] && sha256sum "$f"; done; true', 'list', cacheDir], {
    onLine: (line) => listed.push(line),
  });
  if (listing !== 0) throw new OperationError(`listing debootstrap's packages failed (exit ${listing})`);
  const held = await store.listDebs();
  const lacking = listed.flatMap((line) => {
    const match = /^([0-9a-f]{64})\s+(\S+\.deb)$/.exec(line.trim());
    return match && !held.has(match[1]!) ? [match[2]!] : [];
  });
  if (lacking.length === 0) return 0;

  const controls = new Map<string, string[]>();
  let current: string[] | undefined;
  const read = await run(['/bin/sh', '-c', READ_CONTROLS, 'controls', cacheDir, tree, ...lacking], {
    onLine: (line) => {
      const file = /^==> (\S+\.deb)$/.exec(line)?.[1];
      if (file) controls.set(file, (current = []));
      else current?.push(line);
    },
  });
  if (read !== 0) throw new OperationError(`reading the control of debootstrap's packages failed (exit ${read})`);

  const tar = new PassThrough({ highWaterMark: 4 << 20 });
  const files = new Map<string, Buffer>();
  const extracted = new Promise<void>((resolve, reject) => {
    const stream = extractTar();
    stream.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      body.on('end', () => {
        files.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
        next();
      });
    });
    stream.on('finish', resolve);
    stream.on('error', reject);
    tar.pipe(stream);
  });
  const [code] = await Promise.all([run(['tar', '-C', cacheDir, '-cf', '-', ...lacking], { stdout: tar, onLine: () => undefined }), extracted]);
  if (code !== 0) throw new OperationError(`copying debootstrap's packages out of the engine failed (exit ${code})`);

  let added = 0;
  for (const file of lacking) {
    const data = files.get(file);
    const control = `${(controls.get(file) ?? []).join('\n')}\n`;
    const identity = controlIdentity(control);
    if (!data || !identity) continue;
    await store.addDeb(data, { ...identity, control });
    added++;
  }
  return added;
}
