// One file over 300 lines on purpose: one pipeline (download, verify, assemble the bootstrap image,
// run debootstrap in the engine) whose steps hand each other verified bytes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type Dockerode from 'dockerode';
import { extract as extractTar, pack as packTar } from 'tar-stream';
import { DevenvError, InterruptedError, OperationError, UnavailableError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { cacheDir } from '../core/cache-dir.js';
import { LABEL } from '../core/labels.js';
import type { BoxDefinition } from './definition.js';
import { boxImageChanges } from './image.js';
import { checkRelease, debianArch, fetchFromMirror, parsePackages, parseRelease, sha256, splitDeb, type PackageEntry } from './debian-archive.js';
import { trustedSigningKeys, verifyClearsigned } from './openpgp-verify.js';
import { hostMirrors, mirrorFor } from './mirror.js';
import { renderAptSources, type BuildBoxOptions } from './build.js';
import { lastLines } from '../core/last-lines.js';
import { archiveBoxPackages } from './engine-box-archive.js';

/**
 * Builds a box with nothing but an engine (remote, Docker Desktop, no root
 * here): debootstrap runs in a container of the engine, from a bootstrap image
 * assembled FROM scratch out of Debian's own packages. devenv only downloads
 * and checks them (pinned archive keys → InRelease → Packages → each .deb) and
 * hands their data.tar members to the engine, which unpacks them; nothing is
 * pulled from a registry. debootstrap then checks the archive again with gpgv.
 */

/** What the bootstrap image holds: a shell and its tools, debootstrap and what it runs (perl, gpgv), and the archive keys. */
export const BOOTSTRAP_PACKAGES = [
  'busybox-static',
  'debootstrap',
  'perl-base',
  'libc6',
  'libcrypt1',
  'gpgv',
  'libgcrypt20',
  'libgpg-error0',
  'libbz2-1.0',
  'zlib1g',
  'debian-archive-keyring',
] as const;

const KEYRING_PACKAGE = 'debian-archive-keyring';
const KEYRING_PATH = '/usr/share/keyrings/debian-archive-keyring.gpg';
const TARGET = '/target';
const DEB_CACHE = '/var/cache/devenv-debootstrap';

/**
 * Runs in the bootstrap container (busybox sh) after debootstrap: the same
 * configuration as the host builder. Fixed text; every value is a positional
 * argument: $1 the apt sources, $2 the time zone, $3 the locale, then the units to mask.
 */
export const CONFIGURE_SCRIPT = `set -eu
t=${TARGET}
step() { echo "==> $*" >&2; }
step write the apt sources
mkdir -p "$t/etc/apt/sources.list.d"
printf '%s' "$1" > "$t/etc/apt/sources.list.d/debian.sources"
rm -f "$t/etc/apt/sources.list"
step set the time zone and locale
rm -f "$t/etc/localtime"
ln -s "/usr/share/zoneinfo/$2" "$t/etc/localtime"
printf '%s\\n' "$2" > "$t/etc/timezone"
printf 'LANG=%s\\n' "$3" > "$t/etc/default/locale"
shift 3
step mask units
if [ "$#" -gt 0 ]; then mkdir -p "$t/etc/systemd/system"; fi
for unit in "$@"; do rm -f "$t/etc/systemd/system/$unit"; ln -s /dev/null "$t/etc/systemd/system/$unit"; done
: > "$t/etc/machine-id"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
step apt-get update in the new box
chroot "$t" apt-get update -qq
step apt-get clean
chroot "$t" apt-get clean
step apt-cache gencaches
chroot "$t" apt-cache gencaches
`;

/** The Dockerfile of the bootstrap image: each package's data.tar unpacked by ADD, then busybox's applets. */
export function bootstrapDockerfile(members: readonly { file: string; package: string; version: string }[], suite: string): string {
  return [
    'FROM scratch',
    // The merged-/usr links first: packages of suites that ship /bin or /lib replace them with directories.
    'ADD usrmerge.tar /',
    ...members.map((m) => `ADD ${m.file} /`),
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // Exec form: there is no /bin/sh until busybox installs its applets. busybox's
    // dpkg would shadow debootstrap's own extraction (ar + tar): removed.
    'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && rm -f /bin/dpkg /bin/dpkg-deb && mkdir -p /tmp /var/tmp && chmod 1777 /tmp /var/tmp"]',
    `LABEL ${LABEL.managed}=true devenv.bootstrap.suite=${suite} devenv.bootstrap.packages="${members.map((m) => `${m.package}=${m.version}`).join(' ')}"`,
    'CMD ["/bin/sh"]',
    '',
  ].join('\n');
}

interface Archive {
  mirror: string;
  suite: string;
  arch: string;
  index: Map<string, PackageEntry>;
}

export async function buildBoxInEngine(docker: Dockerode, box: BoxDefinition, ref: string, progress: Progress, options: BuildBoxOptions): Promise<string> {
  const signal = options.signal;
  const suite = box.debootstrap.suite;
  const mirrors = await hostMirrors();
  const mirror = (mirrors.get('debian') ?? process.env.DEVENV_DEBIAN_MIRROR)?.replace(/\/+$/, '');
  if (!mirror) {
    throw new UnavailableError('building a box in the engine needs a Debian mirror, and this machine has no apt configuration naming one', {
      hint: 'set DEVENV_DEBIAN_MIRROR to the Debian mirror to use (the URI of a `deb` line of a Debian machine)',
    });
  }
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const bootstrapTag = `devenv-bootstrap/${suite}:${suffix}`;
  let container: Dockerode.Container | undefined;
  const onAbort = (): void => {
    void container?.remove({ force: true, v: true }).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const interrupted = (): void => {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
  };
  try {
    const archive = await progress.step(`verify the Debian archive (${suite}) and its bootstrap packages`, async (update) => {
      const arch = await engineArch(docker);
      return verifiedArchive(docker, mirror, suite, arch, box.debootstrap.components[0] ?? 'main', suffix, update, signal);
    });
    interrupted();

    await progress.step(
      `assemble the bootstrap image (${BOOTSTRAP_PACKAGES.length} Debian packages for ${archive.arch}, unpacked by the engine)`,
      async (update) => {
        const members: { file: string; package: string; version: string; data: Buffer }[] = [];
        for (const name of BOOTSTRAP_PACKAGES) {
          const entry = packageEntry(archive, name);
          update(`${name} ${entry.version}`);
          const deb = await verifiedDeb(archive, entry, signal);
          const { data } = splitDeb(deb, `${name} ${entry.version}`);
          members.push({ file: `${name}.${data.name}`, package: name, version: entry.version, data: data.data });
        }
        update('building');
        const files = [
          { name: 'Dockerfile', data: Buffer.from(bootstrapDockerfile(members, suite)) },
          ...members.map((m) => ({ name: m.file, data: m.data })),
          { name: 'usrmerge.tar', data: await usrMergeTar() },
        ];
        await buildImage(docker, files, bootstrapTag, 'the bootstrap image', signal);
        const cacheVolume = `devenv-debootstrap-${suite}-${archive.arch}`;
        await ensureVolume(docker, cacheVolume);
        container = await docker.createContainer({
          Image: bootstrapTag,
          Cmd: ['/bin/sh', '-c', 'while :; do sleep 3600; done'],
          Labels: { [LABEL.managed]: 'true', [LABEL.box]: box.name },
          WorkingDir: '/',
          // The engine's default capabilities: debootstrap needs mknod and chown, which they include (SYS_ADMIN breaks it).
          HostConfig: { Mounts: [{ Type: 'volume', Source: cacheVolume, Target: DEB_CACHE }] },
        });
        await container.start();
      },
    );
    interrupted();
    const running = container!;

    await progress.step(`debootstrap ${suite} (${box.debootstrap.variant}) in the engine`, async (update) => {
      const args = [
        'debootstrap',
        `--arch=${archive.arch}`,
        `--variant=${box.debootstrap.variant}`,
        `--components=${box.debootstrap.components.join(',')}`,
        // Named: a missing keyring or gpgv is an error, never an unchecked archive.
        `--keyring=${KEYRING_PATH}`,
        `--cache-dir=${DEB_CACHE}`,
        ...(box.packages.length ? [`--include=${box.packages.join(',')}`] : []),
        suite,
        TARGET,
        archive.mirror,
      ];
      const tail: string[] = [];
      const code = await execIn(docker, running, args, {
        onLine: (line) => {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          const step = /^I: (Retrieving|Validating|Unpacking|Configuring|Extracting) (\S+)/.exec(line);
          if (step) update(`${step[1]!.toLowerCase()} ${step[2]}`);
        },
      });
      interrupted();
      if (code !== 0) {
        const reason = tail.filter((l) => /^E:|^W:/.test(l)).pop() ?? tail.pop() ?? 'no output';
        throw new OperationError(`debootstrap of ${suite} in the engine failed: ${reason}`, {
          hint: "check that the engine's containers reach the Debian mirror",
        });
      }
    });

    await progress.step('configure apt sources, timezone and locale', async () => {
      const sources = renderAptSources(box, (name) => mirrorFor(name, mirrors, archive.mirror));
      let marker = 'configure';
      let last = '';
      const code = await execIn(docker, running, ['/bin/sh', '-c', CONFIGURE_SCRIPT, 'configure', sources, box.timezone, box.locale, ...box.mask_units], {
        onLine: (line) => {
          if (line.startsWith('==> ')) marker = line.slice(4);
          else last = line;
        },
      });
      interrupted();
      if (code !== 0) throw new OperationError(`${marker} failed: ${last || `exit ${code}`}`);
    });

    await progress.step(`import image ${ref}`, async () => {
      const tar = new PassThrough({ highWaterMark: 4 << 20 });
      const errors: string[] = [];
      const importGaveUp = new AbortController();
      const exported = execIn(docker, running, ['chroot', TARGET, 'tar', '--numeric-owner', '--one-file-system', '--xattrs', '-C', '/', '-cf', '-', '.'], {
        stdout: tar,
        onLine: (line) => errors.push(line),
        stop: importGaveUp.signal,
      });
      // The tag goes inside `repo` (`name:tag`), as the host builder does (Podman ignores `tag`).
      const imported = docker
        .importImage(tar, { repo: ref, changes: boxImageChanges(box) } as unknown as object)
        .then((response) => followProgress(docker, response, 'docker import'))
        .catch((error: unknown) => {
          importGaveUp.abort();
          throw error;
        });
      const [code, importResult] = await Promise.allSettled([exported, imported]);
      interrupted();
      if (importResult.status === 'rejected') {
        const reason: unknown = importResult.reason;
        throw reason instanceof DevenvError ? reason : new OperationError(`docker import failed: ${(reason as Error).message}`, { cause: reason });
      }
      if (code.status === 'rejected' || code.value !== 0) {
        // A half-read tree must not stay behind as the box.
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => undefined);
        const reason = code.status === 'rejected' ? (code.reason as Error).message : (errors.pop() ?? `tar exited ${code.value}`);
        throw new OperationError(`export of the new box from the engine failed: ${reason}`);
      }
    });
    // As the host builder does: the box's own packages join the own archive (a lock names them too).
    await progress
      .step('keep the box packages in the own archive', () => archiveBoxPackages((argv, options) => execIn(docker, running, argv, options), DEB_CACHE, TARGET))
      .catch((error: unknown) => progress.warn(`the box's packages were not archived: ${error instanceof Error ? error.message : String(error)}`));
    return ref;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await container?.remove({ force: true, v: true }).catch(() => undefined);
    await docker
      .getImage(bootstrapTag)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

/** The engine's architecture, as Debian names it: debootstrap's --arch and the index to read. */
async function engineArch(docker: Dockerode): Promise<string> {
  const version = await docker.version();
  const arch = debianArch(version.Arch);
  if (!arch)
    throw new UnavailableError(
      `the engine's architecture ${JSON.stringify(version.Arch ?? '')} is not one devenv builds boxes for (amd64, arm64, armhf, i386, ppc64el, s390x, riscv64)`,
    );
  return arch;
}

/**
 * InRelease, checked against the pinned keys (their material read out of the
 * archive's own keyring package, unpacked by the engine), then the Packages
 * index against InRelease. Files already downloaded are reused only when their
 * hash is the one the verified index names.
 */
async function verifiedArchive(
  docker: Dockerode,
  mirror: string,
  suite: string,
  arch: string,
  component: string,
  suffix: string,
  update: (detail: string) => void,
  signal: AbortSignal | undefined,
): Promise<Archive> {
  update('InRelease');
  const inRelease = await fetchFromMirror(`${mirror}/dists/${suite}/InRelease`, signal);
  const indexPath = `${component}/binary-${arch}/Packages.gz`;
  // Unverified yet: only to find the index in the cache, and the keyring package in it.
  const claimed = parseRelease(inRelease.toString('utf8').replace(/^-----BEGIN PGP SIGNED MESSAGE-----\r?\n[\s\S]*?\r?\n\r?\n/, '')).sha256.get(indexPath);
  update(indexPath);
  const packagesGz = await cachedDownload(`${mirror}/dists/${suite}/${indexPath}`, claimed?.sha256, 'Packages.gz', signal);
  let index: Map<string, PackageEntry>;
  try {
    index = parsePackages(gunzipSync(packagesGz).toString('utf8'));
  } catch (error) {
    throw new OperationError(`${indexPath} of ${suite} is not a gzip'd Packages index: ${(error as Error).message}`);
  }
  const unverified: Archive = { mirror, suite, arch, index };

  update('the archive keyring');
  const keyringEntry = packageEntry(unverified, KEYRING_PACKAGE);
  const keyringDeb = await cachedDownload(`${mirror}/${keyringEntry.filename}`, keyringEntry.sha256, 'deb', signal);
  // The engine unpacks it (xz) into an image nothing runs in; devenv reads the keyring file back.
  // Only key material comes from it: each key is taken only when its fingerprint is pinned.
  const keyring = await readKeyringFromDataTar(docker, splitDeb(keyringDeb, KEYRING_PACKAGE).data, `devenv-bootstrap/keyring:${suffix}`, signal);
  const trusted = trustedSigningKeys([keyring]);
  if (trusted.size === 0) throw new OperationError(`${KEYRING_PACKAGE} failed verification: it holds none of the pinned Debian archive keys`);

  update('signatures');
  const verified = verifyClearsigned(inRelease, trusted, `InRelease of ${suite}`);
  const release = parseRelease(verified.text);
  checkRelease(release, suite);
  const listed = release.sha256.get(indexPath);
  if (!listed) throw new OperationError(`InRelease of ${suite} failed verification: it lists no ${indexPath}`);
  if (sha256(packagesGz) !== listed.sha256) throw new OperationError(`${indexPath} of ${suite} failed verification: its SHA256 is not the one InRelease names`);
  if (sha256(keyringDeb) !== keyringEntry.sha256) throw new OperationError(`${KEYRING_PACKAGE} failed verification: its SHA256 is not the one Packages names`);
  return unverified;
}

function packageEntry(archive: Archive, name: string): PackageEntry {
  const entry = archive.index.get(name);
  if (!entry) throw new OperationError(`the Debian archive has no package ${name} in ${archive.suite} for ${archive.arch}`);
  if (!/^pool\/[A-Za-z0-9+._~/-]+\.deb$/.test(entry.filename))
    throw new OperationError(`the Packages index of ${archive.suite} names a strange file for ${name}: ${entry.filename}`);
  return entry;
}

/** A .deb of the verified index, downloaded once per machine and checked against the index every time. */
async function verifiedDeb(archive: Archive, entry: PackageEntry, signal: AbortSignal | undefined): Promise<Buffer> {
  const deb = await cachedDownload(`${archive.mirror}/${entry.filename}`, entry.sha256, 'deb', signal);
  if (sha256(deb) !== entry.sha256) throw new OperationError(`${entry.package} ${entry.version} failed verification: its SHA256 is not the one Packages names`);
  return deb;
}

/** Downloads `url`, kept under its SHA256 in devenv's cache; a cached copy is used only when its content hashes to `expected`. */
async function cachedDownload(url: string, expected: string | undefined, kind: string, signal: AbortSignal | undefined): Promise<Buffer> {
  const dir = join(cacheDir(), 'engine-bootstrap');
  if (expected && /^[0-9a-f]{64}$/.test(expected)) {
    const path = join(dir, `${expected}.${kind}`);
    if (existsSync(path)) {
      const data = await readFile(path);
      if (sha256(data) === expected) return data;
    }
  }
  const data = await fetchFromMirror(url, signal);
  const hash = sha256(data);
  if (hash === expected) {
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${hash}.${process.pid}`);
    await writeFile(temp, data);
    await rename(temp, join(dir, `${hash}.${kind}`));
  }
  return data;
}

/** A tar of the merged-/usr links (bin → usr/bin …), for suites whose packages ship only /usr. */
async function usrMergeTar(): Promise<Buffer> {
  const tar = packTar();
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) {
    tar.entry({ name: `usr/${dir}`, type: 'directory', mode: 0o755 });
    tar.entry({ name: dir, type: 'symlink', linkname: `usr/${dir}` });
  }
  tar.finalize();
  return streamToBuffer(tar as unknown as Readable);
}

async function buildImage(
  docker: Dockerode,
  files: readonly { name: string; data: Buffer }[],
  tag: string,
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const context = packTar();
  for (const file of files) context.entry({ name: file.name, mode: 0o644 }, file.data);
  context.finalize();
  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: tag,
      rm: true,
      forcerm: true,
      ...(signal ? { abortSignal: signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('box build interrupted');
    throw new OperationError(`building ${what} failed: ${(error as Error).message}`, { cause: error });
  }
  await followProgress(docker, response, `building ${what}`);
}

function followProgress(docker: Dockerode, response: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(response, (error: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
      const failed = events?.find((event) => event.error);
      if (error || failed)
        reject(
          new OperationError(
            `${what} failed: ${lastLines(error?.message ?? failed?.errorDetail?.message ?? failed?.error ?? '', { count: 1, max: Infinity })}`,
          ),
        );
      else resolve();
    });
  });
}

/**
 * Unpacks the keyring package's data.tar into a throwaway image (FROM scratch,
 * nothing runs) and reads its keyring back: debian-archive-keyring.gpg, which
 * trixie's package ships as debian-archive-keyring.pgp (and a link).
 */
async function readKeyringFromDataTar(docker: Dockerode, data: { name: string; data: Buffer }, tag: string, signal: AbortSignal | undefined): Promise<Buffer> {
  const file = `keyring.${data.name}`;
  await buildImage(
    docker,
    [
      { name: 'Dockerfile', data: Buffer.from(`FROM scratch\nADD ${file} /\nLABEL ${LABEL.managed}=true\n`) },
      { name: file, data: data.data },
    ],
    tag,
    'the keyring image',
    signal,
  );
  let container: Dockerode.Container | undefined;
  const dir = KEYRING_PATH.slice(0, KEYRING_PATH.lastIndexOf('/'));
  try {
    container = await docker.createContainer({ Image: tag, Cmd: ['none'], Labels: { [LABEL.managed]: 'true' } });
    const entries = await readTar((await container.getArchive({ path: `${dir}/` })) as unknown as Readable);
    const base = dir.split('/').pop()!;
    const name = KEYRING_PATH.split('/')
      .pop()!
      .replace(/\.gpg$/, '');
    const found = entries.get(`${base}/${name}.pgp`) ?? entries.get(`${base}/${name}.gpg`);
    if (!found) throw new OperationError(`${KEYRING_PACKAGE} has no ${KEYRING_PATH}`);
    return found;
  } catch (error) {
    if (error instanceof DevenvError) throw error;
    throw new OperationError(`reading ${KEYRING_PATH} back from the engine failed: ${(error as Error).message}`, { cause: error });
  } finally {
    await container?.remove({ force: true, v: true }).catch(() => undefined);
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

async function readTar(stream: Readable): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = extractTar();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      body.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks));
        next();
      });
      body.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return files;
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function ensureVolume(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getVolume(name).inspect();
    return;
  } catch {
    // Not there yet.
  }
  try {
    // Kept between builds: debootstrap's .debs, checked by debootstrap against the signed index each time.
    await docker.createVolume({ Name: name, Labels: { [LABEL.managed]: 'true' } });
  } catch (error) {
    // Another build created it meanwhile.
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
}

/**
 * Runs a command in the container; its stderr (and stdout, unless piped to
 * `stdout`, with backpressure) goes line by line to onLine. Returns the exit code.
 * `stop` aborted: the stream is dropped (the caller gave up on the output).
 */
async function execIn(
  docker: Dockerode,
  container: Dockerode.Container,
  argv: string[],
  options: { stdout?: PassThrough; onLine: (line: string) => void; stop?: AbortSignal },
): Promise<number> {
  // No User: the bootstrap image has no /etc/passwd; the container runs as uid 0.
  const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadWriteStream & Readable;
  let pending = '';
  const onText = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) options.onLine(part.trimEnd());
  };
  const stop = (): void => {
    stream.destroy();
  };
  options.stop?.addEventListener('abort', stop, { once: true });
  try {
    await demux(stream, options.stdout, onText);
  } finally {
    options.stop?.removeEventListener('abort', stop);
    options.stdout?.end();
  }
  if (pending.trim()) options.onLine(pending.trimEnd());
  const info = await exec.inspect();
  return info.ExitCode ?? -1;
}

/**
 * The engine's multiplexed attach stream (8-byte frame headers: stream, size):
 * stdout frames to `stdout` (pausing while it is full), the others to `text`.
 * Without `stdout`, stdout frames go to `text` too.
 */
function demux(stream: Readable, stdout: PassThrough | undefined, text: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (buffer.length >= 8) {
        const size = buffer.readUInt32BE(4);
        if (buffer.length < 8 + size) break;
        const frame = buffer.subarray(8, 8 + size);
        const toStdout = buffer[0] === 1 && stdout;
        buffer = buffer.subarray(8 + size);
        if (toStdout) {
          if (!stdout.write(frame)) {
            stream.pause();
            stdout.once('drain', () => stream.resume());
          }
        } else text(frame);
      }
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', (error) => (stream.destroyed ? resolve() : reject(error)));
  });
}
