import { refreshSources, type Catalog } from './catalog.js';
import type { ObservedState } from './observed-state.js';
import type { Plan, PlannedChange, PlanProblem, ResourcePlan } from './operation.js';
import { refOf, type Resource } from './resource.js';
import { planGroup, planUser } from './resources/account.js';
import { planApt } from './resources/apt.js';
import { planExec } from './resources/exec.js';
import { planFile } from './resources/file.js';
import { planPip, planVenv } from './resources/python.js';
import { planService } from './resources/service.js';

/** The desired state: the ordered catalog and each managed file's full content. */
export interface DesiredState {
  catalog: Catalog;
  contents: Record<string, string>;
}

/**
 * The pure planner: desired and observed state in, changes out, in apply order.
 * No I/O, so `devenv plan`, `devenv provision` and the tests share it.
 */
export function plan(desired: DesiredState, observed: ObservedState): Plan {
  const changes: PlannedChange[] = [];
  const problems: PlanProblem[] = [];
  const sources = refreshSources(desired.catalog);
  const changing = new Set<string>();
  const pending = new Set(observed.pendingRefreshes);

  for (const resource of desired.catalog.ordered) {
    const verdict = planResource(resource, desired, observed);
    if (verdict.problem) problems.push({ ref: resource.ref, message: verdict.problem });
    const change: PlannedChange = { ref: resource.ref, type: resource.type, changes: verdict.changes };
    if (verdict.diff !== undefined) change.diff = verdict.diff;
    if (verdict.operation) {
      change.operation = verdict.operation;
      changing.add(resource.ref);
    }
    const action = refreshActionOf(resource);
    if (action) {
      const because = (sources.get(resource.ref) ?? []).filter((ref) => changing.has(ref));
      if (pending.has(resource.ref)) because.push('pending');
      // A stopped service has nothing to refresh; starting it reads the new configuration anyway.
      const stays = resource.type !== 'service' || resource.attrs.ensure !== 'stopped';
      if (because.length > 0 && stays) {
        change.refresh = { action, because };
        if (resource.type === 'exec') changing.add(resource.ref);
      }
    }
    changes.push(change);
  }
  return { changes, problems };
}

function planResource(resource: Resource, desired: DesiredState, observed: ObservedState): ResourcePlan {
  switch (resource.type) {
    case 'apt':
      return planApt(resource, observed);
    case 'group':
      return planGroup(resource, observed);
    case 'user':
      return planUser(resource, observed);
    case 'venv':
      return planVenv(resource, observed);
    case 'pip': {
      const venv = desired.catalog.byRef.get(refOf('venv', resource.attrs.venv));
      return planPip(resource, observed, venv?.type === 'venv' ? venv.attrs.owner : undefined);
    }
    case 'file':
      return planFile(resource, observed, desired.contents[resource.name]);
    case 'service':
      return planService(resource, observed);
    case 'exec':
      return planExec(resource, observed);
  }
}

function refreshActionOf(resource: Resource): 'restart' | 'reload' | 'run' | undefined {
  if (resource.type === 'service') return resource.attrs.on_refresh;
  if (resource.type === 'exec') return 'run';
  return undefined;
}

export function pendingCount(p: Plan): number {
  return p.changes.filter((c) => c.operation !== undefined || c.refresh !== undefined).length;
}
