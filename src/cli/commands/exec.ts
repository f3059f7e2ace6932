import { createBackend } from '../../backends/open.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';

/** The command's own exit code is devenv's exit code. */
export async function run(args: { argv: string[]; user?: string }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false });
  const backend = await createBackend(profile, ctx);
  return backend.attach(args.argv, { tty: Boolean(process.stdin.isTTY && process.stdout.isTTY), user: args.user });
}
