import { Command, CommanderError, Option } from 'commander';
import { config as zodConfig } from 'zod';
import { DevenvError, ExitCode, InternalError, OperationError } from '../core/errors.js';
import { Progress, unforeseenMessage } from '../core/progress.js';
import type { CommandContext, GlobalOptions, OutputFormat } from './context.js';

// A command validates each schema once: zod's JIT (code generated per object shape)
// costs more to compile than it saves on one parse. Same results, interpreted.
zodConfig({ jitless: true });

/**
 * The thin entry point: parses the command line, lazily imports the command,
 * and is the one place errors are rendered and exit codes set.
 */
type CommandModule<A> = { run(args: A, ctx: CommandContext): Promise<number> };

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts += 1;
    // First Ctrl-C: let the running step clean up. Second: leave now.
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    process.stderr.write('\ninterrupting: cleaning up (Ctrl-C again to force)…\n');
    controller.abort();
  });
}

function globalOptions(command: Command): GlobalOptions {
  const raw = command.optsWithGlobals<{
    profile?: string;
    format?: string;
    json?: boolean;
    identity?: string;
    sudo?: boolean;
    acceptNewHostKey?: boolean;
    quiet?: boolean;
    verbose?: boolean;
    color?: boolean;
    wait?: boolean;
  }>();
  const format = (raw.json ? 'json' : (raw.format ?? 'text')) as OutputFormat;
  return {
    profile: raw.profile,
    format,
    identity: raw.identity,
    sudo: raw.sudo ?? false,
    acceptNewHostKey: raw.acceptNewHostKey ?? false,
    quiet: raw.quiet ?? false,
    verbose: raw.verbose ?? false,
    wait: raw.wait !== false,
    color: raw.color !== false && process.env.NO_COLOR === undefined,
  };
}

async function runCommand<A>(command: Command, load: () => Promise<CommandModule<A>>, args: A): Promise<void> {
  const options = globalOptions(command);
  const ctx: CommandContext = {
    options,
    progress: new Progress({ quiet: options.quiet, verbose: options.verbose, color: options.color }),
    out: (text) => process.stdout.write(text),
    signal: controller.signal,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
  const module = await load();
  process.exitCode = await module.run(args, ctx);
}

/** docker-modem's errors carry the engine's HTTP status: the engine said no, devenv did not break. */
function isEngineError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { statusCode?: unknown }).statusCode === 'number';
}

function renderError(error: unknown, verbose: boolean): number {
  const known =
    error instanceof DevenvError
      ? error
      : isEngineError(error)
        ? new OperationError(`the container engine refused a request: ${unforeseenMessage(error)}`, { cause: error })
        : new InternalError(error instanceof Error ? error.message : String(error), { cause: error });
  // Config errors lead with file:line:column, compiler style; the rest say who speaks.
  const line = known.code === 'config' ? known.message : `devenv: ${known.message}`;
  process.stderr.write(`${line}\n`);
  if (known.hint) process.stderr.write(`hint: ${known.hint}\n`);
  if (verbose || known.code === 'internal') {
    const cause = known.code === 'internal' ? known.cause : known;
    if (cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
  }
  return controller.signal.aborted ? ExitCode.interrupted : known.exitCode;
}

const program = new Command('devenv')
  .description('Reproduce production on your laptop, and prove it.')
  .version('0.1.0')
  .option('-p, --profile <file>', 'profile file (default: ./devenv.yaml)')
  .addOption(new Option('--format <format>', 'output format where it applies').choices(['text', 'json', 'junit', 'markdown']).default('text'))
  .option('--json', 'same as --format json')
  .option('-i, --identity <key>', 'SSH private key for ssh:// targets')
  .option('--sudo', 'use sudo -n on ssh:// targets for root-only facts')
  .option('--accept-new-host-key', 'accept an unknown SSH host key (never a changed one)')
  .option('-q, --quiet', 'only results and errors')
  .option('-v, --verbose', 'more detail, stacks on errors')
  .option('--no-color', 'no colours (NO_COLOR is honoured too)')
  .option('--no-wait', 'when another devenv run is changing the same environment (or box), exit 3 instead of waiting')
  .showHelpAfterError('(run devenv --help for usage)')
  .exitOverride();

program
  .command('init')
  .description('write devenv.yaml and starter manifests for this project (or from production with --from)')
  .option('-y, --yes', 'no prompts: take the detected defaults and the flags')
  .option('--force', 'overwrite existing files')
  .option('--from <source>', 'build the profile from production: FACTS.json or ssh://user@host[:port]')
  .option('--name <name>', 'environment name')
  .option('--box <box>', 'base system (debian-11, debian-12, debian-13)')
  .option('--backend <backend>', 'docker or vagrant')
  .option('--port <port>', 'host port forwarded to the site')
  .option('--app-user <user>', 'the app’s own system user')
  .action(async (opts: Omit<import('./commands/init.js').InitArgs, 'yes' | 'force'> & { yes?: boolean; force?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/init.js'), { ...opts, yes: opts.yes ?? false, force: opts.force ?? false }),
  );

program
  .command('up')
  .description('build the box if needed, boot the environment and provision it')
  .option('--rebuild', 'recreate the environment from the box')
  .option('--no-provision', 'boot only, do not apply manifests')
  .action(async (opts: { rebuild?: boolean; provision?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/up.js'), { rebuild: opts.rebuild ?? false, provision: opts.provision !== false }),
  );

program
  .command('status')
  .description('state of the environment')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/status.js'), {}));

program
  .command('exec')
  .description('run a command in the environment (exit code passed through)')
  .argument('<command...>', 'the command and its arguments, after --')
  .option('-u, --user <user>', 'run as this user')
  .action(async (argv: string[], opts: { user?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/exec.js'), { argv, user: opts.user }),
  );

program
  .command('shell')
  .description('an interactive login shell in the environment')
  .option('-u, --user <user>', 'log in as this user')
  .action(async (opts: { user?: string }, cmd: Command) => runCommand(cmd, () => import('./commands/shell.js'), { user: opts.user }));

program
  .command('sync')
  .description('copy the synced folders into the environment again (a remote engine cannot mount them)')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/sync.js'), {}));

program
  .command('halt')
  .description('stop the environment (it keeps its state)')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/halt.js'), {}));

program
  .command('destroy')
  .description('remove the environment (never a synced host folder)')
  .option('-f, --force', 'do not ask for confirmation')
  .action(async (opts: { force?: boolean }, cmd: Command) => runCommand(cmd, () => import('./commands/destroy.js'), { force: opts.force ?? false }));

program
  .command('plan')
  .description('show what provisioning would change, changing nothing (exit 1 when something would)')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/plan.js'), {}));

program
  .command('provision')
  .description('apply the manifests to the environment')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/provision.js'), {}));

const box = program.command('box').description('base systems built from vanilla');
box
  .command('build')
  .description('build a box image with debootstrap (cached by the definition hash)')
  .argument('[name]', 'box name or definition path (default: the profile’s box)')
  .option('--force', 'rebuild even when the image exists')
  .addOption(new Option('--provider <provider>', 'container: the box image; libvirt: also a Vagrant box for vagrant-libvirt (qcow2, its own kernel)').choices(['container', 'libvirt']).default('container'))
  .action(async (name: string | undefined, opts: { force?: boolean; provider: 'container' | 'libvirt' }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/box.js').then((m) => ({ run: m.runBuild })), { name, force: opts.force ?? false, provider: opts.provider }),
  );
box
  .command('prune')
  .description('remove saved environments (provisioned-image cache) of profiles that are gone (or --all), and box images of older definitions')
  .option('--all', 'every saved environment not in use')
  .action(async (opts: { all?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/box.js').then((m) => ({ run: m.runPrune })), { all: opts.all ?? false }),
  );
box
  .command('list')
  .description('box images on this engine')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/box.js').then((m) => ({ run: m.runList })), {}));

program
  .command('facts')
  .description('collect facts (devenv.facts/v1) from the environment, an ssh:// host or a file')
  .option('--target <target>', 'env | ssh://user@host[:port] | FILE', 'env')
  .option('-o, --output <file>', 'write the facts to FILE instead of stdout')
  .action(async (opts: { target: string; output?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/facts.js'), { target: opts.target, output: opts.output }),
  );

program
  .command('parity')
  .description('compare the environment with production and report every drift')
  .option('--against <reference>', 'FILE or ssh://user@host[:port] (default: the profile’s production)')
  .addOption(new Option('--fail-on <severity>', 'exit 1 on drift at or above').choices(['error', 'warning']).default('error'))
  .action(async (opts: { against?: string; failOn: 'error' | 'warning' }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/parity.js'), { against: opts.against, failOn: opts.failOn }),
  );

program
  .command('check')
  .description('run the hardened staging checklist')
  .option('--target <target>', 'env | ssh://user@host[:port] | FILE', 'env')
  .option('--only <ids...>', 'run only these check IDs')
  .action(async (opts: { target: string; only?: string[] }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/check.js'), { target: opts.target, only: opts.only }),
  );

program
  .command('doctor')
  .description('check this machine: engine, cgroups, debootstrap, vagrant, disk, profile')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/doctor.js'), {}));

async function main(): Promise<void> {
  // `devenv facts | head`: a reader that stops early ends devenv quietly, not with a stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse error is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : ExitCode.usage;
    } else {
      process.exitCode = renderError(error, process.argv.includes('--verbose') || process.argv.includes('-v'));
    }
  }
}

void main();
