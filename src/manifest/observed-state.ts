import type { TemplateFacts } from './template-facts.js';

/**
 * What the target looks like now, as far as the manifests care: the input of
 * the pure planner beside the desired state. Filled by observe.ts with a few
 * batched queries; built by hand in tests.
 */
export interface ObservedPackage {
  version: string;
  /** dpkg status abbreviation without spaces: "ii" installed, "rc" removed with config files left… */
  status: string;
}

export interface PackageAvailability {
  candidate?: string;
  /** Versions a repository offers (not just the dpkg status file). */
  versions: string[];
}

export type ObservedFileKind = 'absent' | 'file' | 'directory' | 'link' | 'other';

export interface ObservedFile {
  kind: ObservedFileKind;
  /** Four octal digits, e.g. "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  size?: number;
  sha256?: string;
  linkTarget?: string;
  /** Text content when it was read (managed regular files up to a size limit). */
  content?: string;
}

export interface ObservedUser {
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface ObservedGroup {
  gid: number;
  members: string[];
}

export interface ObservedService {
  loadState: string;
  activeState: string;
  unitFileState: string;
}

export interface ObservedVenv {
  exists: boolean;
  /** PEP 503 normalized name → version, read from *.dist-info folder names. */
  packages: Record<string, string>;
}

export interface ObservedGuards {
  /** Exit code of `unless`, when there is one. */
  unless?: number;
  /** Exit code of `onlyif`, when there is one. */
  onlyif?: number;
}

export interface ObservedState {
  packages: Record<string, ObservedPackage>;
  /** Only for packages whose availability matters (pins, latest, not yet installed). */
  availability: Record<string, PackageAvailability>;
  files: Record<string, ObservedFile>;
  users: Record<string, ObservedUser>;
  groups: Record<string, ObservedGroup>;
  /** By unit name, e.g. "nginx.service". */
  services: Record<string, ObservedService>;
  venvs: Record<string, ObservedVenv>;
  /** dpkg's architectures, read only when an apt resource names a foreign one (libc6:i386). */
  architectures?: { native: string; foreign: string[] };
  /** By resource ref. */
  guards: Record<string, ObservedGuards>;
  /** Refreshes a previous, failed run still owes (resource refs). */
  pendingRefreshes: string[];
  /** The inputs hash the last clean provision recorded on the target, if any. */
  provisionedMarker?: string;
  /** The host facts templates read, when asked for. */
  templateFacts?: TemplateFacts;
  /** What a provider without a field of its own here read, under its type (a new type starts here). */
  byType: Record<string, unknown>;
}

export function emptyObservedState(): ObservedState {
  return { packages: {}, availability: {}, files: {}, users: {}, groups: {}, services: {}, venvs: {}, guards: {}, pendingRefreshes: [], byType: {} };
}
