import { createBackend } from '../../backends/open.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { loadProfileFor } from '../load-profile.js';
import { statusDocument } from '../render-status.js';

export async function run(args: { force: boolean }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false });
  const backend = await createBackend(profile, ctx);
  const status = await backend.status();
  if (status.state === 'absent') {
    if (ctx.options.format === 'json') writeJson(ctx, statusDocument(status, { action: 'none' }));
    else ctx.progress.info(`${profile.data.name}: nothing to destroy`);
    return 0;
  }
  if (ctx.interactive && !args.force) {
    const { confirm } = await import('@inquirer/prompts');
    const kept = profile.sync.length ? ` (synced folders stay on the host: ${profile.sync.map((s) => s.host).join(', ')})` : '';
    const yes = await confirm({ message: `Destroy the environment ${profile.data.name}${kept}?`, default: false });
    if (!yes) {
      ctx.progress.info('nothing destroyed');
      return 0;
    }
  }
  await withEnvironmentLock(ctx, profile, 'destroy', () => backend.destroy());
  if (ctx.options.format === 'json') writeJson(ctx, statusDocument(await backend.status(), { action: 'destroyed' }));
  return 0;
}
