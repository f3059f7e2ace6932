/**
 * How to boot systemd as PID 1 on a given engine: a pure decision from what the
 * engine reports (`info`, `version`) to the container's create options.
 *
 * The settings depend on the engine, not on devenv. Every mode below was booted
 * on a real engine before being relied on, except where its `why` says it was
 * taken from the engine's own documentation (Docker 28's writable cgroups,
 * Docker 25's recursive read-only binds): those engines do not run here.
 * One function, used by the Docker backend, the Vagrant docker provider's
 * Vagrantfile, the tests' helpers and bench/.
 */

/** What devenv needs to know of an engine; read from `info` and `version` by `engineFacts`. */
export interface EngineFacts {
  product: 'docker' | 'podman';
  /** The engine's own version, e.g. "20.10.24+dfsg1" or "4.3.1". */
  version: string;
  /** The Docker API version it speaks, e.g. "1.41". */
  apiVersion: string;
  /** 1 or 2; engines older than Docker 20.10 do not say, and only knew v1. */
  cgroupVersion: 1 | 2;
  cgroupDriver: string;
  rootless: boolean;
  /** info.OperatingSystem: "Docker Desktop" there, the host's distribution elsewhere. */
  operatingSystem: string;
  arch: string;
}

export type SystemdMode = 'cgroup-v1' | 'cgroup-v2-writable' | 'cgroup-v2-host' | 'rootless' | 'podman';

/** The Engine API create options a mode sets (merged into HostConfig by the caller). */
export interface SystemdHostConfig {
  Tmpfs?: Record<string, string>;
  /** Binds besides the caller's own (volumes, synced folders). */
  Binds: string[];
  Mounts?: { Type: 'bind'; Source: string; Target: string; ReadOnly: boolean; BindOptions?: { Propagation: 'rprivate'; ReadOnlyNonRecursive?: boolean } }[];
  CgroupnsMode?: 'host' | 'private';
  Privileged?: boolean;
  SecurityOpt?: string[];
}

export interface SystemdContainerSpec {
  supported: true;
  mode: SystemdMode;
  /** One sentence: what the engine is and why this mode boots systemd there. */
  why: string;
  hostConfig: SystemdHostConfig;
  /** systemd stops cleanly on SIGRTMIN+3, not SIGTERM. */
  stopSignal: 'SIGRTMIN+3';
  /** The same settings as `docker run` flags (the Vagrant docker provider, bench/). */
  runArgs: string[];
}

export interface UnsupportedEngine {
  supported: false;
  /** Why systemd cannot be booted there. */
  why: string;
  /** The one line to run or change. */
  fix: string;
}

const RUN_TMPFS: Record<string, string> = { '/run': 'rw,exec', '/run/lock': 'rw' };
const TMPFS_ARGS = ['--tmpfs', '/run:rw,exec', '--tmpfs', '/run/lock:rw'];
const STOP = ['--stop-signal', 'SIGRTMIN+3'];

/** "1.41" → [1, 41]; compares API versions numerically ("1.9" < "1.41"). */
export function apiAtLeast(api: string, wanted: string): boolean {
  const [aMajor = 0, aMinor = 0] = api.split('.').map(Number);
  const [wMajor = 0, wMinor = 0] = wanted.split('.').map(Number);
  return aMajor !== wMajor ? aMajor > wMajor : aMinor >= wMinor;
}

function describeEngine(engine: EngineFacts): string {
  const name = engine.product === 'podman' ? 'Podman' : engine.operatingSystem === 'Docker Desktop' ? 'Docker Desktop' : 'Docker';
  return `${name} ${engine.version}${engine.rootless ? ' (rootless)' : ''} on cgroup v${engine.cgroupVersion} (${engine.cgroupDriver} driver)`;
}

/** Chooses the create options that boot systemd as PID 1 on this engine, or says why none can. */
export function systemdContainerSpec(engine: EngineFacts): SystemdContainerSpec | UnsupportedEngine {
  const what = describeEngine(engine);
  const spec = (mode: SystemdMode, why: string, hostConfig: SystemdHostConfig, runArgs: string[]): SystemdContainerSpec => ({
    supported: true,
    mode,
    why: `${what}: ${why}`,
    hostConfig,
    stopSignal: 'SIGRTMIN+3',
    runArgs: [...runArgs, ...STOP],
  });

  if (engine.product === 'podman') {
    // Podman's own systemd mode (on for an image whose command is /sbin/init) mounts
    // /run, /run/lock, /tmp and a private writable cgroup itself; a bind of the host's
    // /sys/fs/cgroup would defeat it. Rootless, it needs a cgroup subtree handed to the
    // user (systemd's user@.service does it with Delegate=yes), on v1 as on v2.
    const delegated = engine.rootless ? '; rootless, so systemd needs a cgroup subtree delegated to the user (systemd’s user@.service does that)' : '';
    return spec(
      'podman',
      `Podman's own systemd mode (the box's command is /sbin/init): it mounts /run, /tmp and a private cgroup tree itself${delegated}`,
      { Binds: [] },
      ['--systemd=always'],
    );
  }

  if (engine.cgroupVersion === 1) {
    if (engine.rootless) {
      return {
        supported: false,
        why: `${what}: a rootless engine cannot give systemd a cgroup tree of its own on cgroup v1`,
        fix: 'boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1 on the kernel command line), or use the rootful engine',
      };
    }
    // systemd needs its named hierarchy writable under a read-only /sys/fs/cgroup.
    // Docker 25 (API 1.44) made `:ro` binds recursively read-only; the API's
    // ReadOnlyNonRecursive restores the read-only top with writable sub-mounts.
    if (apiAtLeast(engine.apiVersion, '1.44')) {
      return spec(
        'cgroup-v1',
        'the host cgroup tree bound read-only, not recursively (Docker 25+ made read-only binds recursive, which systemd cannot boot under; from the engine documentation, not booted here)',
        {
          Tmpfs: RUN_TMPFS,
          Binds: [],
          Mounts: [
            {
              Type: 'bind',
              Source: '/sys/fs/cgroup',
              Target: '/sys/fs/cgroup',
              ReadOnly: true,
              BindOptions: { Propagation: 'rprivate', ReadOnlyNonRecursive: true },
            },
          ],
        },
        [...TMPFS_ARGS, '--mount', 'type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup,readonly,bind-recursive=writable'],
      );
    }
    return spec(
      'cgroup-v1',
      'the host cgroup tree bound read-only (systemd writes only its own named hierarchy below it)',
      { Tmpfs: RUN_TMPFS, Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:ro'] },
      [...TMPFS_ARGS, '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro'],
    );
  }

  // cgroup v2 from here on.
  if (!apiAtLeast(engine.apiVersion, '1.41')) {
    return {
      supported: false,
      why: `${what}: this engine cannot choose a container's cgroup namespace, and systemd cannot boot on cgroup v2 without it`,
      fix: 'upgrade the engine to Docker 20.10 or newer (Debian 12: `sudo apt-get install docker.io`)',
    };
  }
  if (engine.rootless) {
    // Inside its user namespace "privileged" gives no host powers; it is what makes
    // the private cgroup tree writable (writable-cgroups is refused on rootless engines).
    return spec(
      'rootless',
      'privileged inside the engine’s user namespace (no host privileges) with a private, writable cgroup namespace; --cpus and --memory need cgroup delegation to the user (systemd’s user@.service Delegate=yes)',
      { Tmpfs: RUN_TMPFS, Binds: [], CgroupnsMode: 'private', Privileged: true },
      [...TMPFS_ARGS, '--cgroupns=private', '--privileged'],
    );
  }
  if (apiAtLeast(engine.apiVersion, '1.48')) {
    // Docker 28 (API 1.48) can mount a private cgroup namespace writable without privileges.
    return spec(
      'cgroup-v2-writable',
      'a private cgroup namespace mounted writable (--security-opt writable-cgroups=true, Docker 28+; from the engine documentation, not booted here)',
      { Tmpfs: RUN_TMPFS, Binds: [], CgroupnsMode: 'private', SecurityOpt: ['writable-cgroups=true'] },
      [...TMPFS_ARGS, '--cgroupns=private', '--security-opt', 'writable-cgroups=true'],
    );
  }
  // Docker 20.10–27 mounts a private cgroup namespace read-only and offers no switch:
  // systemd gets the host's tree read-write, and creates its groups under the container's own.
  return spec(
    'cgroup-v2-host',
    'the host cgroup namespace with its tree bound read-write (this engine mounts a private one read-only, where systemd cannot create /init.scope)',
    { Tmpfs: RUN_TMPFS, Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'], CgroupnsMode: 'host' },
    [...TMPFS_ARGS, '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw'],
  );
}

/** The parts of the Engine API's `info` and `version` documents `engineFacts` reads. */
export interface EngineInfoDocument {
  CgroupVersion?: string;
  CgroupDriver?: string;
  SecurityOptions?: string[] | null;
  OperatingSystem?: string;
  Architecture?: string;
  ServerVersion?: string;
  /** Podman's compat /info: true for a rootless engine (its SecurityOptions do not say). */
  Rootless?: boolean;
  /**
   * Libpod's own /info (`/v4.x/libpod/info`) has host.security.rootless; Podman 4.3's
   * compat /info (the Docker API devenv speaks) has no `host` key (recorded on rootful
   * 4.3.1), so there rootlessness can only come from SecurityOptions.
   */
  host?: { security?: { rootless?: boolean } };
}
export interface EngineVersionDocument {
  Version?: string;
  ApiVersion?: string;
  Arch?: string;
  Components?: { Name?: string; Version?: string }[] | null;
}

/** Reads the facts the decision needs; pure, so recorded documents of every engine kind test it. */
export function engineFacts(info: EngineInfoDocument, version: EngineVersionDocument): EngineFacts {
  const components = version.Components ?? [];
  const podman = components.some((c) => /podman/i.test(c.Name ?? ''));
  const security = info.SecurityOptions ?? [];
  // Docker says so in SecurityOptions; Podman's compat /info in a top-level Rootless.
  const rootless = security.some((option) => option.split(',').includes('name=rootless')) || info.Rootless === true || info.host?.security?.rootless === true;
  return {
    product: podman ? 'podman' : 'docker',
    version: (podman ? components.find((c) => /podman/i.test(c.Name ?? ''))?.Version : undefined) ?? version.Version ?? info.ServerVersion ?? 'unknown',
    apiVersion: version.ApiVersion ?? '1.24',
    cgroupVersion: info.CgroupVersion === '2' ? 2 : 1,
    cgroupDriver: info.CgroupDriver ?? 'unknown',
    rootless,
    operatingSystem: info.OperatingSystem ?? '',
    arch: version.Arch ?? info.Architecture ?? 'unknown',
  };
}

/** The caller's HostConfig with the mode's settings merged in (its binds after the mode's). */
export function withSystemdHostConfig<T extends { Binds?: string[] }>(spec: SystemdContainerSpec, own: T): T & SystemdHostConfig {
  const { Binds: modeBinds, ...rest } = spec.hostConfig;
  return { ...own, ...rest, Binds: [...modeBinds, ...(own.Binds ?? [])] };
}
