import { z } from 'zod';
import type { Target } from '../../targets/target.js';
import type { ObservedState } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import { declaredRefs, type ResourceProvider } from '../provider.js';
import { refOf, type ResourceOf } from '../resource.js';
import { absolutePath, accountName, ENV_NAME, relations } from '../schema.js';
import { must } from '../target-command.js';

/**
 * Commands run unless a guard says the work is done: `creates` rides in the shared
 * stat pass; `unless` and `onlyif` are commands of their own, one round trip each
 * after the batch. A refreshonly exec runs, in order, when what it follows changed.
 */

const argv = z
  .array(z.string().refine((s) => !s.includes('\0'), 'an argument cannot contain a NUL byte'))
  .min(1, 'a command is a list of at least one argument: [program, arg, …]');

export const ExecAttributes = z.strictObject({
  command: argv,
  creates: absolutePath.optional(),
  unless: argv.optional(),
  onlyif: argv.optional(),
  refreshonly: z.boolean().default(false),
  env: z.record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _'), z.string()).optional(),
  cwd: absolutePath.optional(),
  /** Seconds. */
  timeout: z.number().positive().max(86400).default(300),
  user: accountName.optional(),
  ...relations,
});

export type ExecAttrs = z.output<typeof ExecAttributes>;
export type ExecResource = ResourceOf<'exec', ExecAttrs>;

/** How the command and its guards run: as its user, with its env, folder and timeout. */
function runOptions(attrs: ExecAttrs): { user: string; env?: Record<string, string>; cwd?: string; timeout: number } {
  return { user: attrs.user ?? 'root', ...(attrs.env ? { env: attrs.env } : {}), ...(attrs.cwd ? { cwd: attrs.cwd } : {}), timeout: attrs.timeout * 1000 };
}

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

async function runGuards(target: Target, execs: readonly ExecResource[], state: ObservedState): Promise<void> {
  for (const r of execs) {
    if (r.attrs.refreshonly) continue;
    const guards: { unless?: number; onlyif?: number } = {};
    const run = runOptions(r.attrs);
    if (r.attrs.unless) guards.unless = (await target.exec(r.attrs.unless, run)).exitCode;
    if (r.attrs.onlyif) guards.onlyif = (await target.exec(r.attrs.onlyif, run)).exitCode;
    if (r.attrs.unless || r.attrs.onlyif) state.guards[r.ref] = guards;
  }
}

export const execProvider: ResourceProvider<'exec', ExecAttrs> = {
  type: 'exec',
  attributes: ExecAttributes,
  nameProblem: (name) =>
    /^[A-Za-z0-9][A-Za-z0-9_.@ -]*$/.test(name) && name.length <= 100
      ? undefined
      : `"${name}" is not a usable exec name (letters, digits, space, "_", ".", "@", "-")`,
  impliedAfter: (resource, declared) => (resource.attrs.user ? declaredRefs([refOf('user', resource.attrs.user)], resource.ref, declared) : []),
  observe: {
    paths: (resource) => (resource.attrs.creates ? [{ path: resource.attrs.creates, readContent: false }] : []),
    after: (execs, state, { target }) => runGuards(target, execs, state),
  },
  plan: (resource, observed) => planExec(resource, observed),
  refresh: { action: () => 'run', when: 'in-order' },
  async apply(session, { changes, resources }) {
    const change = changes[0]!;
    const resource = resources[0]!;
    const refreshNow = change.refresh?.because.some((ref) => ref === 'pending' || session.changed(ref));
    if (change.operation?.kind !== 'exec' && !refreshNow) return { untouched: true };
    await must(session.target, resource.attrs.command, runOptions(resource.attrs));
    return !change.operation && refreshNow ? { notes: [`ran on refresh (${change.refresh!.because.join(', ')})`] } : {};
  },
};
