import { createBackend } from '../../backends/open.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { loadProfileFor } from '../load-profile.js';
import { renderStatusText, statusDocument } from '../render-status.js';

export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false });
  const status = await withEnvironmentLock(ctx, profile, 'halt', async () => (await createBackend(profile, ctx)).halt());
  if (ctx.options.format === 'json') writeJson(ctx, statusDocument(status));
  else if (!ctx.options.quiet) ctx.out(renderStatusText(status));
  return 0;
}
