import { createBackend } from '../../backends/open.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { environmentsFor, loadProfileFor } from '../load-profile.js';
import { machinesDocument, renderMachinesText, renderStatusText, statusDocument } from '../render-status.js';

/** `devenv halt [MACHINE…]`: named machines only (what depends on them keeps running); none named: all, dependents first. */
export async function run(args: { machines?: string[] }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false, severalMachines: true });
  const environments = environmentsFor(profile, args.machines ?? [], { withDependencies: false });
  const rows = [];
  for (const environment of [...environments].reverse()) {
    const status = await withEnvironmentLock(ctx, environment, 'halt', async () => (await createBackend(environment, ctx)).halt());
    rows.unshift({ machine: environment.machine?.name ?? environment.data.name, status });
  }
  if (!profile.machines) {
    if (ctx.options.format === 'json') writeJson(ctx, statusDocument(rows[0]!.status));
    else if (!ctx.options.quiet) ctx.out(renderStatusText(rows[0]!.status));
  } else if (ctx.options.format === 'json') writeJson(ctx, machinesDocument(profile.data.name, rows));
  else if (!ctx.options.quiet) ctx.out(renderMachinesText(rows));
  return 0;
}
