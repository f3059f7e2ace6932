// One file over 300 lines on purpose: it is the command line's one declaration (every command and flag,
// as commander wants them in one program), and the one place errors are rendered and exit codes set.
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
    environment?: string;
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
    ...(raw.environment !== undefined ? { environment: raw.environment } : {}),
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

/** Commander's collector for an option given more than once. */
function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const program = new Command('devenv')
  .description('Reproduce production on your laptop, and prove it.')
  .version('0.1.0')
  .option('-p, --profile <file>', 'profile file (default: ./devenv.yaml)')
  .option('-e, --environment <name>', 'apply this environments: overlay of the profile (its vars, its production)')
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
  .option('--puppet <dir>', 'a profile whose provisioner runs this Puppet code (site.pp, modules, hiera.yaml) instead of copying production')
  .option('--ansible <dir>', 'a profile whose provisioner runs this Ansible playbook folder instead of copying production')
  .action(async (opts: Omit<import('./commands/init.js').InitArgs, 'yes' | 'force'> & { yes?: boolean; force?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/init.js'), { ...opts, yes: opts.yes ?? false, force: opts.force ?? false }),
  );

program
  .command('up')
  .description('build the box if needed, boot the environment and provision it')
  .argument('[machines...]', 'with machines: in the profile, these machines (and what they depend on); default: all')
  .option('--rebuild', 'recreate the environment from the box')
  .option('--no-provision', 'boot only, do not apply manifests')
  .action(async (machines: string[], opts: { rebuild?: boolean; provision?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/up.js'), { rebuild: opts.rebuild ?? false, provision: opts.provision !== false, machines }),
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
  .option('-m, --machine <machine>', 'with machines: in the profile, the machine to run it in (required)')
  .action(async (argv: string[], opts: { user?: string; machine?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/exec.js'), { argv, user: opts.user, machine: opts.machine }),
  );

program
  .command('shell')
  .description('an interactive login shell in the environment')
  .option('-u, --user <user>', 'log in as this user')
  .option('-m, --machine <machine>', 'with machines: in the profile, the machine to log in to (required)')
  .action(async (opts: { user?: string; machine?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/shell.js'), { user: opts.user, machine: opts.machine }),
  );

program
  .command('sync')
  .description('copy the synced folders into the environment again (a remote engine cannot mount them)')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/sync.js'), {}));

program
  .command('halt')
  .description('stop the environment (it keeps its state)')
  .argument('[machines...]', 'with machines: in the profile, these machines; default: all')
  .action(async (machines: string[], _opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/halt.js'), { machines }));

program
  .command('destroy')
  .description('remove the environment (never a synced host folder)')
  .argument('[machines...]', 'with machines: in the profile, these machines; default: all (and their network)')
  .option('-f, --force', 'do not ask for confirmation')
  .action(async (machines: string[], opts: { force?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/destroy.js'), { force: opts.force ?? false, machines }),
  );

program
  .command('plan')
  .description('show what provisioning would change, changing nothing (exit 1 when something would)')
  .option('--target <target>', 'env (default) or ssh://user@host[:port]: plan devenv\u2019s own manifests against a host (exit 1 when it has drifted)')
  .option('-m, --machine <machine>', 'with machines: in the profile, only this machine (default: every machine)')
  .action(async (opts: { target?: string; machine?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/plan.js'), {
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      ...(opts.machine !== undefined ? { machine: opts.machine } : {}),
    }),
  );

program
  .command('provision')
  .description('apply the provisioners to the environment (or devenv\u2019s manifests to a --target host)')
  .option('--idempotence', 'after applying, run every provisioner again and report what that second run changed (exit 1)')
  .option('--target <target>', 'env (default) or ssh://user@host[:port]: apply devenv\u2019s own manifests to a host, after printing the plan')
  .option('-y, --yes', 'apply to a --target host without asking (required off a terminal)')
  .option('-m, --machine <machine>', 'with machines: in the profile, only this machine (default: every machine)')
  .action(async (opts: { idempotence?: boolean; target?: string; yes?: boolean; machine?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/provision.js'), {
      idempotence: opts.idempotence ?? false,
      yes: opts.yes ?? false,
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      ...(opts.machine !== undefined ? { machine: opts.machine } : {}),
    }),
  );

const box = program.command('box').description('base systems built from vanilla');
box
  .command('build')
  .description('build a box image with debootstrap (cached by the definition hash)')
  .argument('[name]', 'box name or definition path (default: the profile’s box)')
  .option('--force', 'rebuild even when the image exists')
  .addOption(
    new Option(
      '--provider <provider>',
      'container: the box image; libvirt: also a Vagrant box for vagrant-libvirt (qcow2, its own kernel); virtualbox: a Vagrant box for VirtualBox (OVF + VMDK, its own boot loader)',
    )
      .choices(['container', 'libvirt', 'virtualbox'])
      .default('container'),
  )
  .action(async (name: string | undefined, opts: { force?: boolean; provider: 'container' | 'libvirt' | 'virtualbox' }, cmd: Command) =>
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
  .option('--target <target>', 'env | ssh://user@host[:port] | FILE | INVENTORY; repeatable or a,b,c (then -o DIR)', repeatable)
  .option('-o, --output <file>', 'write the facts to FILE instead of stdout (a folder of one file per host with several targets)')
  .action(async (opts: { target?: string[]; output?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/facts.js'), { target: opts.target, output: opts.output }),
  );

program
  .command('parity')
  .description('compare the environment with production and report every drift')
  .option(
    '--against <reference>',
    'FILE, ssh://user@host[:port] or an INVENTORY file; repeatable or a,b,c for a fleet (default: the profile’s production)',
    repeatable,
  )
  .addOption(new Option('--fail-on <severity>', 'exit 1 on drift at or above').choices(['error', 'warning']).default('error'))
  .action(async (opts: { against?: string[]; failOn: 'error' | 'warning' }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/parity.js'), { against: opts.against, failOn: opts.failOn }),
  );

program
  .command('inventory')
  .description('which version of each package (apt, pip) runs on which host, and which hosts lag behind')
  .argument('[hosts...]', 'ssh://user@host[:port], facts FILEs or INVENTORY files (default: the profile’s production)')
  .option('--package <name>', 'only this package: its version on every host')
  .action(async (hosts: string[], opts: { package?: string }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/inventory.js'), { hosts, package: opts.package }),
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
  .command('lock')
  .description('write devenv.lock from the environment, or compare the environment with it')
  .option('--update', 'provision from the manifests alone, then lock what the environment holds anew')
  .action(async (opts: { update?: boolean }, cmd: Command) => runCommand(cmd, () => import('./commands/lock.js'), { update: opts.update ?? false }));

program
  .command('outdated')
  .description("per pin and lock entry, the newest version the box's suites offer; exit 1 on a security update")
  .option('--refresh', 'apt-get update in the environment first')
  .option('--all', 'list every pin, not only those behind')
  .action(async (opts: { refresh?: boolean; all?: boolean }, cmd: Command) =>
    runCommand(cmd, () => import('./commands/outdated.js'), { refresh: opts.refresh ?? false, all: opts.all ?? false }),
  );

const archive = program.command('archive').description('the own archive of .debs and wheels (see devenv.lock)');
archive
  .command('export <dir>')
  .description('write the archive as a plain directory: a flat apt repository and a pip find-links folder')
  .action(async (dir: string, _opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/archive.js'), { action: 'export', dir }));
archive
  .command('import <dir>')
  .description("add an exported archive (a folder, or its http(s):// URL), or a folder of .debs and .whl files, to this machine's archive")
  .action(async (dir: string, _opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/archive.js'), { action: 'import', dir }));
archive
  .command('list')
  .description('what the archive holds')
  .action(async (_opts: object, cmd: Command) => runCommand(cmd, () => import('./commands/archive.js'), { action: 'list' }));

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
