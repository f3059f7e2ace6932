import { createBackend } from '../../backends/open.js';
import type { LoadedProfile } from '../../environment/load.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { environmentsFor, loadProfileFor } from '../load-profile.js';
import { machinesDocument, statusDocument, type MachineRow } from '../render-status.js';

/**
 * `devenv destroy [MACHINE…] [--force]`: the environment, or the named machines
 * (none named: all of them, dependents first, and with the last one their network).
 */
export async function run(args: { force: boolean; machines?: string[] }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false, severalMachines: true });
  const environments = environmentsFor(profile, args.machines ?? [], { withDependencies: false });
  const found = await Promise.all(environments.map(async (environment) => ({ environment, backend: await createBackend(environment, ctx) })));
  const present: typeof found = [];
  for (const entry of found) if ((await entry.backend.status()).state !== 'absent') present.push(entry);
  const what = profile.machines
    ? `the machines ${present.map((e) => e.environment.machine!.name).join(', ')} of ${profile.data.name}`
    : `the environment ${profile.data.name}`;
  if (present.length === 0) {
    // Machines' network left by an interrupted destroy goes too.
    if (profile.machines) for (const { backend } of found) await backend.destroy();
    if (ctx.options.format === 'json') writeJson(ctx, document(profile, await rowsOf(found), { action: 'none' }));
    else ctx.progress.info(`${profile.machines ? `${environments.map((e) => e.machine!.name).join(', ')}` : profile.data.name}: nothing to destroy`);
    return 0;
  }
  if (ctx.interactive && !args.force) {
    const { confirm } = await import('@inquirer/prompts');
    const folders = [...new Set(present.flatMap((e) => e.environment.sync.map((s) => s.host)))];
    const kept = folders.length ? ` (synced folders stay on the host: ${folders.join(', ')})` : '';
    const yes = await confirm({ message: `Destroy ${what}${kept}?`, default: false });
    if (!yes) {
      ctx.progress.info('nothing destroyed');
      return 0;
    }
  }
  for (const { environment, backend } of [...present].reverse()) await withEnvironmentLock(ctx, environment, 'destroy', () => backend.destroy());
  if (ctx.options.format === 'json') writeJson(ctx, document(profile, await rowsOf(found), { action: 'destroyed' }));
  return 0;
}

async function rowsOf(found: readonly { environment: LoadedProfile; backend: { status(): Promise<MachineRow['status']> } }[]): Promise<MachineRow[]> {
  return Promise.all(
    found.map(async ({ environment, backend }) => ({ machine: environment.machine?.name ?? environment.data.name, status: await backend.status() })),
  );
}

function document(profile: LoadedProfile, rows: readonly MachineRow[], extra: Record<string, unknown>): { schema: string } & Record<string, unknown> {
  return profile.machines ? machinesDocument(profile.data.name, rows, extra) : statusDocument(rows[0]!.status, extra);
}
