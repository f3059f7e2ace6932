import type { ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import type { ServiceResource } from '../resource.js';
import { unitName } from '../schema.js';

/** Unit file states that need (or allow) no `systemctl enable`. */
const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient']);

export function planService(resource: ServiceResource, observed: ObservedState): ResourcePlan {
  const unit = unitName(resource.name);
  const current = observed.services[unit] ?? { loadState: 'not-found', activeState: 'inactive', unitFileState: '' };
  const { attrs } = resource;
  const changes: string[] = [];
  const op = { kind: 'service' as const, unit, start: false, stop: false, enable: false, disable: false };
  const active = current.activeState === 'active' || current.activeState === 'reloading' || current.activeState === 'activating';
  if (attrs.ensure === 'running' && !active) {
    changes.push(`state: ${current.loadState === 'not-found' ? 'not installed' : current.activeState} → running`);
    op.start = true;
  }
  if (attrs.ensure === 'stopped' && active) {
    changes.push(`state: ${current.activeState} → stopped`);
    op.stop = true;
  }
  if (attrs.enable === true && !ENABLED_STATES.has(current.unitFileState)) {
    changes.push(`enabled: ${current.unitFileState || 'no'} → enabled`);
    op.enable = true;
  }
  if (attrs.enable === false && current.unitFileState === 'enabled') {
    changes.push('enabled: enabled → disabled');
    op.disable = true;
  }
  return changes.length ? { changes, operation: op } : { changes };
}
