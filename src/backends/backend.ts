import type { Progress } from '../core/progress.js';
import type { BoxDefinition } from '../box/definition.js';
import type { ParsedProfile } from '../profile/parse.js';
import type { Target } from '../targets/target.js';
import type { ProvisionedImageCache } from './image-cache.js';

/** What a backend reads of a loaded profile: the profile, its box, and what shapes the environment. */
export interface BackendProfile extends ParsedProfile {
  box: BoxDefinition;
  /** Hash of what shapes the environment itself (box, ports, sync, resources): changing it recreates the environment. */
  environmentHash: string;
}

export type EnvironmentState = 'absent' | 'created' | 'running' | 'stopped' | 'unknown';

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  guestPort: number;
  protocol: 'tcp' | 'udp';
}

export interface EnvironmentStatus {
  name: string;
  backend: 'docker' | 'vagrant';
  state: EnvironmentState;
  /** Container id or Vagrant machine id. */
  id?: string;
  image?: string;
  /** True when the environment was made from the profile's current inputs. */
  upToDate?: boolean;
  ports: PortBinding[];
  /** copied: the engine is on another machine, so the folder is copied in (at up, by `devenv sync`), not mounted. */
  sync: { host: string; guest: string; readOnly: boolean; copied?: boolean }[];
  startedAt?: string;
}

export interface UpResult {
  status: EnvironmentStatus;
  /** created: new environment; started: was stopped; running: already up, nothing done. */
  action: 'created' | 'started' | 'running' | 'recreated';
}

export interface UpOptions {
  rebuild?: boolean;
  signal?: AbortSignal;
  /** Create from this image (a provisioned-image cache hit) instead of the box, when creating. */
  image?: string;
}

/** Lifecycle of one environment. `up` is idempotent: it finds an existing environment by labels. */
export interface Backend {
  status(): Promise<EnvironmentStatus>;
  up(options?: UpOptions): Promise<UpResult>;
  halt(): Promise<EnvironmentStatus>;
  destroy(): Promise<void>;
  /** A Target for the running environment; throws OperationError when it is not running. */
  target(): Promise<Target>;
  /** Where provisioned environments are saved and found again; absent where the backend cannot snapshot. */
  imageCache?(): Promise<ProvisionedImageCache>;
  /** Runs a command wired to this terminal's stdio (exec, shell) and returns its exit code. */
  attach(argv: readonly string[], options: AttachOptions): Promise<number>;
  /** Copies the synced folders in again where they cannot be mounted (a remote engine); 'mounted' where they are. */
  sync?(): Promise<{ guest: string; files: number; bytes: number }[] | 'mounted'>;
}

export interface AttachOptions {
  /** Allocate a pseudo-terminal (interactive shells). */
  tty: boolean;
  user?: string;
  cwd?: string;
}

export interface BackendContext {
  profile: BackendProfile;
  progress: Progress;
}
