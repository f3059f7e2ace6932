import { createBackend } from '../../backends/open.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor, oneEnvironmentFor } from '../load-profile.js';

/** The command's own exit code is devenv's exit code. With machines: in the profile, -m says in which. */
export async function run(args: { argv: string[]; user?: string; machine?: string }, ctx: CommandContext): Promise<number> {
  const profile = oneEnvironmentFor(await loadProfileFor(ctx, { manifests: false, severalMachines: true }), args.machine, 'exec');
  const backend = await createBackend(profile, ctx);
  return backend.attach(args.argv, { tty: Boolean(process.stdin.isTTY && process.stdout.isTTY), user: args.user });
}
