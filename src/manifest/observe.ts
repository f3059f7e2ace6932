import { createHash } from 'node:crypto';
import { OperationError } from '../core/errors.js';
import { execBatch, type BatchQuery } from '../targets/exec-batch.js';
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
import { PROVISIONED_MARKER } from './inputs.js';
import { PENDING_REFRESH_PATH, parsePendingRefresh } from './pending-refresh.js';
import { fileEnsure } from './resource.js';
import { normalizePipName, unitName } from './schema.js';
import { parseTemplateFacts, TEMPLATE_FACTS_SCRIPT } from './template-facts.js';

/** Regular files bigger than this are compared by hash only; their diff says so. */
const MAX_CONTENT_BYTES = 512 * 1024;

/**
 * On a target devenv has never provisioned (no marker), every package is about to be
 * looked up in the apt lists: that lookup then rides in the first round trip. Where
 * the marker is, it costs a `test` and the lookup, if any, comes after.
 */
const FIRST_RUN_AVAILABILITY_SCRIPT = '[ -e "$1" ] && exit 0; shift; LC_ALL=C exec apt-cache policy -- "$@"';

export interface ObserveOptions {
  /** Run `apt-get update` once when a wanted package or pinned version is not in the local lists. Default true. */
  updateAptLists?: boolean;
  /** Look packages up in the apt lists in the first round trip when the target was never provisioned. Default true. */
  earlyAvailability?: boolean;
  /** Also read the few host facts templates use (state.templateFacts), in the same round trip. */
  templateFacts?: boolean;
  onStep?: (detail: string) => void;
}

/**
 * Reads the current state of everything the catalog manages in one round trip
 * (one batched command: packages, files, accounts, services, python
 * environments, template facts), never one command per resource. A second
 * round trip only when a package must be looked up in the apt lists, and one
 * per exec guard. Every manifest value travels as a positional argument of a
 * fixed script.
 */
export async function observe(target: Target, catalog: Catalog, options: ObserveOptions = {}): Promise<ObservedState> {
  const state = emptyObservedState();
  const resources = catalog.ordered;
  const step = options.onStep ?? (() => {});

  const apt = resources.filter((r) => r.type === 'apt');
  const paths = new Map<string, boolean>();
  for (const r of resources) {
    if (r.type === 'file') paths.set(r.name, fileEnsure(r.attrs) === 'file');
    if (r.type === 'exec' && r.attrs.creates) paths.set(r.attrs.creates, paths.get(r.attrs.creates) ?? false);
  }
  // devenv's own records on the target travel with the managed files.
  paths.set(PENDING_REFRESH_PATH, true);
  paths.set(PROVISIONED_MARKER, true);
  const statEntries: StatEntry[] = [...paths.entries()].map(([path, readContent]) => ({ path, readContent }));
  const needsAccounts = resources.some((r) => r.type === 'user' || r.type === 'group' || r.type === 'file' || r.type === 'venv');
  const units = resources.filter((r) => r.type === 'service').map((r) => unitName(r.name));
  const venvPaths = [...new Set(resources.flatMap((r) => (r.type === 'venv' ? [r.name] : r.type === 'pip' ? [r.attrs.venv] : [])))];

  const queries: Partial<Record<'packages' | 'availability' | 'files' | 'accounts' | 'services' | 'venvs' | 'facts', BatchQuery>> = {
    files: statQuery(statEntries),
  };
  if (apt.length > 0) queries.packages = { script: DPKG_SCRIPT, args: apt.map((r) => r.name) };
  if (apt.length > 0 && options.earlyAvailability !== false) queries.availability = { script: FIRST_RUN_AVAILABILITY_SCRIPT, args: [PROVISIONED_MARKER, ...apt.map((r) => r.name)] };
  if (needsAccounts) queries.accounts = { script: ACCOUNTS_SCRIPT };
  if (units.length > 0) queries.services = { script: SERVICES_SCRIPT, args: units };
  if (venvPaths.length > 0) queries.venvs = { script: VENV_SCRIPT, args: venvPaths };
  if (options.templateFacts) queries.facts = { script: TEMPLATE_FACTS_SCRIPT };
  step(Object.keys(queries).join(', '));
  const answers = await execBatch(target, queries, { user: 'root' });
  const answer = (name: keyof typeof queries, what: string, okCodes: readonly number[] = [0]): string => {
    const got = answers[name]!;
    if (!okCodes.includes(got.exitCode)) {
      const detail = lastLine(got.stderr);
      throw new OperationError(`${what} failed on ${target.describe().name} (exit ${got.exitCode})${detail ? `: ${detail}` : ''}`);
    }
    return got.stdout;
  };

  state.files = parseStatOutput(answer('files', 'reading managed files'), statEntries);
  const pending = state.files[PENDING_REFRESH_PATH];
  state.pendingRefreshes = pending?.content !== undefined ? parsePendingRefresh(pending.content) : [];
  const marker = state.files[PROVISIONED_MARKER]?.content?.trim();
  if (marker) state.provisionedMarker = marker;
  delete state.files[PENDING_REFRESH_PATH];
  delete state.files[PROVISIONED_MARKER];
  // Exit 1 of dpkg-query only means some names are unknown to dpkg; the rest is on stdout.
  if (queries.packages) state.packages = parseDpkgQuery(answer('packages', 'dpkg-query', [0, 1]));
  if (queries.accounts) {
    const [passwd = '', group = ''] = answer('accounts', 'getent').split('@@devenv-groups\n');
    state.users = parsePasswd(passwd);
    state.groups = parseGroup(group);
  }
  if (queries.services) state.services = parseSystemctlShow(answer('services', 'systemctl show'), units);
  if (queries.venvs) state.venvs = parseVenvListing(answer('venvs', 'reading python environments'), venvPaths);
  if (queries.facts) state.templateFacts = parseTemplateFacts(answer('facts', 'reading host facts'));

  // Availability matters only for what must be installed or changed: usually nothing on a re-run.
  const wanted = apt
    .filter((r) => {
      const ensure = r.attrs.ensure;
      if (ensure === 'absent' || ensure === 'purged') return false;
      if (ensure === 'latest') return true;
      const installed = state.packages[r.name];
      const isInstalled = installed?.status === 'ii';
      return ensure === 'present' ? !isInstalled : installed?.version !== ensure || !isInstalled;
    })
    .map((r) => r.name);
  // Looked up in the first round trip (a target never provisioned), unless that failed.
  const early = answers.availability;
  const known = early && early.exitCode === 0 && early.stdout.trim() !== '' ? parseAptPolicy(early.stdout) : undefined;
  if (wanted.length > 0) {
    if (known && apt.every((r) => !wanted.includes(r.name) || satisfiable(r.attrs.ensure, known[r.name]))) {
      state.availability = known;
    } else {
      step('apt lists');
      state.availability = await queryAvailability(target, wanted);
    }
    const unknown = apt.filter((r) => wanted.includes(r.name) && !satisfiable(r.attrs.ensure, state.availability[r.name]));
    if (unknown.length > 0 && options.updateAptLists !== false) {
      step('apt-get update');
      await refreshAptLists(target);
      state.availability = await queryAvailability(target, wanted);
    }
  }

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

const DPKG_SCRIPT = `dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' -- "$@"`;

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
 * Every managed path in three processes, whatever their number: one `find`
 * for kind, mode, owner, size and link target; one `sha256sum` over the
 * regular files; one `cat | base64` of the files whose content is read (for
 * diffs), split again by the sizes find reported. Arguments: the content size
 * limit, then each path prefixed by "c" (read its content) or "n".
 * A process per file cost ~4 ms each; this costs ~10 ms in all.
 */
const STAT_SCRIPT = `
max=$1; shift
meta() {
  n=$#; for a in "$@"; do set -- "$@" "\${a#?}"; done; shift "$n"
  find "$@" -maxdepth 0 -printf '%y\\0%m\\0%u\\0%g\\0%U\\0%G\\0%s\\0%p\\0%l\\0' 2>/dev/null
  echo @@sha256
  find "$@" -maxdepth 0 -type f -exec sha256sum -- {} + 2>/dev/null
}
content() {
  n=$#; for a in "$@"; do case $a in c*) set -- "$@" "\${a#?}";; esac; done; shift "$n"
  [ $# -gt 0 ] || return 0
  find "$@" -maxdepth 0 -type f -size -$((max + 1))c -exec cat -- {} + 2>/dev/null | base64 -w0
}
meta "$@"
echo @@content
content "$@"
echo
exit 0`;

export interface StatEntry {
  path: string;
  /** Read the content too (for diffs), when it is a regular file within the size limit. */
  readContent: boolean;
}

export function statQuery(entries: readonly StatEntry[], maxContentBytes = MAX_CONTENT_BYTES): BatchQuery {
  return { script: STAT_SCRIPT, args: [String(maxContentBytes), ...entries.map((e) => `${e.readContent ? 'c' : 'n'}${e.path}`)] };
}

const FIND_KINDS: Record<string, ObservedFileKind> = { f: 'file', d: 'directory', l: 'link' };
const FIND_FIELDS = 9;

/**
 * Parses STAT_SCRIPT's output. A path find did not report is absent. A file's
 * content is kept only when its bytes hash to what sha256sum said: a file that
 * changed between the three reads loses its diff, never its correctness.
 */
export function parseStatOutput(stdout: string, entries: readonly StatEntry[], maxContentBytes = MAX_CONTENT_BYTES): Record<string, ObservedFile> {
  // find's records are nine NUL-terminated fields (no field can hold a NUL); what follows the last is the rest.
  const fields = stdout.split('\0');
  const records = Math.floor((fields.length - 1) / FIND_FIELDS);
  const found = new Map<string, ObservedFile>();
  for (let index = 0; index < records; index++) {
    const [type, mode, owner, group, uid, gid, size, path, linkTarget] = fields.slice(index * FIND_FIELDS, (index + 1) * FIND_FIELDS) as [string, string, string, string, string, string, string, string, string];
    const file: ObservedFile = { kind: FIND_KINDS[type] ?? 'other', mode: mode.padStart(4, '0'), owner, group, uid: Number(uid), gid: Number(gid), size: Number(size) };
    if (file.kind === 'link') file.linkTarget = linkTarget;
    found.set(path, file);
  }
  const lines = (fields[records * FIND_FIELDS] ?? '').split('\n');
  const contentAt = lines.indexOf('@@content');
  for (const line of lines.slice(0, Math.max(contentAt, 0))) {
    const match = /^(\\?)([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (!match) continue;
    // GNU sha256sum escapes "\" and newlines in names, and marks such lines with a leading "\".
    const path = match[1] ? match[3]!.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) : match[3]!;
    const file = found.get(path);
    if (file?.kind === 'file') file.sha256 = match[2]!;
  }
  const contentText = contentAt >= 0 ? (lines[contentAt + 1] ?? '') : '';
  const bytes = Buffer.from(contentText.trim(), 'base64');
  const read = entries.filter((e) => {
    const file = found.get(e.path);
    return e.readContent && file?.kind === 'file' && (file.size ?? 0) <= maxContentBytes;
  });
  let offset = 0;
  const expected = read.reduce((sum, e) => sum + (found.get(e.path)!.size ?? 0), 0);
  if (expected === bytes.length) {
    for (const e of read) {
      const file = found.get(e.path)!;
      const slice = bytes.subarray(offset, offset + (file.size ?? 0));
      offset += slice.length;
      if (file.sha256 !== undefined && createHash('sha256').update(slice).digest('hex') === file.sha256) file.content = slice.toString('utf8');
    }
  }
  return Object.fromEntries(entries.map((e) => [e.path, found.get(e.path) ?? { kind: 'absent' as const }]));
}

const ACCOUNTS_SCRIPT = 'getent passwd && echo @@devenv-groups && getent group';

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

const SERVICES_SCRIPT = 'systemctl show -p Id,LoadState,ActiveState,UnitFileState -- "$@"';

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
