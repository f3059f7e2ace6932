import { resolve } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { ArchiveStore } from '../../lock/archive-store.js';
import { exportArchive, importArchive } from '../../lock/archive-dir.js';
import { isArchiveUrl } from '../../profile/schema.js';
import { displayPath } from '../../profile/yaml-source.js';
import { writeJson, type CommandContext } from '../context.js';

/** `devenv archive export DIR` / `import DIR` / `list`: the own archive as a plain directory (see src/lock/archive-dir.ts). */
export async function run(args: { action: 'export' | 'import' | 'list'; dir?: string }, ctx: CommandContext): Promise<number> {
  const store = new ArchiveStore();
  if (args.action === 'list') {
    const debs = [...(await store.listDebs()).values()].sort((a, b) => a.name.localeCompare(b.name));
    const wheels = [...(await store.listWheels()).values()];
    if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.archive/v1', root: store.root, debs: debs.map(({ control: _c, ...d }) => d), wheels });
    else
      ctx.out(
        `${debs.length} packages and ${wheels.length} wheels in ${displayPath(store.root)}\n${[...debs.map((d) => `  ${d.name} ${d.version} ${d.arch}`), ...wheels.map((w) => `  ${w.file}`)].join('\n')}\n`,
      );
    return ExitCode.ok;
  }
  // import also takes an exported archive served over HTTP(S), as a profile's `archives:` does.
  const remote = args.action === 'import' && isArchiveUrl(args.dir!);
  const dir = remote ? args.dir! : resolve(args.dir!);
  const shown = remote ? dir : displayPath(dir);
  const counts = await ctx.progress.step(`${args.action === 'export' ? 'Exporting the own archive to' : 'Importing'} ${shown}`, () =>
    args.action === 'export' ? exportArchive(store, dir) : importArchive(store, dir),
  );
  if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.archive/v1', action: args.action, dir, ...counts });
  else
    ctx.out(
      `${args.action === 'export' ? 'exported' : 'imported'} ${counts.debs} packages and ${counts.wheels} wheels ${args.action === 'export' ? 'to' : 'from'} ${shown}\n`,
    );
  return ExitCode.ok;
}
