import { createBackend } from '../../backends/open.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor, oneEnvironmentFor } from '../load-profile.js';

export async function run(args: { user?: string; machine?: string }, ctx: CommandContext): Promise<number> {
  const profile = oneEnvironmentFor(await loadProfileFor(ctx, { manifests: false, severalMachines: true }), args.machine, 'shell');
  const backend = await createBackend(profile, ctx);
  // A login shell: `su -l` sets HOME, shell and environment the way the user's login does.
  const argv = args.user ? ['su', '-l', args.user, '-s', '/bin/bash'] : ['bash', '-l'];
  return backend.attach(argv, { tty: Boolean(process.stdin.isTTY), cwd: args.user ? undefined : '/root' });
}
