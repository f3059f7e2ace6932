import type { ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import type { ExecResource } from '../resource.js';

/** Runs unless a guard says the work is done: `creates` exists, `unless` succeeds, `onlyif` fails. */
export function planExec(resource: ExecResource, observed: ObservedState): ResourcePlan {
  const { attrs } = resource;
  if (attrs.refreshonly) return { changes: [] };
  if (attrs.creates !== undefined && (observed.files[attrs.creates]?.kind ?? 'absent') !== 'absent') return { changes: [] };
  const guards = observed.guards[resource.ref];
  if (attrs.unless && guards?.unless === 0) return { changes: [] };
  if (attrs.onlyif && guards?.onlyif !== undefined && guards.onlyif !== 0) return { changes: [] };
  return { changes: [`run: ${JSON.stringify(attrs.command)}`], operation: { kind: 'exec' } };
}
