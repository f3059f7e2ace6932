import type { ResourceType } from './resource.js';

/**
 * What apply must do for one resource, as data. The planner produces these
 * without touching anything; apply turns them into argv arrays.
 */
export interface Command {
  argv: string[];
  user?: string;
}

export type Operation =
  | { kind: 'apt'; name: string; install?: string; remove?: 'remove' | 'purge' }
  | FileOperation
  | { kind: 'commands'; commands: Command[] }
  | { kind: 'service'; unit: string; start?: boolean; stop?: boolean; enable?: boolean; disable?: boolean }
  | { kind: 'pip'; venv: string; runAs?: string; install?: string; uninstall?: string }
  | { kind: 'exec' };

export interface FileOperation {
  kind: 'file';
  path: string;
  write?: { content: string; mode: string; owner?: string; group?: string };
  mkdir?: boolean;
  link?: string;
  remove?: 'file' | 'tree';
  chmod?: string;
  chown?: string;
  chgrp?: string;
}

export type RefreshAction = 'restart' | 'reload' | 'run';

export interface PlannedRefresh {
  action: RefreshAction;
  /** The refs whose change triggers it; "pending" for one owed by an earlier run. */
  because: string[];
}

export interface PlannedChange {
  ref: string;
  type: ResourceType;
  /** What differs, one short line each ("version: (none) → 1.22.1-9+deb12u9"). Empty when in sync. */
  changes: string[];
  /** Unified diff for files (secrets masked). */
  diff?: string;
  /** Undefined when the resource is in sync. */
  operation?: Operation;
  /** Set when a subscribed or notifying resource changes (or an earlier run left it owed). */
  refresh?: PlannedRefresh;
}

/** A reason the whole run must not start (a pinned version the mirror lacks, a path of the wrong kind). */
export interface PlanProblem {
  ref: string;
  message: string;
}

export interface Plan {
  changes: PlannedChange[];
  problems: PlanProblem[];
}

export function hasWork(change: PlannedChange): boolean {
  return change.operation !== undefined || change.refresh !== undefined;
}

/** One resource's verdict from its type's planner. */
export interface ResourcePlan {
  changes: string[];
  diff?: string;
  operation?: Operation;
  /** Stops the whole run before anything changes. */
  problem?: string;
}
