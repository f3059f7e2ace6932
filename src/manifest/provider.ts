import type { z } from 'zod';
import type { BatchAnswer, BatchQuery } from '../targets/exec-batch.js';
import type { FileChange } from '../targets/file-batch.js';
import type { Target } from '../targets/target.js';
import type { StatEntry } from './observe.js';
import type { ObservedState } from './observed-state.js';
import type { Operation, PlannedChange, RefreshAction, ResourcePlan } from './operation.js';
import type { Resource, ResourceOf } from './resource.js';

/**
 * A resource provider: everything devenv knows about one resource type (DESIGN.md's
 * observe → diff → apply), in one file under src/manifest/resources/. The loader,
 * the catalog, observe, plan and apply loop over the registry
 * (src/manifest/resources/registry.ts) and never name a type; adding one (cron,
 * sysctl) is a new file, its line in the registry and its tests.
 */
export interface ResourceProvider<T extends string = string, A = unknown> {
  /** The manifest's key for the type ("apt", "file"…), also the "type:" of references. */
  readonly type: T;
  /** A strict object of the attributes, with the relation keys (schema.ts's `relations`). */
  readonly attributes: z.ZodType<A>;
  /** Why a name (the key under the type) is not acceptable, or undefined when it is. */
  nameProblem(name: string): string | undefined;
  /** Load-time checks beyond the attributes (files it reads must exist now); throws a ConfigError. */
  checkDeclared?(resource: ResourceOf<T, A>): void;
  /**
   * The refs it must come after without the manifest saying so (a file after its
   * folder and owner, a service after its package), in the order they are found.
   */
  impliedAfter?(resource: ResourceOf<T, A>, declared: ReadonlyMap<string, Resource>): string[];
  /** What it reads of the target; every query rides in observe's one batched round trip. */
  observe?: ProviderObservation<ResourceOf<T, A>>;
  /** The pure planner: one resource against what was observed. */
  plan(resource: ResourceOf<T, A>, observed: ObservedState, desired: PlanContext): ResourcePlan;
  /** When a subscribed or notifying resource changes. */
  refresh?: ProviderRefresh<ResourceOf<T, A>>;
  /** Operations with the same key run together, in the earliest batch after their dependencies (apt, pip of one venv). */
  batchKey?(operation: Operation): string | undefined;
  /** Consecutive operations of this type run in one round trip, at most this many (files). */
  consecutive?: { max: number };
  /** Takes the pending-refresh record's file changes first in its own round trip (files), instead of a round trip of their own. */
  carriesRecords?: boolean;
  /**
   * A change of this type brings files, units and services the plan could not know
   * (packages): with stopAfterPackages the run stops after it to be planned again.
   */
  changesWhatThePlanSaw?: boolean;
  /** At the end of the run's steps, before the refreshes (a daemon-reload no service step did). */
  finish?(session: ApplySession): Promise<void>;
  /** The progress line of a batch or a group (a single change shows its ref). */
  describe?(changes: readonly PlannedChange[]): string;
  /** Carries out one change, or a batch of them (same batch key, or consecutive). */
  apply(session: ApplySession, work: ApplyWork<ResourceOf<T, A>>): Promise<Executed | void>;
}

/** What a planner may read besides the observation: the catalog and the rendered files. */
export interface PlanContext {
  byRef: ReadonlyMap<string, Resource>;
  /** Each managed file's full desired content, by path. */
  contents: Readonly<Record<string, string>>;
}

/**
 * One query of the first round trip, named by every provider that reads it (the
 * getent pass serves users, groups, files and venvs): it runs once, over the
 * resources of all of them, in catalog order.
 */
export interface ObservationQuery {
  /** Its name in the batch and the progress line; unique. */
  key: string;
  /** The query, or none when these resources need nothing. */
  build(resources: readonly Resource[], options: QueryOptions): BatchQuery | undefined;
  /** Reads the answer into the state; `stdout(what, okCodes)` throws when the query failed. */
  read?(stdout: (what: string, okCodes?: readonly number[]) => string, resources: readonly Resource[], state: ObservedState): void;
}

export interface QueryOptions {
  /** Look packages up in the apt lists in the first round trip when the target was never provisioned. */
  earlyAvailability?: boolean;
  /** The provisioned marker's path: where it is, the target was provisioned before. */
  provisionedMarker: string;
}

export interface ProviderObservation<R> {
  /** Paths its resources need in the shared stat pass (one find, one sha256sum, one cat for every path). */
  paths?(resource: R): StatEntry[];
  /** Queries of the first round trip it reads. */
  queries?: readonly ObservationQuery[];
  /** Round trips after the first, in registry order (apt's lookups in the lists, exec's guards). */
  after?(resources: readonly R[], state: ObservedState, context: ObserveContext): Promise<void>;
}

export interface ObserveContext {
  target: Target;
  options: {
    updateAptLists?: boolean;
    earlyAvailability?: boolean;
  };
  /** The raw answers of the first round trip, by query key. */
  answers: Readonly<Record<string, BatchAnswer | undefined>>;
  step: (detail: string) => void;
}

export interface ProviderRefresh<R> {
  /** What a refresh does to this resource, or undefined when it takes none (a stopped service). */
  action(resource: R): RefreshAction | undefined;
  /**
   * 'in-order': it runs as its own step, where it stands, and counts as a change (an
   * exec); 'at-end': every one in one round trip after the rest (services).
   */
  when: 'in-order' | 'at-end';
  /** For 'at-end': the progress line of one refresh ("reload nginx.service"). */
  describe?(resource: R, change: PlannedChange): string;
  /** For 'at-end': runs them all in one round trip, each succeeding or failing alone. */
  runAtEnd?(target: Target, refreshes: readonly { resource: R; change: PlannedChange }[]): Promise<({ ok: true } | { ok: false; error: string })[]>;
}

/** Options of the run that providers read (apply.ts's ApplyOptions carries them). */
export interface ProviderApplyOptions {
  /** apt installs Recommends (the profile's apt.install_recommends; default: Debian's, yes). */
  installRecommends?: boolean;
  /**
   * The own archive's wheels in the environment (see src/manifest/archive-offer.ts): pip looks
   * there first, and with `noIndex` only there (every pin of the run is archived, so
   * no package index is needed, or reachable).
   */
  pipFindLinks?: { dir: string; noIndex: boolean };
}

/** What one apply run shares between providers and the scheduler. */
export interface ApplySession {
  target: Target;
  options: ProviderApplyOptions;
  /** A unit file was written: systemd must reload before a service is touched (and at the end, if none was). */
  daemonReloadNeeded: boolean;
  /** Services a start in this run started: they read their configuration now, no refresh is needed. */
  startedNow: Set<string>;
  /** Whether a resource changed so far in this run. */
  changed(ref: string): boolean;
}

export interface ApplyWork<R> {
  /** One change, or several of one batch; each with an operation, or an in-order refresh. */
  changes: readonly PlannedChange[];
  resources: readonly R[];
  /** Only for providers that carry records: file changes to run first, in the same round trip. */
  records: readonly FileChange[];
}

/** How a call went, when not simply "all done" (a throw fails every change of the call). */
export interface Executed {
  /** How many changes, from the first, were carried out; the others were not reached. */
  done?: number;
  /** The change at this index failed. */
  failed?: { index: number; error: unknown };
  /** Nothing was to be done after all (an in-order refresh whose causes did not change). */
  untouched?: boolean;
  /** Lines added to the (single) change's outcome. */
  notes?: string[];
}

/** The refs among these that are declared, but for the resource itself: what implied edges point at. */
export function declaredRefs(refs: readonly string[], self: string, declared: ReadonlyMap<string, unknown>): string[] {
  return refs.filter((ref) => declared.has(ref) && ref !== self);
}
