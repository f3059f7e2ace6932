import type { ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import type { PipResource, VenvResource } from '../resource.js';
import { normalizePipName } from '../schema.js';

export function planVenv(resource: VenvResource, observed: ObservedState): ResourcePlan {
  const path = resource.name;
  const exists = observed.venvs[path]?.exists === true;
  const { attrs } = resource;
  if (attrs.ensure === 'absent') {
    return exists ? { changes: ['ensure: present → absent'], operation: { kind: 'commands', commands: [{ argv: ['rm', '-rf', '--', path] }] } } : { changes: [] };
  }
  if (exists) return { changes: [] };
  const commands = [{ argv: [attrs.python, '-m', 'venv', ...(attrs.system_site_packages ? ['--system-site-packages'] : []), path] }];
  if (attrs.owner !== undefined || attrs.group !== undefined) {
    commands.push({ argv: ['chown', '-R', `${attrs.owner ?? ''}${attrs.group !== undefined ? `:${attrs.group}` : ''}`, '--', path] });
  }
  return { changes: [`ensure: absent → present (${attrs.python})`], operation: { kind: 'commands', commands } };
}

/** `runAs` is the venv's owner, so files pip writes belong to the same account as the venv. */
export function planPip(resource: PipResource, observed: ObservedState, runAs: string | undefined): ResourcePlan {
  const installed = observed.venvs[resource.attrs.venv]?.packages[normalizePipName(resource.name)];
  const wanted = resource.attrs.ensure;
  const base = { kind: 'pip' as const, venv: resource.attrs.venv, ...(runAs !== undefined ? { runAs } : {}) };
  if (wanted === 'absent') {
    return installed === undefined ? { changes: [] } : { changes: [`version: ${installed} → (removed)`], operation: { ...base, uninstall: resource.name } };
  }
  if (installed === wanted) return { changes: [] };
  return { changes: [`version: ${installed ?? '(not installed)'} → ${wanted}`], operation: { ...base, install: `${resource.name}==${wanted}` } };
}
