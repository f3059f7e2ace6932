import { createBackend } from '../../backends/open.js';
import { UsageError } from '../../core/errors.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { loadProfileFor } from '../load-profile.js';

/**
 * `devenv sync`: on a remote engine, synced folders are copies; this copies them
 * again (host → guest, what was removed on the host goes in the guest too).
 * On a local engine they are bind mounts, always current: nothing to do.
 */
export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false });
  if (profile.sync.length === 0) throw new UsageError(`${profile.file} has no synced folders (sync:) to copy`);
  const backend = await createBackend(profile, ctx);
  if (!backend.sync) throw new UsageError(`backend "${profile.data.backend}" mounts synced folders itself: nothing to copy`);
  const result = await withEnvironmentLock(ctx, profile, 'sync', () => backend.sync!());
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.sync/v1', mode: result === 'mounted' ? 'mounted' : 'copied', folders: result === 'mounted' ? [] : result });
  } else if (result === 'mounted') {
    ctx.out('synced folders are bind mounts on this engine: always current, nothing to copy\n');
  } else {
    for (const folder of result) ctx.out(`copied ${folder.files} files (${folder.bytes} bytes) to ${folder.guest}\n`);
  }
  return 0;
}
