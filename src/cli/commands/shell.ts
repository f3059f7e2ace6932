import { createBackend } from '../../backends/open.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';

export async function run(args: { user?: string }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfileFor(ctx, { manifests: false });
  const backend = await createBackend(profile, ctx);
  // A login shell: `su -l` sets HOME, shell and environment the way the user's login does.
  const argv = args.user ? ['su', '-l', args.user, '-s', '/bin/bash'] : ['bash', '-l'];
  return backend.attach(argv, { tty: Boolean(process.stdin.isTTY), cwd: args.user ? undefined : '/root' });
}
