import { OperationError } from '../core/errors.js';
import type { Target } from '../targets/target.js';
import type { Catalog } from './catalog.js';
import type {
  ObservedFile,
  ObservedFileKind,
  ObservedGroup,
  ObservedPackage,
  ObservedService,
  ObservedState,
  ObservedUser,
  ObservedVenv,
  PackageAvailability,
} from './observed-state.js';
import { emptyObservedState } from './observed-state.js';
import { PENDING_REFRESH_PATH, parsePendingRefresh } from './pending-refresh.js';
import { fileEnsure } from './resource.js';
import { normalizePipName, unitName } from './schema.js';

/** Regular files bigger than this are compared by hash only; their diff says so. */
const MAX_CONTENT_BYTES = 512 * 1024;

export interface ObserveOptions {
  /** Run `apt-get update` once when a wanted package or pinned version is not in the local lists. Default true. */
  updateAptLists?: boolean;
  onStep?: (detail: string) => void;
}

/**
 * Reads the current state of everything the catalog manages, in a handful of
 * batched commands (one per kind of state), never one command per resource.
 * Every manifest value travels as a positional argument of a fixed script.
 */
export async function observe(target: Target, catalog: Catalog, options: ObserveOptions = {}): Promise<ObservedState> {
  const state = emptyObservedState();
  const resources = catalog.ordered;
  const step = options.onStep ?? (() => {});

  // The queries read independent state: run them concurrently (one round trip of latency, not five).
  const apt = resources.filter((r) => r.type === 'apt');
  const observePackages = async (): Promise<void> => {
    if (apt.length === 0) return;
    step('packages');
    state.packages = await queryInstalledPackages(target, apt.map((r) => r.name));
    const needsAvailability = (): string[] =>
      apt
        .filter((r) => {
          const ensure = r.attrs.ensure;
          if (ensure === 'absent' || ensure === 'purged') return false;
          if (ensure === 'latest') return true;
          const installed = state.packages[r.name];
          const isInstalled = installed?.status === 'ii';
          return ensure === 'present' ? !isInstalled : installed?.version !== ensure || !isInstalled;
        })
        .map((r) => r.name);
    const wanted = needsAvailability();
    if (wanted.length > 0) {
      state.availability = await queryAvailability(target, wanted);
      const unknown = apt.filter((r) => wanted.includes(r.name) && !satisfiable(r.attrs.ensure, state.availability[r.name]));
      if (unknown.length > 0 && options.updateAptLists !== false) {
        step('apt-get update');
        await refreshAptLists(target);
        state.availability = await queryAvailability(target, wanted);
      }
    }
  };

  const observeFiles = async (): Promise<void> => {
    const paths = new Map<string, boolean>();
    for (const r of resources) {
      if (r.type === 'file') paths.set(r.name, fileEnsure(r.attrs) === 'file');
      if (r.type === 'exec' && r.attrs.creates) paths.set(r.attrs.creates, paths.get(r.attrs.creates) ?? false);
    }
    paths.set(PENDING_REFRESH_PATH, true);
    step('files');
    state.files = await statFiles(target, [...paths.entries()].map(([path, readContent]) => ({ path, readContent })));
    const pending = state.files[PENDING_REFRESH_PATH];
    state.pendingRefreshes = pending?.content !== undefined ? parsePendingRefresh(pending.content) : [];
    delete state.files[PENDING_REFRESH_PATH];
  };

  const observeAccounts = async (): Promise<void> => {
    if (!resources.some((r) => r.type === 'user' || r.type === 'group' || r.type === 'file' || r.type === 'venv')) return;
    step('accounts');
    const accounts = await queryAccounts(target);
    state.users = accounts.users;
    state.groups = accounts.groups;
  };

  const services = resources.filter((r) => r.type === 'service');
  const observeServices = async (): Promise<void> => {
    if (services.length === 0) return;
    step('services');
    state.services = await queryServices(target, services.map((r) => unitName(r.name)));
  };

  const venvPaths = [...new Set(resources.flatMap((r) => (r.type === 'venv' ? [r.name] : r.type === 'pip' ? [r.attrs.venv] : [])))];
  const observeVenvs = async (): Promise<void> => {
    if (venvPaths.length === 0) return;
    step('python environments');
    state.venvs = await queryVenvs(target, venvPaths);
  };

  await Promise.all([observePackages(), observeFiles(), observeAccounts(), observeServices(), observeVenvs()]);

  for (const r of resources) {
    if (r.type !== 'exec' || r.attrs.refreshonly) continue;
    const guards: { unless?: number; onlyif?: number } = {};
    const run = { user: r.attrs.user ?? 'root', ...(r.attrs.env ? { env: r.attrs.env } : {}), ...(r.attrs.cwd ? { cwd: r.attrs.cwd } : {}), timeout: r.attrs.timeout * 1000 };
    if (r.attrs.unless) guards.unless = (await target.exec(r.attrs.unless, run)).exitCode;
    if (r.attrs.onlyif) guards.onlyif = (await target.exec(r.attrs.onlyif, run)).exitCode;
    if (r.attrs.unless || r.attrs.onlyif) state.guards[r.ref] = guards;
  }
  return state;
}

function satisfiable(ensure: string, availability: PackageAvailability | undefined): boolean {
  if (!availability || availability.versions.length === 0) return false;
  if (ensure === 'present' || ensure === 'latest') return true;
  return availability.versions.includes(ensure);
}

export async function refreshAptLists(target: Target): Promise<void> {
  const result = await target.exec(['apt-get', 'update', '-q'], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  if (result.exitCode !== 0) {
    throw new OperationError(`apt-get update failed on ${target.describe().name}: ${lastLine(result.stderr || result.stdout)}`);
  }
}

async function queryInstalledPackages(target: Target, names: string[]): Promise<Record<string, ObservedPackage>> {
  // Exit 1 only means some names are unknown to dpkg; the rest is on stdout.
  const result = await target.exec(['dpkg-query', '-W', '-f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n', '--', ...names]);
  if (result.exitCode > 1) throw new OperationError(`dpkg-query failed on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseDpkgQuery(result.stdout);
}

export function parseDpkgQuery(stdout: string): Record<string, ObservedPackage> {
  const packages: Record<string, ObservedPackage> = {};
  for (const line of stdout.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (!name || status === undefined) continue;
    packages[name] = { version: version ?? '', status: status.trim() };
  }
  return packages;
}

async function queryAvailability(target: Target, names: string[]): Promise<Record<string, PackageAvailability>> {
  const result = await target.exec(['apt-cache', 'policy', '--', ...names], { env: { LC_ALL: 'C' } });
  if (result.exitCode !== 0) throw new OperationError(`apt-cache policy failed on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseAptPolicy(result.stdout);
}

/** Parses `apt-cache policy A B …`; a version counts as available when a repository (not only /var/lib/dpkg/status) offers it. */
export function parseAptPolicy(stdout: string): Record<string, PackageAvailability> {
  const out: Record<string, PackageAvailability> = {};
  let current: PackageAvailability | undefined;
  let version: string | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = { versions: [] };
      out[header[1]!.replace(/:[a-z0-9]+$/, '')] = current;
      version = undefined;
      continue;
    }
    if (!current) continue;
    const candidate = /^\s+Candidate: (\S+)$/.exec(line);
    if (candidate) {
      if (candidate[1] !== '(none)') current.candidate = candidate[1]!;
      continue;
    }
    const versionLine = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (versionLine) {
      version = versionLine[1]!;
      continue;
    }
    const sourceLine = /^\s{8}-?\d+ (.+)$/.exec(line);
    if (sourceLine && version && !sourceLine[1]!.startsWith('/var/lib/dpkg/status') && !current.versions.includes(version)) {
      current.versions.push(version);
    }
  }
  return out;
}

/**
 * One pass over every managed path: kind, mode, owner, size, sha256, link
 * target, and the content of regular files that devenv writes (for diffs).
 * Paths are positional arguments prefixed by "c" (read content) or "n".
 */
const STAT_SCRIPT = `
max="$1"; shift
for arg in "$@"; do
  want=\${arg%"\${arg#?}"}; p=\${arg#?}
  if [ -L "$p" ]; then kind=link
  elif [ -d "$p" ]; then kind=directory
  elif [ -f "$p" ]; then kind=file
  elif [ -e "$p" ]; then kind=other
  else echo absent; continue; fi
  meta=$(stat --printf '%a\\t%U\\t%G\\t%u\\t%g\\t%s' -- "$p") || meta=''
  extra=''
  if [ "$kind" = link ]; then extra=$(readlink -- "$p" | base64 -w0)
  elif [ "$kind" = file ]; then extra=$(sha256sum -- "$p" | cut -d' ' -f1); fi
  size=\${meta##*\t}
  if [ "$kind" = file ] && [ "$want" = c ] && [ "$size" -le "$max" ] 2>/dev/null; then
    printf '%s\\t%s\\t%s\\t' "$kind" "$meta" "$extra"; base64 -w0 -- "$p"; echo
  else
    printf '%s\\t%s\\t%s\\t\\n' "$kind" "$meta" "$extra"
  fi
done`;

async function statFiles(target: Target, entries: { path: string; readContent: boolean }[]): Promise<Record<string, ObservedFile>> {
  const args = entries.map((e) => `${e.readContent ? 'c' : 'n'}${e.path}`);
  const result = await target.exec(['sh', '-c', STAT_SCRIPT, 'devenv-stat', String(MAX_CONTENT_BYTES), ...args], { user: 'root' });
  if (result.exitCode !== 0) throw new OperationError(`could not read managed files on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseStatOutput(result.stdout, entries.map((e) => e.path));
}

/** One output line per path, in argument order. */
export function parseStatOutput(stdout: string, paths: readonly string[]): Record<string, ObservedFile> {
  const lines = stdout.split('\n');
  const files: Record<string, ObservedFile> = {};
  paths.forEach((path, index) => {
    const line = lines[index] ?? 'absent';
    const [kind, mode, owner, group, uid, gid, size, extra, content] = line.split('\t');
    if (kind === 'absent' || kind === undefined) {
      files[path] = { kind: 'absent' };
      return;
    }
    const file: ObservedFile = { kind: kind as ObservedFileKind };
    if (mode) file.mode = mode.padStart(4, '0');
    if (owner) file.owner = owner;
    if (group) file.group = group;
    if (uid) file.uid = Number(uid);
    if (gid) file.gid = Number(gid);
    if (size) file.size = Number(size);
    if (kind === 'link' && extra) file.linkTarget = Buffer.from(extra, 'base64').toString('utf8').replace(/\n$/, '');
    if (kind === 'file' && extra) file.sha256 = extra;
    if (kind === 'file' && content !== undefined && (content !== '' || file.size === 0)) file.content = Buffer.from(content, 'base64').toString('utf8');
    files[path] = file;
  });
  return files;
}

async function queryAccounts(target: Target): Promise<{ users: Record<string, ObservedUser>; groups: Record<string, ObservedGroup> }> {
  const result = await target.exec(['sh', '-c', 'getent passwd && echo @@devenv-groups && getent group']);
  if (result.exitCode !== 0) throw new OperationError(`getent failed on ${target.describe().name}: ${lastLine(result.stderr)}`);
  const [passwd = '', group = ''] = result.stdout.split('@@devenv-groups\n');
  return { users: parsePasswd(passwd), groups: parseGroup(group) };
}

export function parsePasswd(text: string): Record<string, ObservedUser> {
  const users: Record<string, ObservedUser> = {};
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const [name, , uid, gid, comment, home, shell] = fields as [string, string, string, string, string, string, string];
    users[name] = { uid: Number(uid), gid: Number(gid), comment, home, shell };
  }
  return users;
}

export function parseGroup(text: string): Record<string, ObservedGroup> {
  const groups: Record<string, ObservedGroup> = {};
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4) continue;
    const [name, , gid, members] = fields as [string, string, string, string];
    groups[name] = { gid: Number(gid), members: members ? members.split(',') : [] };
  }
  return groups;
}

async function queryServices(target: Target, units: string[]): Promise<Record<string, ObservedService>> {
  const result = await target.exec(['systemctl', 'show', '-p', 'Id,LoadState,ActiveState,UnitFileState', '--', ...units]);
  if (result.exitCode !== 0) throw new OperationError(`systemctl show failed on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseSystemctlShow(result.stdout, units);
}

/** `systemctl show` prints one block per unit, in argument order, separated by blank lines. */
export function parseSystemctlShow(stdout: string, units: readonly string[]): Record<string, ObservedService> {
  const blocks = stdout.trim().split(/\n\s*\n/);
  const services: Record<string, ObservedService> = {};
  units.forEach((unit, index) => {
    const props: Record<string, string> = {};
    for (const line of (blocks[index] ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    services[unit] = {
      loadState: props.LoadState ?? 'not-found',
      activeState: props.ActiveState ?? 'inactive',
      unitFileState: props.UnitFileState ?? '',
    };
  });
  return services;
}

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

async function queryVenvs(target: Target, paths: string[]): Promise<Record<string, ObservedVenv>> {
  const result = await target.exec(['sh', '-c', VENV_SCRIPT, 'devenv-venvs', ...paths]);
  if (result.exitCode !== 0) throw new OperationError(`could not read python environments on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseVenvListing(result.stdout, paths);
}

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

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
