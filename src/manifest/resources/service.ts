import { z } from 'zod';
import { OperationError } from '../../core/errors.js';
import type { ObservedService, ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import { declaredRefs, type ObservationQuery, type ResourceProvider } from '../provider.js';
import { refOf, type ResourceOf } from '../resource.js';
import { relations, UNIT_NAME, unitName } from '../schema.js';
import { tail } from '../target-command.js';

/**
 * systemd services: state and enablement from one `systemctl show` for all of
 * them; each change in one round trip; refreshes (restart, reload) owed by what
 * they subscribe to, all together at the end of the run.
 */

export const ServiceAttributes = z.strictObject({
  ensure: z.enum(['running', 'stopped']).optional(),
  enable: z.boolean().optional(),
  on_refresh: z.enum(['restart', 'reload']).default('restart'),
  ...relations,
});

export type ServiceAttrs = z.output<typeof ServiceAttributes>;
export type ServiceResource = ResourceOf<'service', ServiceAttrs>;

// ---- observe

const SERVICES_SCRIPT = 'systemctl show -p Id,LoadState,ActiveState,UnitFileState -- "$@"';

const servicesQuery: ObservationQuery = {
  key: 'services',
  build: (resources) => (resources.length > 0 ? { script: SERVICES_SCRIPT, args: resources.map((r) => unitName(r.name)) } : undefined),
  read: (stdout, resources, state) => {
    state.services = parseSystemctlShow(
      stdout('systemctl show'),
      resources.map((r) => unitName(r.name)),
    );
  },
};

/** `systemctl show` prints one block per unit, in argument order, separated by blank lines. */
export function parseSystemctlShow(stdout: string, units: readonly string[]): Record<string, ObservedService> {
  const blocks = stdout.trim().split(/\n\s*\n/);
  const services: Record<string, ObservedService> = {};
  units.forEach((unit, index) => {
    const props: Record<string, string> = {};
    for (const line of (blocks[index] ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    services[unit] = {
      loadState: props.LoadState ?? 'not-found',
      activeState: props.ActiveState ?? 'inactive',
      unitFileState: props.UnitFileState ?? '',
    };
  });
  return services;
}

// ---- plan

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

// ---- apply

/**
 * One service operation in one round trip. `--no-reload`: enabling only links the
 * unit into its targets, and an implicit daemon-reload per enable cost ~0.25 s each
 * (units devenv wrote are reloaded before, explicitly: $6, in the same round trip).
 * A package's maintainer script may have started the service already, with the
 * configuration of that moment: then it is not started again but refreshed at the
 * end if it must be.
 */
const SERVICE_SCRIPT = `set -e
unit=$1
if [ "$6" = 1 ]; then systemctl daemon-reload; fi
if [ "$2" = 1 ]; then systemctl enable --no-reload -- "$unit"; fi
if [ "$3" = 1 ]; then systemctl disable --no-reload -- "$unit"; fi
if [ "$4" = 1 ] && ! systemctl is-active --quiet -- "$unit"; then systemctl start -- "$unit"; echo started; fi
if [ "$5" = 1 ]; then systemctl stop -- "$unit"; fi`;

/**
 * Runs `systemctl <verb> <unit>` for each pair, in order and whatever the others do,
 * and says for each "<index> 0" or "<index> <exit> <its last 3 lines of output, on one line>".
 */
export const REFRESH_SCRIPT = `i=0
while [ "$#" -ge 2 ]; do
  out=$(systemctl "$1" "$2" 2>&1); code=$?
  if [ "$code" -eq 0 ]; then echo "$i 0"; else printf '%s %s %s\\n' "$i" "$code" "$(printf '%s' "$out" | tail -n 3 | tr '\\n' ' ')"; fi
  i=$((i + 1)); shift 2
done`;

function unitOf(resource: ServiceResource): string {
  return /\.[a-z]+$/.test(resource.name) ? resource.name : `${resource.name}.service`;
}

/** The unit a refresh acts on and the systemctl verb: a stopped service is only refreshed if it runs after all. */
function refreshOf(resource: ServiceResource, change: { operation?: unknown; refresh?: { action: string } }): { unit: string; verb: string } {
  const operation = change.operation as { kind?: string; unit?: string } | undefined;
  const unit = (operation?.kind === 'service' ? operation.unit : undefined) ?? unitOf(resource);
  const running = resource.attrs.ensure === 'running';
  const verb = change.refresh?.action === 'reload' ? (running ? 'reload-or-restart' : 'try-reload-or-restart') : running ? 'restart' : 'try-restart';
  return { unit, verb };
}

export const serviceProvider: ResourceProvider<'service', ServiceAttrs> = {
  type: 'service',
  attributes: ServiceAttributes,
  nameProblem: (name) => (UNIT_NAME.test(name) ? undefined : `"${name}" is not a systemd unit name`),
  // After its package and its unit file.
  impliedAfter: (resource, declared) => {
    const unit = unitName(resource.name);
    return declaredRefs(
      [refOf('apt', resource.name.replace(/\.service$/, '')), refOf('file', `/etc/systemd/system/${unit}`), refOf('file', `/lib/systemd/system/${unit}`)],
      resource.ref,
      declared,
    );
  },
  observe: { queries: [servicesQuery] },
  plan: (resource, observed) => planService(resource, observed),
  refresh: {
    // A stopped service has nothing to refresh; starting it reads the new configuration anyway.
    action: (resource) => (resource.attrs.ensure === 'stopped' ? undefined : resource.attrs.on_refresh),
    when: 'at-end',
    describe: (resource, change) => `${change.refresh!.action} ${refreshOf(resource, change).unit}`,
    /** Every refresh in one round trip, in order; each succeeds or fails alone. */
    async runAtEnd(target, refreshes) {
      const pairs = refreshes.map(({ resource, change }) => refreshOf(resource, change));
      const argv = ['sh', '-c', REFRESH_SCRIPT, 'devenv-refresh', ...pairs.flatMap((p) => [p.verb, p.unit])];
      const result = await target.exec(argv);
      const said = new Map<number, { ok: boolean; message: string }>();
      for (const line of result.stdout.split('\n')) {
        const match = /^(\d+) (\d+)(?: (.*))?$/.exec(line);
        if (match) said.set(Number(match[1]), { ok: match[2] === '0', message: `exited ${match[2]}${match[3] ? `: ${match[3]}` : ''}` });
      }
      return pairs.map(({ unit, verb }, i) => {
        // A refresh the script never answered for (it did not run to the end) failed.
        const answer = said.get(i) ?? { ok: false, message: `did not run (exit ${result.exitCode}): ${tail(result)}` };
        return answer.ok ? { ok: true as const } : { ok: false as const, error: `systemctl ${verb} ${unit} ${answer.message}` };
      });
    },
  },
  async apply(session, { changes }) {
    const change = changes[0]!;
    const operation = change.operation;
    if (operation?.kind !== 'service') return;
    const flags = [operation.enable, operation.disable, operation.start, operation.stop, session.daemonReloadNeeded].map((on) => (on ? '1' : '0'));
    const result = await session.target.exec(['sh', '-c', SERVICE_SCRIPT, 'devenv-service', operation.unit, ...flags]);
    if (result.exitCode !== 0) throw new OperationError(`systemctl on ${operation.unit} exited ${result.exitCode}: ${tail(result)}`);
    session.daemonReloadNeeded = false;
    if (/^started$/m.test(result.stdout)) session.startedNow.add(change.ref);
  },
};
