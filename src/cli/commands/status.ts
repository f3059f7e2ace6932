import { createBackend } from '../../backends/open.js';
import { writeJson, type CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';
import { machinesDocument, renderMachinesText, renderStatusText, statusDocument } from '../render-status.js';

/** `devenv status`: the environment, or one row per machine of a `machines:` profile. */
export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false, severalMachines: true });
  if (profile.machines) {
    const rows = await Promise.all(
      profile.machines.map(async (machine) => ({ machine: machine.machine!.name, status: await (await createBackend(machine, ctx)).status() })),
    );
    if (ctx.options.format === 'json') writeJson(ctx, machinesDocument(profile.data.name, rows));
    else ctx.out(renderMachinesText(rows));
    return 0;
  }
  const status = await (await createBackend(profile, ctx)).status();
  if (ctx.options.format === 'json') writeJson(ctx, statusDocument(status));
  else ctx.out(renderStatusText(status));
  return 0;
}
