import { refreshSources, type Catalog } from './catalog.js';
import type { ObservedState } from './observed-state.js';
import type { Plan, PlannedChange, PlanProblem } from './operation.js';
import { providerFor } from './providers.js';

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

  const context = { byRef: desired.catalog.byRef, contents: desired.contents };
  for (const resource of desired.catalog.ordered) {
    const provider = providerFor(resource.type);
    const verdict = provider.plan(resource, observed, context);
    if (verdict.problem) problems.push({ ref: resource.ref, message: verdict.problem });
    const change: PlannedChange = { ref: resource.ref, type: resource.type, changes: verdict.changes };
    if (verdict.diff !== undefined) change.diff = verdict.diff;
    if (verdict.operation) {
      change.operation = verdict.operation;
      changing.add(resource.ref);
    }
    const action = provider.refresh?.action(resource);
    if (action) {
      const because = (sources.get(resource.ref) ?? []).filter((ref) => changing.has(ref));
      if (pending.has(resource.ref)) because.push('pending');
      if (because.length > 0) {
        change.refresh = { action, because };
        // A refresh that runs where it stands (an exec) is a change the ones after it can follow.
        if (provider.refresh!.when === 'in-order') changing.add(resource.ref);
      }
    }
    changes.push(change);
  }
  return { changes, problems };
}

export function pendingCount(p: Plan): number {
  return p.changes.filter((c) => c.operation !== undefined || c.refresh !== undefined).length;
}
