import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { UsageError } from '../core/errors.js';
import type { Facts } from '../facts/schema.js';
import type { ScaffoldFile } from './scaffold.js';

/**
 * `init --puppet DIR` / `init --ansible DIR`: a profile whose provisioner runs
 * the team's own code, instead of copying production's state. What the folder
 * holds is found by the layouts Puppet and Ansible themselves look for; the
 * box and puppet-agent version come from production's facts when --from gives them.
 */
export type CodeKind = 'puppet' | 'ansible';

const PUPPET_MANIFESTS = ['manifests/site.pp', 'site.pp', 'manifests/init.pp'];
const PUPPET_MODULE_DIRS = ['modules', 'site-modules', 'site', 'dist'];
const ANSIBLE_PLAYBOOKS = ['site.yml', 'site.yaml', 'playbook.yml', 'playbook.yaml', 'main.yml'];

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A path as the profile writes it: relative to the project, "/" separated. */
function asWritten(path: string, projectDir: string): string {
  const rel = relative(projectDir, path).split(sep).join('/');
  return rel === '' ? '.' : rel;
}

export function puppetEntryFrom(dir: string, projectDir: string, facts?: Facts): Record<string, unknown> {
  const manifest = PUPPET_MANIFESTS.map((p) => join(dir, p)).find(isFile);
  if (!manifest) throw new UsageError(`--puppet ${dir}: no ${PUPPET_MANIFESTS.join(', ')} there (the manifest puppet apply runs)`);
  const modulepath = PUPPET_MODULE_DIRS.map((p) => join(dir, p)).filter(isFolder);
  const hiera = join(dir, 'hiera.yaml');
  const version = facts?.packages?.deb['puppet-agent']?.version ?? facts?.packages?.deb['puppet']?.version;
  return {
    puppet: {
      manifest: asWritten(manifest, projectDir),
      ...(modulepath.length > 0 ? { modulepath: modulepath.map((p) => asWritten(p, projectDir)) } : {}),
      ...(isFile(hiera) ? { hiera: asWritten(hiera, projectDir) } : {}),
      ...(version ? { version } : {}),
    },
  };
}

/** The groups a playbook's plays target (`hosts: web`, `hosts: web:db`), the environment's inventory groups. */
export function playbookGroups(text: string): string[] {
  let plays: unknown;
  try {
    plays = parse(text);
  } catch {
    return [];
  }
  const groups = new Set<string>();
  for (const play of Array.isArray(plays) ? plays : []) {
    const hosts = (play as { hosts?: unknown } | null)?.hosts;
    const patterns = typeof hosts === 'string' ? hosts.split(/[:,]/) : Array.isArray(hosts) ? hosts.map(String) : [];
    // "!staging" excludes a group: the environment must not be in it. "&web" intersects: it must be.
    for (const pattern of patterns
      .map((p) => p.trim())
      .filter((p) => !p.startsWith('!'))
      .map((p) => p.replace(/^&/, ''))) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(pattern) && pattern !== 'all' && pattern !== 'localhost' && pattern !== 'ungrouped') groups.add(pattern);
    }
  }
  return [...groups];
}

export function ansibleEntryFrom(dir: string, projectDir: string): Record<string, unknown> {
  const playbook = ANSIBLE_PLAYBOOKS.map((p) => join(dir, p)).find(isFile);
  if (!playbook) throw new UsageError(`--ansible ${dir}: no ${ANSIBLE_PLAYBOOKS.join(', ')} there (the playbook to run)`);
  const groups = playbookGroups(readFileSync(playbook, 'utf8'));
  return { ansible: { playbook: asWritten(playbook, projectDir), ...(groups.length > 0 ? { groups } : {}) } };
}

export interface CodeProfileOptions {
  kind: CodeKind;
  /** The code folder, absolute. */
  dir: string;
  projectDir: string;
  name: string;
  box: string;
  production?: { ssh: string; identity?: string; sudo?: boolean } | { facts: string };
  facts?: Facts;
}

/** The profile: box, production, and one provisioner entry running the team's code. */
export function profileFromCode(options: CodeProfileOptions): ScaffoldFile {
  if (!isFolder(options.dir)) throw new UsageError(`--${options.kind} ${options.dir} is not a folder`);
  const entry = options.kind === 'puppet' ? puppetEntryFrom(options.dir, options.projectDir, options.facts) : ansibleEntryFrom(options.dir, options.projectDir);
  const header = [
    `# Written by devenv init --${options.kind}: the environment is built by the same ${options.kind === 'puppet' ? 'Puppet' : 'Ansible'} code as production.`,
    '# Add fact overrides (puppet: facts:) or extra_vars (ansible) for what must match production; `devenv plan` shows what a run would change.',
  ];
  const body = stringify({ name: options.name, box: options.box, provisioners: [entry], ...(options.production ? { production: options.production } : {}) });
  return { path: 'devenv.yaml', content: `${header.join('\n')}\n${body}` };
}
