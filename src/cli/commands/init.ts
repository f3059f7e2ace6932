import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { listBundledBoxNames } from '../../box/definition.js';
import { UsageError } from '../../core/errors.js';
import { detectProject, profileNameFor, type ProjectKind } from '../../init/detect.js';
import { scaffoldProject, type InitAnswers, type ScaffoldFile } from '../../init/scaffold.js';
import { loadProfile } from '../../environment/load.js';
import { writeJson, type CommandContext } from '../context.js';

export interface InitArgs {
  yes: boolean;
  force: boolean;
  from?: string;
  name?: string;
  box?: string;
  backend?: string;
  port?: string;
  appUser?: string;
  dir?: string;
  /** A Puppet code folder (site.pp, modules, hiera.yaml): the profile runs it instead of copying production's state. */
  puppet?: string;
  /** An Ansible folder (site.yml, roles, group_vars): the same, with ansible-playbook. */
  ansible?: string;
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

function validated(args: InitArgs, defaults: InitAnswers): InitAnswers {
  const answers = { ...defaults };
  if (args.name !== undefined) {
    if (!NAME.test(args.name)) throw new UsageError(`--name "${args.name}" must be lowercase letters, digits, ".", "_" or "-"`);
    answers.name = args.name;
  }
  if (args.box !== undefined) {
    if (!listBundledBoxNames().includes(args.box)) throw new UsageError(`--box "${args.box}" is not a bundled box (${listBundledBoxNames().join(', ')})`);
    answers.box = args.box;
  }
  if (args.backend !== undefined) {
    if (args.backend !== 'docker' && args.backend !== 'vagrant') throw new UsageError(`--backend must be docker or vagrant, not "${args.backend}"`);
    answers.backend = args.backend;
  }
  if (args.port !== undefined) {
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port "${args.port}" is not a port number (1-65535)`);
    answers.hostPort = port;
  }
  if (args.appUser !== undefined) {
    if (!USER.test(args.appUser)) throw new UsageError(`--app-user "${args.appUser}" is not a valid user name`);
    answers.appUser = args.appUser;
  }
  return answers;
}

async function ask(defaults: InitAnswers, evidence: string[]): Promise<InitAnswers> {
  const { input, select } = await import('@inquirer/prompts');
  const name = await input({
    message: 'Environment name',
    default: defaults.name,
    validate: (v) => NAME.test(v) || 'lowercase letters, digits, ".", "_" or "-"',
  });
  const kind = (await select({
    message: `Application kind${evidence.length ? ` (found ${evidence.join(', ')})` : ''}`,
    default: defaults.kind,
    choices: [
      { name: 'Python (WSGI/ASGI)', value: 'python' },
      { name: 'Node.js', value: 'node' },
      { name: 'Ruby', value: 'ruby' },
      { name: 'Static site', value: 'static' },
    ],
  })) as ProjectKind;
  const box = await select({
    message: 'Base system (as production runs it)',
    default: defaults.box,
    choices: listBundledBoxNames().map((b) => ({ name: b, value: b })),
  });
  const backend = (await select({
    message: 'Backend',
    default: defaults.backend,
    choices: [
      { name: 'docker (fast, systemd container)', value: 'docker' },
      { name: 'vagrant (a real VM)', value: 'vagrant' },
    ],
  })) as 'docker' | 'vagrant';
  const port = await input({
    message: 'Host port for the site (127.0.0.1)',
    default: String(defaults.hostPort),
    validate: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535) || 'a port number, 1-65535',
  });
  const appUser = await input({ message: 'App user (its own, no login shell)', default: name, validate: (v) => USER.test(v) || 'a valid user name' });
  return { name, kind, box, backend, hostPort: Number(port), appUser };
}

export async function run(args: InitArgs, ctx: CommandContext): Promise<number> {
  const dir = resolve(args.dir ?? process.cwd());
  const profilePath = ctx.options.profile ? resolve(ctx.options.profile) : join(dir, 'devenv.yaml');
  const projectDir = dirname(profilePath);

  let files: ScaffoldFile[];
  if (args.puppet !== undefined && args.ansible !== undefined)
    throw new UsageError('give one of --puppet DIR or --ansible DIR (add the other to provisioners: by hand, in the order they run)');
  const code = args.puppet !== undefined ? ('puppet' as const) : args.ansible !== undefined ? ('ansible' as const) : undefined;
  if (code) {
    files = [await profileFromTeamCode(code, resolve(args[code]!), args, projectDir, ctx)];
  } else if (args.from !== undefined) {
    const { filesFromProduction } = await import('../../init/from-production.js');
    const { name, hostPort } = validated(args, productionDefaults(projectDir));
    files = await filesFromProduction(args.from, { name, hostPort, ctx, projectDir });
  } else {
    const project = detectProject(projectDir);
    const defaults: InitAnswers = {
      name: project.name,
      kind: project.kind,
      box: 'debian-12',
      backend: 'docker',
      hostPort: 8080,
      appUser: project.name.replace(/[^a-z0-9_-]/g, '') || 'app',
    };
    const fromFlags = validated(args, defaults);
    const answers = ctx.interactive && !args.yes ? await ask(fromFlags, project.evidence) : fromFlags;
    files = scaffoldProject({ ...answers, ...(project.python ? { pythonPins: project.python } : {}) });
  }

  const targets = files.map((file) => ({ ...file, absolute: file.path === 'devenv.yaml' ? profilePath : join(projectDir, file.path) }));
  const existing = targets.filter((t) => existsSync(t.absolute));
  if (existing.length && !args.force) {
    throw new UsageError(`${existing.map((t) => t.path).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing written`, {
      hint: 'pass --force to overwrite',
    });
  }
  for (const target of targets) {
    await mkdir(dirname(target.absolute), { recursive: true });
    await writeFile(target.absolute, target.content);
  }
  // What init writes must load: prove it before telling the user to run `up`.
  const profile = await loadProfile(profilePath);
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.init/v1', profile: profile.file, files: targets.map((t) => t.absolute) });
  } else {
    for (const target of targets) ctx.out(`wrote ${target.path}\n`);
    ctx.out(`next: devenv${ctx.options.profile ? ` -p ${ctx.options.profile}` : ''} up\n`);
  }
  return 0;
}

/** The answers' defaults when production (or the team's code), not this folder, says what the project is. */
function productionDefaults(projectDir: string): InitAnswers {
  return { name: profileNameFor(projectDir), kind: 'static', box: 'debian-12', backend: 'docker', hostPort: 8080, appUser: 'app' };
}

/**
 * `init [--from …] --puppet DIR | --ansible DIR`: one provisioner entry running the
 * team's code; production (when --from names it) gives the box, the agent's
 * version and where parity compares against, and none of its state is copied.
 */
async function profileFromTeamCode(kind: 'puppet' | 'ansible', dir: string, args: InitArgs, projectDir: string, ctx: CommandContext): Promise<ScaffoldFile> {
  const { profileFromCode } = await import('../../init/from-code.js');
  const { boxForFacts } = await import('../../init/from-facts.js');
  const { name, box } = validated(args, productionDefaults(projectDir));
  let facts: import('../../facts/schema.js').Facts | undefined;
  let production: { ssh: string; identity?: string; sudo?: boolean } | { facts: string } | undefined;
  if (args.from !== undefined) {
    if (args.from === 'env') throw new UsageError('init --from takes production: a facts FILE or ssh://user@host[:port]');
    const { collectFromTarget } = await import('../../environment/fact-sources.js');
    facts = await collectFromTarget(args.from, undefined, ctx);
    production = args.from.startsWith('ssh://')
      ? { ssh: args.from, ...(ctx.options.identity ? { identity: resolve(ctx.options.identity) } : {}), ...(ctx.options.sudo ? { sudo: true } : {}) }
      : { facts: relative(projectDir, resolve(args.from)) || resolve(args.from) };
  }
  const fromFacts = facts ? boxForFacts(facts, listBundledBoxNames()) : undefined;
  return profileFromCode({
    kind,
    dir,
    projectDir,
    name,
    box: args.box ?? fromFacts ?? box,
    ...(production ? { production } : {}),
    ...(facts ? { facts } : {}),
  });
}
