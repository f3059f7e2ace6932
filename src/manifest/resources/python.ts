import { z } from 'zod';
import type { ObservedState, ObservedVenv } from '../observed-state.js';
import type { Operation, ResourcePlan } from '../operation.js';
import { declaredRefs, type ObservationQuery, type ProviderApplyOptions, type ResourceProvider } from '../provider.js';
import { refOf, type ResourceOf } from '../resource.js';
import { absolutePath, accountName, normalizePipName, PIP_NAME, PIP_VERSION, pathProblem, relations } from '../schema.js';
import { must, runCommands } from '../target-command.js';
import { accountsQuery } from './account.js';
import { parentDirectoryRefs } from './file.js';

/**
 * Python environments and the pinned packages in them: both read the one listing
 * of the venvs' dist-info folders, so they share this file. pip changes of one
 * venv run as one `pip install`.
 */

export const VenvAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  python: absolutePath.default('/usr/bin/python3'),
  /** Lets the venv see Debian's python3-* packages (a pinned Debian package instead of a PyPI download). */
  system_site_packages: z.boolean().default(false),
  owner: accountName.optional(),
  group: accountName.optional(),
  ...relations,
});

export const PipAttributes = z.strictObject({
  ensure: z.string().refine((v) => v === 'absent' || PIP_VERSION.test(v), 'must be an exact version such as "4.2.16" (a pin), or absent'),
  venv: absolutePath,
  ...relations,
});

export type VenvAttrs = z.output<typeof VenvAttributes>;
export type PipAttrs = z.output<typeof PipAttributes>;
export type VenvResource = ResourceOf<'venv', VenvAttrs>;
export type PipResource = ResourceOf<'pip', PipAttrs>;
type PipOperation = Extract<Operation, { kind: 'pip' }>;

// ---- observe

/** For each venv: a line "V <index> yes|no", then its dist-info folder names. Reads metadata, runs no Python. */
const VENV_SCRIPT = `
i=0
for v in "$@"; do
  i=$((i+1))
  if [ -x "$v/bin/python" ] && [ -f "$v/pyvenv.cfg" ]; then
    echo "V $i yes"
    for d in "$v"/lib/python3*/site-packages/*.dist-info; do [ -d "$d" ] && echo "D \${d##*/}"; done
  else
    echo "V $i no"
  fi
done
exit 0`;

/** The venvs declared, and those pins name, in catalog order. */
function venvPaths(resources: readonly { type: string; name: string; attrs: unknown }[]): string[] {
  return [...new Set(resources.flatMap((r) => (r.type === 'venv' ? [r.name] : r.type === 'pip' ? [(r.attrs as PipAttrs).venv] : [])))];
}

const venvsQuery: ObservationQuery = {
  key: 'venvs',
  build: (resources) => {
    const paths = venvPaths(resources);
    return paths.length > 0 ? { script: VENV_SCRIPT, args: paths } : undefined;
  },
  read: (stdout, resources, state) => {
    state.venvs = parseVenvListing(stdout('reading python environments'), venvPaths(resources));
  },
};

export function parseVenvListing(stdout: string, paths: readonly string[]): Record<string, ObservedVenv> {
  const venvs: Record<string, ObservedVenv> = Object.fromEntries(paths.map((p) => [p, { exists: false, packages: {} }]));
  let current: ObservedVenv | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^V (\d+) (yes|no)$/.exec(line);
    if (header) {
      current = venvs[paths[Number(header[1]) - 1] ?? ''];
      if (current) current.exists = header[2] === 'yes';
      continue;
    }
    const dist = /^D (.+)\.dist-info$/.exec(line);
    if (dist && current) {
      // Folder names are "<escaped name>-<version>": names cannot contain "-" there, versions can contain "+" etc.
      const cut = dist[1]!.indexOf('-');
      if (cut > 0) current.packages[normalizePipName(dist[1]!.slice(0, cut))] = dist[1]!.slice(cut + 1);
    }
  }
  return venvs;
}

// ---- plan

export function planVenv(resource: VenvResource, observed: ObservedState): ResourcePlan {
  const path = resource.name;
  const exists = observed.venvs[path]?.exists === true;
  const { attrs } = resource;
  if (attrs.ensure === 'absent') {
    return exists
      ? { changes: ['ensure: present → absent'], operation: { kind: 'commands', commands: [{ argv: ['rm', '-rf', '--', path] }] } }
      : { changes: [] };
  }
  if (exists) return { changes: [] };
  const commands = [{ argv: [attrs.python, '-m', 'venv', ...(attrs.system_site_packages ? ['--system-site-packages'] : []), path] }];
  if (attrs.owner !== undefined || attrs.group !== undefined) {
    commands.push({ argv: ['chown', '-R', `${attrs.owner ?? ''}${attrs.group !== undefined ? `:${attrs.group}` : ''}`, '--', path] });
  }
  return { changes: [`ensure: absent → present (${attrs.python})`], operation: { kind: 'commands', commands } };
}

/** `runAs` is the venv's owner, so files pip writes belong to the same account as the venv. */
export function planPip(resource: PipResource, observed: ObservedState, runAs: string | undefined): ResourcePlan {
  const installed = observed.venvs[resource.attrs.venv]?.packages[normalizePipName(resource.name)];
  const wanted = resource.attrs.ensure;
  const base = { kind: 'pip' as const, venv: resource.attrs.venv, ...(runAs !== undefined ? { runAs } : {}) };
  if (wanted === 'absent') {
    return installed === undefined ? { changes: [] } : { changes: [`version: ${installed} → (removed)`], operation: { ...base, uninstall: resource.name } };
  }
  if (installed === wanted) return { changes: [] };
  return { changes: [`version: ${installed ?? '(not installed)'} → ${wanted}`], operation: { ...base, install: `${resource.name}==${wanted}` } };
}

// ---- apply

async function runPip(target: Parameters<typeof must>[0], operations: PipOperation[], findLinks?: ProviderApplyOptions['pipFindLinks']): Promise<void> {
  const first = operations[0];
  if (!first) return;
  const python = `${first.venv}/bin/python`;
  const options = { ...(first.runAs ? { user: first.runAs } : {}), env: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' }, timeout: 1_800_000 };
  const uninstall = operations.flatMap((op) => (op.uninstall ? [op.uninstall] : []));
  const install = operations.flatMap((op) => (op.install ? [op.install] : []));
  if (uninstall.length) await must(target, pipUninstallArgv(python, uninstall), options);
  if (install.length) await must(target, pipInstallArgv(python, install, findLinks), options);
}

export function pipInstallArgv(python: string, specs: readonly string[], findLinks?: ProviderApplyOptions['pipFindLinks']): string[] {
  const archive = findLinks ? [...(findLinks.noIndex ? ['--no-index'] : []), '--find-links', findLinks.dir] : [];
  return [python, '-m', 'pip', 'install', '--no-cache-dir', ...archive, ...specs];
}

export function pipUninstallArgv(python: string, names: readonly string[]): string[] {
  return [python, '-m', 'pip', 'uninstall', '-y', ...names];
}

export const venvProvider: ResourceProvider<'venv', VenvAttrs> = {
  type: 'venv',
  attributes: VenvAttributes,
  nameProblem: pathProblem,
  // After python3-venv, its parent folder, its owner and group.
  impliedAfter: (resource, declared) => [
    ...declaredRefs(['apt:python3-venv'], resource.ref, declared),
    ...parentDirectoryRefs(resource.name, declared),
    ...declaredRefs(
      [...(resource.attrs.owner ? [refOf('user', resource.attrs.owner)] : []), ...(resource.attrs.group ? [refOf('group', resource.attrs.group)] : [])],
      resource.ref,
      declared,
    ),
  ],
  observe: { queries: [accountsQuery, venvsQuery] },
  plan: (resource, observed) => planVenv(resource, observed),
  apply: (session, { changes }) => runCommands(session.target, changes[0]?.operation),
};

export const pipProvider: ResourceProvider<'pip', PipAttrs> = {
  type: 'pip',
  attributes: PipAttributes,
  nameProblem: (name) => (PIP_NAME.test(name) ? undefined : `"${name}" is not a Python distribution name`),
  impliedAfter: (resource, declared) => declaredRefs([refOf('venv', resource.attrs.venv)], resource.ref, declared),
  observe: { queries: [venvsQuery] },
  plan: (resource, observed, desired) => {
    const venv = desired.byRef.get(refOf('venv', resource.attrs.venv));
    return planPip(resource, observed, venv?.type === 'venv' ? venv.attrs.owner : undefined);
  },
  batchKey: (operation) => (operation.kind === 'pip' ? `pip:${operation.venv}` : undefined),
  describe: (changes) => `pip in ${(changes[0]?.operation as PipOperation | undefined)?.venv ?? ''}`,
  async apply(session, { changes }) {
    const operations = changes.map((c) => c.operation!).filter((op): op is PipOperation => op.kind === 'pip');
    await runPip(session.target, operations, session.options.pipFindLinks);
  },
};
