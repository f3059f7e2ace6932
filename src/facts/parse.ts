import { sha256 } from '../core/hash.js';
import type { TargetDescription } from '../targets/target.js';
import { parseAptSourceFile } from './apt-sources.js';
import { COLLECTOR_SECTIONS, type CollectorSection } from './collector-script.js';
import { normalizeArch, normalizePythonName } from './normalize.js';
import {
  FACTS_SCHEMA_ID,
  FactsSchema,
  type Facts,
} from './schema.js';

/**
 * Turns the collector's delimited output into devenv.facts/v1. Each section is
 * parsed on its own: one that the script marked as failed, or that does not
 * parse, becomes a one-line entry in `errors` and is left out; the rest stand.
 */

export interface RawSection {
  lines: string[];
  errors: string[];
  exitCode: number | undefined;
}

/** Splits stdout at `<marker> begin|end|error` lines. Unknown sections are kept; a missing end leaves exitCode undefined. */
export function splitSections(stdout: string, marker: string): Map<string, RawSection> {
  const sections = new Map<string, RawSection>();
  let current: RawSection | undefined;
  const prefix = `${marker} `;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(prefix)) {
      const rest = line.slice(prefix.length);
      const [verb = '', name = '', code] = rest.split(' ');
      if (verb === 'begin') {
        current = { lines: [], errors: [], exitCode: undefined };
        sections.set(name, current);
      } else if (verb === 'end' && current) {
        current.exitCode = Number(code);
        current = undefined;
      } else if (verb === 'error' && current) {
        current.errors.push(rest.slice('error '.length).trim());
      }
      continue;
    }
    current?.lines.push(line);
  }
  return sections;
}

type Collected = Omit<Facts, 'schema' | 'collected_at' | 'source' | 'target' | 'errors' | 'missing'>;
type SectionParser = (section: RawSection, context: ParseContext) => Partial<Collected>;

interface ParseContext {
  meta: { uid?: number; shellPid?: number };
  /** pid → user, from the processes section (listeners name their process' user). */
  processUsers: Map<number, string>;
  errors: Record<string, string>;
}

function keyValues(lines: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf('=');
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}

function tabbed(lines: readonly string[], kind: string): string[][] {
  const out: string[][] = [];
  for (const line of lines) {
    if (line.startsWith(`${kind}\t`)) out.push(line.split('\t').slice(1));
  }
  return out;
}

/** os-release values: optionally quoted, with shell-style backslash escapes. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    const inner = v.slice(1, -1);
    return v.startsWith('"') ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}

function octalMode(mode: string): string {
  return mode.padStart(4, '0');
}

const parsePlatform: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const id = kv.get('ID');
  if (!id) throw new Error('no ID in os-release');
  const containerTech = kv.get('virt_container') ?? '';
  const vmTech = kv.get('virt_vm') ?? '';
  let virtualization: { kind: 'container' | 'vm' | 'physical' | 'unknown'; tech: string };
  if (containerTech && containerTech !== 'none') virtualization = { kind: 'container', tech: containerTech };
  else if (kv.has('dockerenv')) virtualization = { kind: 'container', tech: 'docker' };
  else if (kv.has('containerenv')) virtualization = { kind: 'container', tech: 'podman' };
  else if (vmTech && vmTech !== 'none') virtualization = { kind: 'vm', tech: vmTech };
  else if (vmTech === 'none') virtualization = { kind: 'physical', tech: 'none' };
  else virtualization = { kind: 'unknown', tech: '' };
  const codename = kv.get('VERSION_CODENAME');
  const pretty = kv.get('PRETTY_NAME');
  const machineId = kv.get('machine_id');
  return {
    platform: {
      os: {
        id: unquote(id),
        version_id: unquote(kv.get('VERSION_ID') ?? ''),
        ...(codename ? { codename: unquote(codename) } : {}),
        ...(pretty ? { pretty_name: unquote(pretty) } : {}),
      },
      kernel: kv.get('kernel') ?? '',
      arch: kv.get('dpkg_arch') || normalizeArch(kv.get('machine') ?? ''),
      hostname: kv.get('hostname') ?? '',
      ...(machineId ? { machine_id: machineId } : {}),
      virtualization,
      pid1: kv.get('pid1') ?? '',
    },
  };
};

const parseResources: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const cpus = Number(kv.get('cpus'));
  const memLine = lines.find((l) => l.startsWith('MemTotal:'));
  const kib = memLine ? Number(/(\d+)/.exec(memLine)?.[1]) : NaN;
  if (!Number.isFinite(cpus) || !Number.isFinite(kib)) throw new Error('could not read cpus or MemTotal');
  let memory = kib * 1024;
  const limit = Number(kv.get('cgroup_memory_max'));
  if (Number.isFinite(limit) && limit > 0 && limit < memory) memory = limit;
  return { resources: { cpus, memory_bytes: memory } };
};

const parseAptSources: SectionParser = ({ lines }) => {
  const sources: NonNullable<Collected['apt_sources']> = [];
  let file: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (file) sources.push(...parseAptSourceFile(file, body.join('\n')));
    body = [];
  };
  for (const line of lines) {
    if (line.startsWith('file ')) {
      flush();
      file = line.slice(5);
    } else if (line.startsWith('| ') || line === '|') {
      body.push(line.slice(2));
    }
  }
  flush();
  return { apt_sources: sources };
};

/** dpkg "installed-ish" states: installed, unpacked, half-configured, half-installed, triggers. Not "not-installed" or "config-files". */
function isInstalledStatus(status: string): boolean {
  return /^.[iUFHWt]/.test(status);
}

const parsePackages: SectionParser = ({ lines }) => {
  const native = keyValues(lines).get('native') ?? '';
  const auto = new Set(tabbed(lines, 'A').map(([name = '', arch = '']) => `${name}:${arch}`));
  const deb: NonNullable<Collected['packages']>['deb'] = {};
  const recommendedBy: string[][] = [];
  for (const [name = '', version = '', arch = '', rawStatus = '', recommends = ''] of tabbed(lines, 'P')) {
    const status = rawStatus.trim();
    if (!name || !isInstalledStatus(status)) continue;
    const key = arch === native || arch === 'all' || arch === '' ? name : `${name}:${arch}`;
    // extended_states records the real arch (or "all"); a package absent from it was installed by hand.
    const manual = !auto.has(`${name}:${arch}`) && !auto.has(`${name}:${native}`);
    deb[key] = { version, arch, status, manual };
    // Each Recommends group of a hand-installed package, as the names that would satisfy it.
    if (manual && recommends.trim()) {
      for (const group of recommends.split(',')) recommendedBy.push(group.split('|').map((alt) => alt.trim().split(/[\s(:]/)[0]!).filter(Boolean));
    }
  }
  if (Object.keys(deb).length === 0) throw new Error('dpkg-query listed no installed packages');
  const configured = /'(true|false)'/.exec(keyValues(lines).get('recommends') ?? '')?.[1];
  const met = recommendedBy.filter((names) => names.some((n) => deb[n] !== undefined)).length;
  return {
    packages: {
      deb,
      ...(configured ? { install_recommends: configured === 'true' } : {}),
      ...(recommendedBy.length ? { recommends_met: { met, of: recommendedBy.length } } : {}),
    },
  };
};

const parsePython: SectionParser = ({ lines }) => {
  const venvs: Record<string, { python?: string; packages: Record<string, string> }> = {};
  let current: { python?: string; packages: Record<string, string>; cfg: Map<string, string> } | undefined;
  const finish = (): void => {
    if (!current) return;
    const { cfg } = current;
    const executable = cfg.get('executable');
    const home = cfg.get('home');
    const version = cfg.get('version') ?? cfg.get('version_info');
    const minor = version ? /^(\d+\.\d+)/.exec(version)?.[1] : undefined;
    if (executable) current.python = executable;
    else if (home) current.python = `${home.replace(/\/$/, '')}/python${minor ?? '3'}`;
  };
  for (const line of lines) {
    const [kind, a = '', b = ''] = line.replace(/\r$/, '').split('\t');
    if (kind === 'V') {
      finish();
      current = { packages: {}, cfg: new Map() };
      venvs[a] = current;
    } else if (kind === 'C' && current) {
      current.cfg.set(a, b.trim());
    } else if (kind === 'D' && current && a) {
      current.packages[normalizePythonName(a)] = b.trim();
    }
  }
  finish();
  const python: Record<string, { python?: string; packages: Record<string, string> }> = {};
  for (const [path, venv] of Object.entries(venvs)) {
    python[path] = { ...(venv.python ? { python: venv.python } : {}), packages: sortRecord(venv.packages) };
  }
  return { runtimes: { python } };
};

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const parseAccounts: SectionParser = ({ lines }) => {
  const users: NonNullable<Collected['accounts']>['users'] = {};
  const groups: NonNullable<Collected['accounts']>['groups'] = {};
  const groupNameByGid = new Map<number, string>();
  for (const line of lines) {
    if (line.startsWith('G:')) {
      const [name = '', , gid = '', members = ''] = line.slice(2).split(':');
      if (!name || groups[name]) continue;
      groups[name] = { gid: Number(gid), members: members ? members.split(',').filter(Boolean) : [] };
      if (!groupNameByGid.has(Number(gid))) groupNameByGid.set(Number(gid), name);
    }
  }
  for (const line of lines) {
    if (line.startsWith('U:')) {
      const [name = '', , uid = '', gid = '', , home = '', shell = ''] = line.slice(2).split(':');
      if (!name || users[name]) continue;
      const memberOf = new Set<string>();
      const primary = groupNameByGid.get(Number(gid));
      if (primary) memberOf.add(primary);
      users[name] = { uid: Number(uid), gid: Number(gid), home, shell, groups: [] };
      for (const [groupName, group] of Object.entries(groups)) if (group.members.includes(name)) memberOf.add(groupName);
      users[name]!.groups = [...memberOf].sort();
    }
  }
  if (Object.keys(users).length === 0) throw new Error('getent passwd listed no users');
  return { accounts: { users, groups } };
};

function parseServices({ lines }: RawSection, _context?: ParseContext, suffix = '.service'): Partial<Collected> {
  const hashAt = lines.indexOf('@hashes');
  const showLines = hashAt >= 0 ? lines.slice(0, hashAt) : lines;
  const fileHashes = new Map<string, string>();
  for (const line of hashAt >= 0 ? lines.slice(hashAt + 1) : []) {
    const match = /^\\?([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) fileHashes.set(match[2]!, match[1]!);
  }
  const services: NonNullable<Collected['services']> = {};
  const blocks: Map<string, string>[] = [];
  let block = new Map<string, string>();
  for (const line of [...showLines, '']) {
    if (line === '') {
      if (block.size > 0) blocks.push(block);
      block = new Map();
      continue;
    }
    const at = line.indexOf('=');
    if (at > 0) block.set(line.slice(0, at), line.slice(at + 1));
  }
  for (const props of blocks) {
    const id = props.get('Id');
    const load = props.get('LoadState');
    if (!id || !id.endsWith(suffix) || load === 'not-found' || load === 'bad-setting' && !props.get('FragmentPath')) continue;
    const fragment = props.get('FragmentPath') ?? '';
    const dropIns = (props.get('DropInPaths') ?? '').split(' ').filter(Boolean);
    const unitFiles = [fragment, ...dropIns].filter(Boolean);
    const hashes = unitFiles.map((f) => fileHashes.get(f));
    const mainPid = Number(props.get('MainPID'));
    const conditionChecked = Number(props.get('ConditionTimestampMonotonic') ?? '0') > 0;
    services[id.slice(0, -suffix.length)] = {
      enabled: props.get('UnitFileState') || (load === 'masked' ? 'masked' : 'unknown'),
      active: props.get('ActiveState') ?? 'unknown',
      ...(props.get('SubState') ? { sub: props.get('SubState')! } : {}),
      user: props.get('User') || 'root',
      restart: props.get('Restart') || 'no',
      ...(unitFiles.length > 0 && hashes.every((h) => h !== undefined)
        ? { unit_sha256: sha256(unitFiles.map((f, i) => `${i === 0 ? 'unit' : 'drop-in'} ${hashes[i]}`).join('\n')) }
        : {}),
      ...(mainPid > 0 ? { main_pid: mainPid } : {}),
      ...(conditionChecked && props.get('ConditionResult') === 'no' ? { condition_failed: true } : {}),
    };
  }
  if (Object.keys(services).length === 0 && suffix === '.service') throw new Error('systemctl show returned no services');
  return { services: sortRecord(services) };
}

/** `users:(("sshd",pid=410,fd=3),…)` → first process name and pid. */
function processOf(field: string): { process?: string; pid?: number } {
  const match = /\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(field);
  return match ? { process: match[1]!, pid: Number(match[2]) } : {};
}

/** "0.0.0.0:22", "[::]:22", "127.0.0.53%lo:53", "*:68" → address and port. */
export function splitSocketAddress(text: string): { address: string; port: number } | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  const port = Number(text.slice(at + 1));
  if (!Number.isInteger(port)) return undefined;
  let address = text.slice(0, at).replace(/%[^\]]*$/, '');
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, '');
  return { address, port };
}

const parseListeners: SectionParser = ({ lines }, context) => {
  const sockets: NonNullable<Collected['listeners']>['sockets'] = [];
  const unix: NonNullable<Collected['listeners']>['unix'] = [];
  const stats = new Map<string, { mode: string; owner: string; group: string }>();
  for (const [mode = '', owner = '', group = '', path = ''] of tabbed(lines, 'S')) stats.set(path, { mode: octalMode(mode), owner, group });
  const seen = new Set<string>();
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'N') {
      const [, netid = '', , , , local = '', , ...rest] = fields;
      const protocol = netid.startsWith('udp') ? 'udp' : netid.startsWith('tcp') ? 'tcp' : undefined;
      const where = splitSocketAddress(local);
      if (!protocol || !where) continue;
      const proc = processOf(rest.join(' '));
      const key = `${protocol} ${where.address} ${where.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const user = proc.pid !== undefined ? context.processUsers.get(proc.pid) : undefined;
      sockets.push({ protocol, ...where, ...proc, ...(user ? { user } : {}) });
    } else if (fields[0] === 'X') {
      const path = fields[5] ?? '';
      if (!path || path === '*' || seen.has(`unix ${path}`)) continue;
      seen.add(`unix ${path}`);
      const proc = processOf(fields.slice(9).join(' '));
      const user = proc.pid !== undefined ? context.processUsers.get(proc.pid) : undefined;
      unix.push({
        path,
        ...(stats.get(path) ?? {}),
        ...(proc.process ? { process: proc.process } : {}),
        ...(user ? { user } : {}),
      });
    }
  }
  sockets.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address));
  unix.sort((a, b) => a.path.localeCompare(b.path));
  return { listeners: { sockets, unix } };
};

const parseProcesses: SectionParser = ({ lines }, context) => {
  const processes: NonNullable<Collected['processes']> = [];
  const self = context.meta.shellPid;
  for (const line of lines) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const ppid = Number(match[2]);
    // The collector's own shell and the commands it forked are not part of the system.
    if (self !== undefined && (pid === self || ppid === self)) continue;
    processes.push({ pid, ppid, user: match[3]!, comm: match[4]!, args: match[5]!.trimEnd() });
  }
  if (processes.length === 0) throw new Error('ps listed no processes');
  return { processes };
};

function fileType(statType: string): 'file' | 'directory' | 'link' | 'other' {
  if (statType === 'regular file' || statType === 'regular empty file') return 'file';
  if (statType === 'directory') return 'directory';
  if (statType === 'symbolic link') return 'link';
  return 'other';
}

const parseFiles: SectionParser = ({ lines }) => {
  const files: NonNullable<Collected['files']> = {};
  const entry = (path: string): NonNullable<Collected['files']>[string] => (files[path] ??= { type: 'other' });
  for (const line of lines) {
    const [kind, ...f] = line.split('\t');
    switch (kind) {
      case 'A':
        files[f[0] ?? ''] = { type: 'absent' };
        break;
      case 'S': {
        const [type = '', mode = '', owner = '', group = '', size = '', path = ''] = f;
        files[path] = { type: fileType(type), mode: octalMode(mode), owner, group, size: Number(size) };
        break;
      }
      case 'E':
        entry(f[0] ?? '');
        break;
      case 'L':
        entry(f[1] ?? '').link_target = f[0] ?? '';
        break;
      case 'P':
        entry(f[1] ?? '').fingerprint = f[0] ?? '';
        break;
      case 'H': {
        const file = entry(f[1] ?? '');
        file.sha256 = f[0] ?? '';
        file.devenv_header ??= false;
        break;
      }
      case 'U':
        entry(f[1] ?? '').sha256_unmanaged = f[0] ?? '';
        break;
      case 'D':
        entry(f[0] ?? '').devenv_header = true;
        break;
      default:
        break;
    }
  }
  for (const file of Object.values(files)) {
    if (file.sha256 !== undefined && file.sha256_unmanaged === undefined) file.sha256_unmanaged = file.sha256;
  }
  return { files: sortRecord(files) };
};

type SystemFileEntry = NonNullable<Collected['unowned_files']>[string];

/** find -printf %y → the facts' file types. */
function findType(letter: string): 'file' | 'directory' | 'link' | 'other' {
  return letter === 'f' ? 'file' : letter === 'd' ? 'directory' : letter === 'l' ? 'link' : 'other';
}

/** One `S|Q TAB type TAB mode TAB owner TAB group TAB size TAB path TAB link` line (Q: a secret). */
function describedFile(fields: readonly string[]): { path: string; file: SystemFileEntry } | undefined {
  const [kind = '', type = '', mode = '', owner = '', group = '', size = '', path = '', link = ''] = fields;
  if ((kind !== 'S' && kind !== 'Q') || !path.startsWith('/')) return undefined;
  const fileType = findType(type);
  return {
    path,
    file: {
      type: fileType,
      mode: octalMode(mode),
      owner,
      group,
      ...(fileType === 'file' ? { size: Number(size) } : {}),
      ...(fileType === 'link' ? { link_target: link } : {}),
      ...(kind === 'Q' ? { secret: true } : {}),
    },
  };
}

/** S/Q lines and H lines (the last hash of a path wins: the header-free one) → path → file. */
function describedFiles(lines: readonly string[]): Map<string, SystemFileEntry> {
  const files = new Map<string, SystemFileEntry>();
  const hashes = new Map<string, string>();
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields[0] === 'H' && /^[0-9a-f]{64}$/.test(fields[1] ?? '')) hashes.set(fields.slice(2).join('\t'), fields[1]!);
    const described = describedFile(fields);
    if (described) files.set(described.path, described.file);
  }
  for (const [path, file] of files) {
    const hash = hashes.get(path);
    if (hash && file.type === 'file' && !file.secret) file.sha256 = hash;
  }
  return files;
}

const parseConffiles: SectionParser = ({ lines }) => {
  const described = describedFiles(lines);
  const conffiles: NonNullable<Collected['conffiles']> = {};
  for (const line of lines) {
    const [kind, path = '', pkg = '', via = ''] = line.split('\t');
    if ((kind !== 'C' && kind !== 'X') || !path.startsWith('/')) continue;
    const file = described.get(path) ?? { type: 'absent' as const };
    conffiles[path] = { ...file, package: pkg, via: via === 'ucf' ? 'ucf' : 'dpkg' };
  }
  return { conffiles: sortRecord(conffiles) };
};

const parseUnownedFiles: SectionParser = ({ lines }) => {
  const files = describedFiles(lines);
  if (files.size === 0) throw new Error('found no files under /etc');
  return { unowned_files: sortRecord(Object.fromEntries(files)) };
};

const TREE_ROOTS = ['/usr/local/', '/opt/'];

/** /usr/local/bin/x → ["/usr/local/bin", "x"]; /opt/agent → ["/opt/agent", ""]. */
function splitTree(path: string): [string, string] | undefined {
  const root = TREE_ROOTS.find((r) => path.startsWith(r));
  if (!root) return undefined;
  const rest = path.slice(root.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? [`${root}${rest}`, ''] : [`${root}${rest.slice(0, slash)}`, rest.slice(slash + 1)];
}

const parseTrees: SectionParser = ({ lines }) => {
  type Tree = NonNullable<Collected['trees']>[string];
  const trees: Record<string, Tree> = {};
  const listing = new Map<string, string[]>();
  const big = new Map<string, number>();
  const digests = new Map<string, string>();
  const hashes = new Map<string, string>();
  const tree = (path: string): Tree => (trees[path] ??= { type: 'directory', count: 0, digest: '', content: true, entries: {} });
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields[0] === 'B') big.set(fields[1] ?? '', Number(fields[2]));
    else if (fields[0] === 'D') digests.set(fields[2] ?? '', fields[1] ?? '');
    else if (fields[0] === 'H' && /^[0-9a-f]{64}$/.test(fields[1] ?? '')) hashes.set(fields.slice(2).join('\t'), fields[1]!);
  }
  for (const line of lines) {
    const fields = line.split('\t');
    const described = describedFile(fields);
    if (!described) continue;
    const split = splitTree(described.path);
    if (!split) continue;
    const [root, rel] = split;
    const t = tree(root);
    const { type, mode = '', owner = '', group = '', size, link_target } = described.file;
    if (rel === '') {
      Object.assign(t, { type, mode, owner, group, ...(link_target !== undefined ? { link_target } : {}) });
      continue;
    }
    const sha = hashes.get(described.path);
    const entryType = type === 'absent' ? 'other' : type;
    t.entries[rel] = { type: entryType, mode, owner, group, ...(size !== undefined ? { size } : {}), ...(sha ? { sha256: sha } : {}), ...(link_target !== undefined ? { link_target } : {}) };
    (listing.get(root) ?? listing.set(root, []).get(root)!).push([entryType, mode, owner, group, size ?? '', rel, link_target ?? '', sha ?? ''].join('\t'));
  }
  for (const [root, t] of Object.entries(trees)) {
    const count = big.get(root);
    if (count !== undefined) {
      Object.assign(t, { count, digest: digests.get(root) ?? '', content: false, truncated: true });
    } else {
      t.count = Object.keys(t.entries).length;
      t.digest = sha256((listing.get(root) ?? []).sort().join('\n'));
    }
    t.entries = sortRecord(t.entries);
  }
  return { trees: sortRecord(trees) };
};

const parseCron: SectionParser = ({ lines }, context) => {
  const timersAt = lines.indexOf('@timers');
  const cronLines = timersAt >= 0 ? lines.slice(0, timersAt) : lines;
  const crontabs: NonNullable<NonNullable<Collected['cron']>['crontabs']> = {};
  const stats = describedFiles(cronLines);
  for (const [sha = '', jobs = '', path = ''] of tabbed(cronLines, 'J')) {
    const meta = stats.get(path);
    crontabs[path.replace(/^.*\//, '')] = {
      sha256: sha,
      jobs: Number(jobs) || 0,
      ...(meta?.mode ? { mode: meta.mode } : {}),
      ...(meta?.owner ? { owner: meta.owner } : {}),
      ...(meta?.group ? { group: meta.group } : {}),
    };
  }
  const unreadable = tabbed(cronLines, 'R')[0]?.[0];
  if (unreadable) context.errors['cron:crontabs'] = `${unreadable} is not readable (collect as root)`;
  let timers: NonNullable<Collected['cron']>['timers'];
  if (timersAt >= 0) {
    // The timer blocks of the services section's systemctl show, and their unit files' hashes: parsed as services are.
    const parsed = parseServices({ lines: lines.slice(timersAt + 1), errors: [], exitCode: 0 }, context, '.timer').services ?? {};
    timers = sortRecord(Object.fromEntries(Object.entries(parsed).map(([name, t]) => [name, { enabled: t.enabled, active: t.active, ...(t.unit_sha256 ? { unit_sha256: t.unit_sha256 } : {}), ...(t.condition_failed ? { condition_failed: true } : {}) }])));
  }
  return { cron: { ...(unreadable ? {} : { crontabs: sortRecord(crontabs) }), ...(timers ? { timers } : {}) } };
};

const parseSysctl: SectionParser = ({ lines }) => {
  const sysctl: Record<string, string> = {};
  for (const line of lines) {
    const match = /^([a-z0-9_.]+)\s*=\s*(.*)$/i.exec(line);
    if (match) sysctl[match[1]!] = match[2]!.trim().replace(/\s+/g, ' ');
  }
  return { sysctl: sortRecord(sysctl) };
};

const parseTime: SectionParser = ({ lines }) => {
  const ntp = lines.filter((l) => l.startsWith('ntp=')).map((l) => l.slice(4));
  const timezone = keyValues(lines).get('timezone')?.trim() || 'Etc/UTC';
  const synced = lines.includes('synchronized=yes');
  return {
    time: {
      timezone,
      ntp_services: ntp,
      // timesyncd drops a flag file when synchronized; other daemons are not asked (that would need their clients).
      ...(synced ? { synchronized: true } : ntp.includes('systemd-timesyncd') ? { synchronized: false } : {}),
    },
  };
};

const parseLocale: SectionParser = ({ lines }) => {
  let lang: string | undefined;
  let lcAll: string | undefined;
  for (const line of lines) {
    const match = /^\s*(LANG|LC_ALL)=(.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === 'LANG') lang = unquote(match[2]!);
    else lcAll = unquote(match[2]!);
  }
  // Nothing configured means the C library's default locale.
  return { locale: { lang: lang || 'C', ...(lcAll ? { lc_all: lcAll } : {}) } };
};

const parseSsh: SectionParser = ({ lines }) => {
  const ssh: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    ssh[key] = ssh[key] === undefined ? match[2]! : `${ssh[key]},${match[2]!}`;
  }
  if (Object.keys(ssh).length === 0) throw new Error('sshd -T printed nothing');
  return { ssh: sortRecord(ssh) };
};

/** The inbound policy a packet meets: drop when any input-hook base chain drops. */
export function nftDefaultInput(ruleset: string): string {
  const policies: string[] = [];
  const chainPattern = /type\s+filter\s+hook\s+input\b[^;]*;[^}]*?policy\s+(\w+)\s*;/g;
  for (const match of ruleset.matchAll(chainPattern)) policies.push(match[1]!.toLowerCase());
  if (policies.length === 0) return 'accept';
  if (policies.includes('drop')) return 'drop';
  if (policies.includes('reject')) return 'reject';
  return policies[0]!;
}

const parseFirewall: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const backend = kv.get('backend');
  const rules = lines.filter((l) => l.startsWith('| ') || l === '|').map((l) => l.slice(2));
  const text = rules.join('\n').trim();
  if (backend === 'nftables') {
    return { firewall: { backend: 'nftables', default_input: nftDefaultInput(text), rules_sha256: sha256(text), readable: true } };
  }
  if (backend === 'iptables') {
    const policy = /^-P INPUT (\w+)/m.exec(text)?.[1]?.toLowerCase() ?? 'unknown';
    return { firewall: { backend: 'iptables', default_input: policy, rules_sha256: sha256(text), readable: true } };
  }
  if (backend === 'none') return { firewall: { backend: 'none', default_input: 'unknown', readable: false } };
  const unreadable = kv.get('unreadable') ?? '';
  return {
    firewall: {
      backend: unreadable.startsWith('nft') ? 'nftables' : unreadable.startsWith('iptables') ? 'iptables' : 'unknown',
      default_input: 'unknown',
      readable: false,
    },
  };
};

const parseEnv: SectionParser = ({ lines }, context) => {
  const env: NonNullable<Collected['env']> = {};
  for (const [unit = '', name = '', fingerprint = ''] of tabbed(lines, 'E')) {
    const service = unit.replace(/\.service$/, '');
    const entry = (env[service] ??= { names: [], fingerprints: {} });
    if (!entry.names.includes(name)) entry.names.push(name);
    // Later assignments win in systemd, as they do here.
    entry.fingerprints[name] = fingerprint;
  }
  for (const [unit = '', path = ''] of tabbed(lines, 'R')) {
    context.errors[`env:${unit.replace(/\.service$/, '')}`] = `${path} is not readable (collect as root)`;
  }
  for (const entry of Object.values(env)) entry.names.sort();
  return { env: sortRecord(env) };
};

const parseSecurityUpdates: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const periodic = kv.get('periodic');
  return {
    security_updates: {
      unattended_upgrades_installed: isInstalledStatus((kv.get('unattended') ?? '').trim()),
      ...(periodic !== undefined ? { periodic_unattended_upgrade: unquote(periodic) } : {}),
    },
  };
};

const parseFail2ban: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const jails = (kv.get('jails') ?? '').split(',').map((j) => j.trim()).filter(Boolean);
  return { fail2ban: { installed: kv.get('installed') === 'yes', active: kv.get('active') === 'active', jails } };
};

const parseLogging: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  return {
    logging: {
      journald_active: kv.get('journald') === 'active',
      logrotate_installed: kv.get('logrotate') === 'yes',
      logrotate_configs: tabbed(lines, 'C').map(([path = '']) => path),
    },
  };
};

/** Collector section → the facts key it fills (python fills runtimes). */
const PARSERS: Record<Exclude<CollectorSection, 'meta'>, { key: string; parse: SectionParser }> = {
  platform: { key: 'platform', parse: parsePlatform },
  resources: { key: 'resources', parse: parseResources },
  apt_sources: { key: 'apt_sources', parse: parseAptSources },
  packages: { key: 'packages', parse: parsePackages },
  python: { key: 'runtimes', parse: parsePython },
  accounts: { key: 'accounts', parse: parseAccounts },
  services: { key: 'services', parse: (section, context) => parseServices(section, context) },
  // Parsed after processes, so listeners can name the user of each process.
  processes: { key: 'processes', parse: parseProcesses },
  listeners: { key: 'listeners', parse: parseListeners },
  files: { key: 'files', parse: parseFiles },
  conffiles: { key: 'conffiles', parse: parseConffiles },
  unowned_files: { key: 'unowned_files', parse: parseUnownedFiles },
  trees: { key: 'trees', parse: parseTrees },
  cron: { key: 'cron', parse: parseCron },
  sysctl: { key: 'sysctl', parse: parseSysctl },
  time: { key: 'time', parse: parseTime },
  locale: { key: 'locale', parse: parseLocale },
  ssh: { key: 'ssh', parse: parseSsh },
  firewall: { key: 'firewall', parse: parseFirewall },
  env: { key: 'env', parse: parseEnv },
  security_updates: { key: 'security_updates', parse: parseSecurityUpdates },
  fail2ban: { key: 'fail2ban', parse: parseFail2ban },
  logging: { key: 'logging', parse: parseLogging },
};

export interface ParseOptions {
  marker: string;
  target: TargetDescription;
  collectedAt?: Date;
}

/** Collector stdout → validated facts. Never throws for one bad section; only for output with no sections at all. */
export function parseCollectorOutput(stdout: string, options: ParseOptions): Facts {
  const sections = splitSections(stdout, options.marker);
  if (sections.size === 0) throw new Error('the collector printed no sections');
  const meta = keyValues(sections.get('meta')?.lines ?? []);
  const context: ParseContext = {
    meta: {
      ...(meta.has('uid') ? { uid: Number(meta.get('uid')) } : {}),
      ...(meta.has('shell_pid') ? { shellPid: Number(meta.get('shell_pid')) } : {}),
    },
    processUsers: new Map(),
    errors: {},
  };
  const collected: Record<string, unknown> = {};
  const order = Object.keys(PARSERS) as (keyof typeof PARSERS)[];
  for (const name of order) {
    const { key, parse } = PARSERS[name];
    const section = sections.get(name);
    if (!section) {
      context.errors[key] = 'not collected: the collector stopped before this section';
      continue;
    }
    if (section.errors.length > 0 || section.exitCode === undefined) {
      context.errors[key] = section.errors.join('; ') || 'the section did not finish';
      continue;
    }
    try {
      const value = parse(section, context);
      Object.assign(collected, value);
      if (name === 'processes' && collected.processes) {
        for (const p of collected.processes as { pid: number; user: string }[]) context.processUsers.set(p.pid, p.user);
      }
    } catch (error) {
      context.errors[key] = error instanceof Error ? error.message : String(error);
    }
  }
  const candidate = {
    schema: FACTS_SCHEMA_ID,
    collected_at: (options.collectedAt ?? new Date()).toISOString(),
    source: 'devenv',
    target: { kind: options.target.kind, name: options.target.name, container: options.target.container },
    errors: context.errors,
    missing: [],
    ...collected,
  };
  const parsed = FactsSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  // A section that parsed into the wrong shape is a collector bug on some system we
  // did not foresee: drop that section with the reason rather than lose the rest.
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  for (const key of bad) {
    const issue = parsed.error.issues.find((i) => String(i.path[0]) === key);
    delete (candidate as Record<string, unknown>)[key];
    context.errors[key] = `unexpected collector output (${issue?.path.join('.')}: ${issue?.message})`;
  }
  return FactsSchema.parse(candidate);
}

export { COLLECTOR_SECTIONS };
