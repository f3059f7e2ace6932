import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { execa } from 'execa';
import { UnavailableError } from '../core/errors.js';
import { lastLines } from '../core/last-lines.js';
import { startAnsibleBridge } from './ansible-bridge.js';
import { ansibleChanges, ansibleFailure, parseAnsibleEvents } from './ansible-output.js';
import { CONNECTION_PLUGIN, EVENTS_CALLBACK_PLUGIN } from './ansible-plugins.js';
import { readTree, treeHash } from './code-tree.js';
import type { AnsibleEntry } from './entries.js';
import { ensureGuestPackage, installedVersion } from './guest-package.js';
import { outcomeOf, type Provisioner, type ProvisionerOutcome, type ProvisionerRun } from './provisioner.js';

/** What the Ansible modules need on the managed host, as on production. */
export const ANSIBLE_PYTHON = 'python3';

export const ANSIBLE_MISSING_HINT =
  'install ansible-core on this machine: `sudo apt-get install --no-install-recommends ansible-core` (or `bash scripts/setup-host.sh all`)';

/**
 * `ansible-playbook` on this machine against the environment, through devenv's
 * own connection plugin (see ansible-plugins.ts for why not ssh, and not
 * ansible_local): the environment is one host, in the profile's groups, and its
 * facts are gathered from it as they are from production.
 */
export class AnsibleProvisioner implements Provisioner {
  readonly kind = 'ansible';
  readonly label: string;

  constructor(
    private readonly entry: AnsibleEntry,
    private readonly installRecommends: boolean,
    playbookAsWritten: string,
    /** The host's ansible-core (`ansible-playbook --version`'s first line): modules and their defaults change with it. */
    private readonly hostVersion: () => string | undefined = hostAnsibleVersion,
  ) {
    this.label = `ansible ${playbookAsWritten}`;
  }

  inputs(): unknown {
    const { config, root, playbook } = this.entry;
    return {
      kind: 'ansible',
      tree: treeHash(readTree(root)),
      playbook: relative(root, playbook).split(sep).join('/'),
      groups: config.groups,
      extra_vars: config.extra_vars,
      recommends: this.installRecommends,
      ansible: this.hostVersion() ?? null,
    };
  }

  async apply(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    await requireAnsible();
    await run.progress.step('python3 in the environment (for the Ansible modules)', () =>
      ensureGuestPackage(run.target, ANSIBLE_PYTHON, { installRecommends: this.installRecommends }),
    );
    return this.playbook(run, false, `ansible-playbook ${this.entry.config.playbook}`);
  }

  async wouldChange(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    await requireAnsible();
    if ((await installedVersion(run.target, ANSIBLE_PYTHON)) === undefined) {
      return outcomeOf(this, [{ resource: `package ${ANSIBLE_PYTHON}`, detail: 'would be installed; the playbook is planned once it is' }]);
    }
    return this.playbook(run, true, `ansible-playbook --check --diff ${this.entry.config.playbook}`);
  }

  async changedOnRerun(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    return this.playbook(run, false, `ansible-playbook ${this.entry.config.playbook} again`);
  }

  private async playbook(run: ProvisionerRun, check: boolean, title: string): Promise<ProvisionerOutcome> {
    const work = await mkdtemp(join(tmpdir(), 'devenv-ansible-'));
    try {
      const plugins = join(work, 'plugins');
      await mkdir(join(plugins, 'connection'), { recursive: true });
      await mkdir(join(plugins, 'callback'), { recursive: true });
      await writeFile(join(plugins, 'connection', 'devenv.py'), CONNECTION_PLUGIN);
      await writeFile(join(plugins, 'callback', 'devenv_events.py'), EVENTS_CALLBACK_PLUGIN);
      const events = join(work, 'events.jsonl');
      await writeFile(events, '');
      const bridge = await startAnsibleBridge(run.target, join(work, 'bridge.sock'));
      try {
        const inventory = join(work, 'inventory.yml');
        await writeFile(inventory, JSON.stringify(inventoryFor(run.environment, bridge.socket, this.entry.config.groups), null, 2));
        const extraVars = join(work, 'extra-vars.json');
        await writeFile(extraVars, JSON.stringify(this.entry.config.extra_vars));
        const argv = ['-i', inventory, '-e', `@${extraVars}`, ...(check ? ['--check', '--diff'] : []), this.entry.playbook];
        const result = await run.progress.step(title, () =>
          execa('ansible-playbook', argv, {
            cwd: this.entry.root,
            reject: false,
            all: true,
            ...(run.signal ? { cancelSignal: run.signal } : {}),
            env: {
              ANSIBLE_CONNECTION_PLUGINS: join(plugins, 'connection'),
              ANSIBLE_CALLBACK_PLUGINS: join(plugins, 'callback'),
              ANSIBLE_CALLBACKS_ENABLED: 'devenv_events',
              DEVENV_ANSIBLE_EVENTS: events,
              // Modules on stdin: one round trip a task instead of put, chmod, run, remove.
              ANSIBLE_PIPELINING: 'True',
              ANSIBLE_RETRY_FILES_ENABLED: 'False',
              ANSIBLE_NOCOLOR: '1',
              ANSIBLE_LOCAL_TEMP: join(work, 'tmp'),
            },
          }),
        );
        const parsed = parseAnsibleEvents(await readFile(events, 'utf8'));
        const changes = ansibleChanges(parsed);
        // 0 ok; 2 a task failed; 4 unreachable; 1 and others: the playbook did not run (syntax, missing role).
        if (result.exitCode === 0) return outcomeOf(this, changes);
        const failure = ansibleFailure(parsed);
        return outcomeOf(this, changes, {
          ...(failure?.resource ? { resource: failure.resource } : {}),
          message: failure?.message ?? `ansible-playbook exited ${result.exitCode ?? 'on a signal'}`,
          lastLines: lastLines(String(result.all ?? ''), { count: 12, max: 4000, separator: '\n' }),
        });
      } finally {
        await bridge.close();
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/** One host, the environment, in the groups production's hosts are in; reached through devenv's connection. */
export function inventoryFor(host: string, socket: string, groups: readonly string[]): Record<string, unknown> {
  return {
    all: {
      hosts: { [host]: { ansible_connection: 'devenv', ansible_devenv_socket: socket, ansible_python_interpreter: '/usr/bin/python3' } },
      children: Object.fromEntries(groups.map((group) => [group, { hosts: { [host]: {} } }])),
    },
  };
}

/** ansible-playbook on this machine, or exit 3 with the fix. */
export async function requireAnsible(): Promise<string> {
  const version = await ansibleVersion();
  if (!version)
    throw new UnavailableError('ansible-playbook is not installed on this machine (the ansible provisioner runs it here, against the environment)', {
      hint: ANSIBLE_MISSING_HINT,
    });
  return version;
}

/**
 * `ansible-playbook --version` is read once per process (it starts Python and
 * imports Ansible: a good part of a second): the check before any engine is
 * touched reads it, and the stage keys reuse what it read.
 */
let versionRead: { version: string | undefined } | undefined;

const firstLine = (stdout: string): string | undefined => stdout.split('\n')[0]?.trim() || undefined;

export async function ansibleVersion(): Promise<string | undefined> {
  if (!versionRead) {
    const result = await execa('ansible-playbook', ['--version'], { reject: false, timeout: 30_000 }).catch(() => undefined);
    versionRead ??= { version: result && result.exitCode === 0 ? firstLine(String(result.stdout)) : undefined };
  }
  return versionRead.version;
}

/** The same, for the (synchronous) stage keys when nothing has read it yet: `ansible-playbook [core 2.14.18]`, or undefined without it. */
export function hostAnsibleVersion(): string | undefined {
  if (!versionRead) {
    let version: string | undefined;
    try {
      version = firstLine(execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }));
    } catch {
      version = undefined;
    }
    versionRead = { version };
  }
  return versionRead.version;
}
