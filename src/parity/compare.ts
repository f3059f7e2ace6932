import type { Facts } from '../facts/schema.js';
import { compileIgnore } from './ignore.js';
import { APT_SOURCE_FILE, DEFAULT_APT_SOURCE_FILE, PRIVILEGED_GROUPS, classifyUnowned, fileGroup, linkedUnit } from './system-files.js';
import {
  ERROR_LEVEL_SECTIONS,
  SEVERITY_RANK,
  isHostOwnedSysctl,
  isHostPlumbingProcess,
  isMachineUnit,
  isSessionUnit,
  isTimeSyncUnit,
  severityOf,
  type DriftTopic,
  type Severity,
  type SeverityContext,
} from './severity.js';

/**
 * parity(reference, actual) → drift. Pure: facts in, drift out, no I/O. Every
 * section is compared through maps keyed by name, so two systems of thousands
 * of packages compare in milliseconds.
 */

export type DriftKind = 'missing' | 'extra' | 'changed';

export interface Drift {
  /** Dotted path into the facts: packages.deb.nginx, services.nginx.active, files./etc/x.sha256 */
  path: string;
  kind: DriftKind;
  expected: unknown;
  actual: unknown;
  severity: Severity;
  message: string;
  /** Where a person looks for it (/etc/nginx, /opt/agent): the text report gathers drift of one kind there. */
  group?: string;
  /** What kind of thing drifted, for that heading: a file no package owns, a changed conffile, a tree entry, a crontab. */
  category?: DriftCategory;
}

export type DriftCategory = 'unowned' | 'conffile' | 'tree' | 'crontab';

export interface ParitySummary {
  error: number;
  warning: number;
  info: number;
  ignored: number;
}

export interface ParityResult {
  summary: ParitySummary;
  drift: Drift[];
}

export interface CompareOptions {
  /** parity.ignore globs on drift paths. */
  ignore: string[];
  /** Users the profile declares (manifest `user:` resources, checklist.app_user): compared strictly. */
  declaredUsers: string[];
  /** Groups the profile declares; users' own names count too. */
  declaredGroups?: string[];
  /** Checklist secrets: compared by owner and mode only. */
  secretPaths: string[];
  /** Files the manifests manage: content, mode and owner must match. */
  managedPaths: string[];
}

/** Area order for reports: what a reader checks first comes first. */
export const AREAS = [
  'platform', 'resources', 'apt_sources', 'packages', 'runtimes', 'accounts', 'services', 'listeners', 'files',
  'sysctl', 'time', 'locale', 'ssh', 'firewall', 'env', 'security_updates', 'fail2ban', 'logging',
] as const;

export function areaOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

function isContainer(facts: Facts): boolean {
  return facts.platform ? facts.platform.virtualization.kind === 'container' : facts.target.container;
}

type Emit = (topic: DriftTopic, path: string, kind: DriftKind, expected: unknown, actual: unknown, message: string, place?: Place) => void;
/** The place and category of a drift, for the report's headings. */
type Place = { group: string; category: DriftCategory };

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

/** Standard sentences for the three kinds. */
function sentence(label: string, kind: DriftKind, expected: unknown, actual: unknown): string {
  if (kind === 'missing') return `${label} is missing here (reference: ${show(expected)})`;
  if (kind === 'extra') return `${label} is only here (${show(actual)})`;
  return `${label}: expected ${show(expected)}, got ${show(actual)}`;
}

function keysOf<T>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): string[] {
  const keys = new Set<string>(Object.keys(a ?? {}));
  for (const key of Object.keys(b ?? {})) keys.add(key);
  return [...keys].sort();
}

function compareValue(emit: Emit, topic: DriftTopic, path: string, label: string, expected: unknown, actual: unknown): void {
  if (expected === undefined && actual === undefined) return;
  if (JSON.stringify(expected) === JSON.stringify(actual)) return;
  const kind: DriftKind = expected === undefined ? 'extra' : actual === undefined ? 'missing' : 'changed';
  emit(topic, path, kind, expected, actual, sentence(label, kind, expected, actual));
}

function majorOf(version: string): string {
  return version.split('.')[0] ?? version;
}

function comparePlatform(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.platform;
  const a = act.platform;
  if (!r || !a) return;
  compareValue(emit, 'platform.os', 'platform.os.id', 'OS', r.os.id, a.os.id);
  if (majorOf(r.os.version_id) !== majorOf(a.os.version_id)) {
    compareValue(emit, 'platform.major_version', 'platform.os.version_id', 'OS version', r.os.version_id, a.os.version_id);
  } else {
    compareValue(emit, 'platform.point_release', 'platform.os.version_id', 'OS release', r.os.version_id, a.os.version_id);
  }
  if (r.os.codename && a.os.codename && majorOf(r.os.version_id) === majorOf(a.os.version_id)) {
    compareValue(emit, 'platform.major_version', 'platform.os.codename', 'OS codename', r.os.codename, a.os.codename);
  }
  compareValue(emit, 'platform.arch', 'platform.arch', 'architecture', r.arch, a.arch);
  compareValue(emit, 'platform.kernel', 'platform.kernel', 'kernel', r.kernel, a.kernel);
  compareValue(emit, 'platform.identity', 'platform.hostname', 'hostname', r.hostname, a.hostname);
  if (r.machine_id && a.machine_id) compareValue(emit, 'platform.identity', 'platform.machine_id', 'machine-id', r.machine_id, a.machine_id);
  compareValue(emit, 'platform.virtualization', 'platform.virtualization', 'virtualization', `${r.virtualization.kind}/${r.virtualization.tech}`, `${a.virtualization.kind}/${a.virtualization.tech}`);
  if (r.pid1 && a.pid1) compareValue(emit, 'platform.pid1', 'platform.pid1', 'PID 1', r.pid1, a.pid1);
}

function compareResources(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.resources || !act.resources) return;
  compareValue(emit, 'resources.sizing', 'resources.cpus', 'CPUs', ref.resources.cpus, act.resources.cpus);
  compareValue(emit, 'resources.sizing', 'resources.memory_bytes', 'memory', ref.resources.memory_bytes, act.resources.memory_bytes);
}

/** Apt sources as a set of "type.archive/suite/component" (hosts were never collected). */
function aptSourceKeys(sources: NonNullable<Facts['apt_sources']>): Set<string> {
  const keys = new Set<string>();
  for (const source of sources) {
    for (const suite of source.suites) {
      if (source.components.length === 0) keys.add(`${source.type}.${source.archive}/${suite}`);
      for (const component of source.components) keys.add(`${source.type}.${source.archive}/${suite}/${component}`);
    }
  }
  return keys;
}

function compareAptSources(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.apt_sources || !act.apt_sources) return;
  const r = aptSourceKeys(ref.apt_sources);
  const a = aptSourceKeys(act.apt_sources);
  for (const key of [...r].sort()) {
    if (!a.has(key)) emit('apt_sources', `apt_sources.${key}`, 'missing', key, undefined, `apt source ${key.replace('.', ' ')} is missing here`);
  }
  for (const key of [...a].sort()) {
    if (!r.has(key)) emit('apt_sources', `apt_sources.${key}`, 'extra', undefined, key, `apt source ${key.replace('.', ' ')} is only here`);
  }
}

function comparePackages(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.packages?.deb;
  const a = act.packages?.deb;
  if (!r || !a) return;
  for (const name of keysOf(r, a)) {
    const rp = r[name];
    const ap = a[name];
    const path = `packages.deb.${name}`;
    if (rp && !ap) emit('packages.set', path, 'missing', rp.version, undefined, `package ${name} ${rp.version} is not installed here`);
    else if (!rp && ap) emit('packages.set', path, 'extra', undefined, ap.version, `package ${name} ${ap.version} is installed only here`);
    else if (rp && ap) {
      if (rp.version !== ap.version) emit('packages.version', path, 'changed', rp.version, ap.version, `package ${name}: expected ${rp.version}, got ${ap.version}`);
      compareValue(emit, 'packages.other', `${path}.arch`, `package ${name} architecture`, rp.arch, ap.arch);
      compareValue(emit, 'packages.other', `${path}.status`, `package ${name} dpkg status`, rp.status, ap.status);
    }
  }
}

function compareRuntimes(ref: Facts, act: Facts, emit: Emit): void {
  for (const runtime of ['python', 'node'] as const) {
    const r = ref.runtimes?.[runtime];
    const a = act.runtimes?.[runtime];
    if (!r || !a) continue;
    for (const app of keysOf<unknown>(r, a)) {
      const rv = r[app];
      const av = a[app];
      const path = `runtimes.${runtime}.${app}`;
      const label = runtime === 'python' ? `venv ${app}` : `node app ${app}`;
      if (rv && !av) { emit('runtimes.set', path, 'missing', Object.keys(rv.packages).length, undefined, `${label} is missing here`); continue; }
      if (!rv && av) { emit('runtimes.set', path, 'extra', undefined, Object.keys(av.packages).length, `${label} exists only here`); continue; }
      if (!rv || !av) continue;
      for (const pkg of keysOf(rv.packages, av.packages)) {
        const expected = rv.packages[pkg];
        const actual = av.packages[pkg];
        if (expected === actual) continue;
        const kind: DriftKind = expected === undefined ? 'extra' : actual === undefined ? 'missing' : 'changed';
        emit('runtimes.set', `${path}.${pkg}`, kind, expected, actual, sentence(`${label}: ${pkg}`, kind, expected, actual));
      }
      if ('python' in rv && 'python' in av) {
        compareValue(emit, 'runtimes.interpreter', `${path}.python`, `${label} interpreter`, rv.python, av.python);
      }
      if ('lockfile_sha256' in rv && 'lockfile_sha256' in av) {
        compareValue(emit, 'runtimes.set', `${path}.lockfile_sha256`, `${label} lockfile`, rv.lockfile_sha256, av.lockfile_sha256);
      }
    }
  }
}

function compareAccounts(ref: Facts, act: Facts, emit: Emit, options: CompareOptions): void {
  const r = ref.accounts;
  const a = act.accounts;
  if (!r || !a) return;
  const declaredUsers = new Set(options.declaredUsers);
  const declaredGroups = new Set([...(options.declaredGroups ?? []), ...options.declaredUsers]);
  for (const name of keysOf(r.users, a.users)) {
    const ru = r.users[name];
    const au = a.users[name];
    const declared = declaredUsers.has(name);
    const strict: DriftTopic = declared ? 'accounts.declared' : 'accounts.undeclared';
    const detail: DriftTopic = declared ? 'accounts.declared.detail' : 'accounts.undeclared.detail';
    const path = `accounts.users.${name}`;
    if (ru && !au) { emit(strict, path, 'missing', { uid: ru.uid, shell: ru.shell }, undefined, `user ${name} does not exist here`); continue; }
    if (!ru && au) { emit(strict, path, 'extra', undefined, { uid: au.uid, shell: au.shell }, `user ${name} exists only here`); continue; }
    if (!ru || !au) continue;
    compareValue(emit, strict, `${path}.uid`, `user ${name} uid`, ru.uid, au.uid);
    compareValue(emit, strict, `${path}.gid`, `user ${name} gid`, ru.gid, au.gid);
    compareValue(emit, strict, `${path}.shell`, `user ${name} shell`, ru.shell, au.shell);
    compareValue(emit, detail, `${path}.home`, `user ${name} home`, ru.home, au.home);
    // Group membership grants privileges (sudo, adm, docker): strict for declared users, and for anyone in a privileged group.
    const membership = new Set([...ru.groups, ...au.groups].filter((g) => ru.groups.includes(g) !== au.groups.includes(g)));
    const privileged = [...membership].some((g) => PRIVILEGED_GROUPS.has(g));
    compareValue(emit, declared ? 'accounts.declared' : privileged ? 'accounts.privileged_membership' : 'accounts.undeclared', `${path}.groups`, `user ${name} groups`, [...ru.groups].sort(), [...au.groups].sort());
  }
  for (const name of keysOf(r.groups, a.groups)) {
    const rg = r.groups[name];
    const ag = a.groups[name];
    const topic: DriftTopic = declaredGroups.has(name) ? 'accounts.declared' : 'accounts.undeclared';
    const path = `accounts.groups.${name}`;
    if (rg && !ag) emit(topic, path, 'missing', { gid: rg.gid }, undefined, `group ${name} does not exist here`);
    else if (!rg && ag) emit(topic, path, 'extra', undefined, { gid: ag.gid }, `group ${name} exists only here`);
    else if (rg && ag) compareValue(emit, topic, `${path}.gid`, `group ${name} gid`, rg.gid, ag.gid);
  }
}

function serviceTopic(name: string, fallback: DriftTopic): DriftTopic {
  if (isSessionUnit(name)) return 'services.session';
  if (isTimeSyncUnit(name)) return 'time.sync';
  if (isMachineUnit(name)) return 'services.machine';
  return fallback;
}

function compareServices(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.services;
  const a = act.services;
  if (!r || !a) return;
  for (const name of keysOf(r, a)) {
    const rs = r[name];
    const as = a[name];
    const path = `services.${name}`;
    if (rs && !as) { emit(serviceTopic(name, 'services.state'), path, 'missing', `${rs.enabled}/${rs.active}`, undefined, `service ${name} does not exist here`); continue; }
    if (!rs && as) { emit(serviceTopic(name, 'services.state'), path, 'extra', undefined, `${as.enabled}/${as.active}`, `service ${name} exists only here`); continue; }
    if (!rs || !as) continue;
    // A unit whose start conditions failed on one side (ConditionVirtualization=!container…) is inactive by design there.
    const byDesign = (rs.condition_failed || as.condition_failed) && (ctx.actualIsContainer || ctx.virtualizationDiffers);
    const state: DriftTopic = byDesign ? 'services.condition' : serviceTopic(name, 'services.state');
    compareValue(emit, state, `${path}.enabled`, `service ${name} enabled`, rs.enabled, as.enabled);
    compareValue(emit, state, `${path}.active`, `service ${name} state`, rs.active, as.active);
    compareValue(emit, serviceTopic(name, 'services.state'), `${path}.user`, `service ${name} user`, rs.user, as.user);
    compareValue(emit, serviceTopic(name, 'services.state'), `${path}.restart`, `service ${name} restart policy`, rs.restart, as.restart);
    if (rs.unit_sha256 && as.unit_sha256) {
      compareValue(emit, serviceTopic(name, 'services.definition'), `${path}.unit_sha256`, `service ${name} unit file`, rs.unit_sha256, as.unit_sha256);
    }
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', '*']);
function isSpecificAddress(address: string): boolean {
  return !WILDCARD.has(address) && !/^127\./.test(address) && address !== '::1';
}

function socketKey(s: { protocol: string; address: string; port: number }): string {
  const address = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${s.protocol}.${address}:${s.port}`;
}

function hasIpv4Twin(sockets: ReadonlyMap<string, { protocol: string; address: string; port: number }>, socket: { protocol: string; port: number }): boolean {
  return sockets.has(`${socket.protocol}.0.0.0.0:${socket.port}`) || sockets.has(`${socket.protocol}.*:${socket.port}`);
}

function compareListeners(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.listeners;
  const a = act.listeners;
  if (!r || !a) return;
  type Socket = (typeof r.sockets)[number];
  const rMap = new Map(r.sockets.map((s) => [socketKey(s), s] as const));
  const aMap = new Map(a.sockets.map((s) => [socketKey(s), s] as const));
  const onlyRef: Socket[] = [];
  const onlyAct = new Map<string, Socket>();
  for (const [key, s] of aMap) if (!rMap.has(key)) onlyAct.set(key, s);
  for (const [key, rs] of [...rMap].sort(([x], [y]) => x.localeCompare(y))) {
    const as = aMap.get(key);
    if (!as) { onlyRef.push(rs); continue; }
    const path = `listeners.${key}`;
    compareValue(emit, 'listeners.socket', `${path}.user`, `listener ${key} user`, rs.user, as.user);
    if (rs.process && as.process) compareValue(emit, 'listeners.detail', `${path}.process`, `listener ${key} process`, rs.process, as.process);
  }
  for (const rs of onlyRef) {
    const key = socketKey(rs);
    // The same port on another machine-specific address: the addresses differ, the listener does not.
    const twin = isSpecificAddress(rs.address)
      ? [...onlyAct.entries()].find(([, s]) => s.protocol === rs.protocol && s.port === rs.port && isSpecificAddress(s.address))
      : undefined;
    if (twin) {
      onlyAct.delete(twin[0]);
      emit('listeners.address', `listeners.${key}`, 'changed', rs.address, twin[1].address, `listener ${rs.protocol}/${rs.port} is on ${rs.address} there, ${twin[1].address} here (addresses differ between machines)`);
      continue;
    }
    if (rs.address === '::' && (ctx.actualIsContainer || ctx.virtualizationDiffers) && hasIpv4Twin(aMap, rs)) {
      // Containers often run without IPv6: the same port on the IPv4 wildcard is the same listener.
      emit('listeners.address', `listeners.${key}`, 'missing', rs.process ?? key, undefined, `${rs.protocol}/${rs.port} listens on IPv4 only here (no IPv6 in this environment)`);
      continue;
    }
    const topic: DriftTopic = isHostPlumbingProcess(rs.process) && (ctx.actualIsContainer || ctx.virtualizationDiffers) ? 'listeners.system' : 'listeners.socket';
    emit(topic, `listeners.${key}`, 'missing', rs.process ?? key, undefined, `nothing listens on ${key.replace('.', ' ')} here${rs.process ? ` (reference: ${rs.process})` : ''}`);
  }
  for (const [key, as] of [...onlyAct].sort(([x], [y]) => x.localeCompare(y))) {
    const topic: DriftTopic = isHostPlumbingProcess(as.process) && (ctx.actualIsContainer || ctx.virtualizationDiffers) ? 'listeners.system' : 'listeners.socket';
    emit(topic, `listeners.${key}`, 'extra', undefined, as.process ?? key, `${as.process ?? 'something'} listens on ${key.replace('.', ' ')} only here`);
  }

  const rUnix = new Map(r.unix.map((u) => [u.path, u] as const));
  const aUnix = new Map(a.unix.map((u) => [u.path, u] as const));
  const unixTopic = (path: string): DriftTopic => {
    if (path.startsWith('@') || path.startsWith('/run/user/')) return 'listeners.session';
    if (/^\/run\/(systemd|udev|dbus)\//.test(path)) return 'listeners.system';
    return 'listeners.socket';
  };
  for (const path of keysOf(Object.fromEntries(rUnix), Object.fromEntries(aUnix))) {
    const ru = rUnix.get(path);
    const au = aUnix.get(path);
    const at = `listeners.unix.${path}`;
    if (ru && !au) emit(unixTopic(path), at, 'missing', ru.process ?? path, undefined, `unix socket ${path} is missing here`);
    else if (!ru && au) emit(unixTopic(path), at, 'extra', undefined, au.process ?? path, `unix socket ${path} exists only here`);
    else if (ru && au) {
      const detail: DriftTopic = unixTopic(path) === 'listeners.socket' ? 'listeners.detail' : unixTopic(path);
      if (ru.mode && au.mode) compareValue(emit, detail, `${at}.mode`, `unix socket ${path} mode`, ru.mode, au.mode);
      if (ru.owner && au.owner) compareValue(emit, detail, `${at}.owner`, `unix socket ${path} owner`, ru.owner, au.owner);
      if (ru.group && au.group) compareValue(emit, detail, `${at}.group`, `unix socket ${path} group`, ru.group, au.group);
    }
  }
}

const ACCOUNT_DATABASES = new Set(['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow']);

function compareFiles(ref: Facts, act: Facts, emit: Emit, options: CompareOptions): void {
  const r = ref.files;
  const a = act.files;
  if (!r || !a) return;
  const managed = new Set(options.managedPaths);
  const secrets = new Set([...options.secretPaths, '/etc/shadow']);
  for (const path of keysOf(r, a)) {
    const rf = r[path] ?? { type: 'absent' as const };
    const af = a[path] ?? { type: 'absent' as const };
    const at = `files.${path}`;
    const isManaged = managed.has(path);
    const isSecret = secrets.has(path);
    const presence: DriftTopic = isManaged ? 'files.managed' : isSecret ? 'files.secret' : ACCOUNT_DATABASES.has(path) ? 'files.account_db' : 'files.other';
    if (rf.type !== af.type) {
      const kind: DriftKind = af.type === 'absent' ? 'missing' : rf.type === 'absent' ? 'extra' : 'changed';
      emit(presence, at, kind, rf.type, af.type, kind === 'missing' ? `file ${path} is missing here` : kind === 'extra' ? `file ${path} exists only here` : `file ${path}: expected a ${rf.type}, got a ${af.type}`);
      continue;
    }
    if (rf.type === 'absent') continue;
    // Secrets: who may read them, never what they hold.
    const meta: DriftTopic = isManaged ? 'files.managed' : isSecret ? 'files.secret' : 'files.other';
    compareValue(emit, meta, `${at}.mode`, `file ${path} mode`, rf.mode, af.mode);
    compareValue(emit, meta, `${at}.owner`, `file ${path} owner`, rf.owner, af.owner);
    compareValue(emit, meta, `${at}.group`, `file ${path} group`, rf.group, af.group);
    if (isSecret) continue;
    if (rf.type === 'link') compareValue(emit, presence, `${at}.link_target`, `link ${path}`, rf.link_target, af.link_target);
    // Content without Puppet/Ansible/Salt/devenv headers: the same file managed by another tool is the same file.
    const rs = rf.sha256_unmanaged ?? rf.sha256;
    const as = af.sha256_unmanaged ?? af.sha256;
    if (rs && as && rs !== as) {
      emit(presence, `${at}.sha256`, 'changed', rs, as, `file ${path} content differs (configuration-management headers ignored)`);
    }
  }
}

type SystemFile = NonNullable<Facts['unowned_files']>[string];

/** Paths the files section compares on both sides already: not reported twice. */
function comparedByFiles(ref: Facts, act: Facts): Set<string> {
  return new Set(Object.keys(ref.files ?? {}).filter((path) => act.files?.[path] !== undefined));
}

/** Owner, group, mode and (links) target of a file both sides have: what there is to compare of a secret. */
function compareFileMeta(emit: Emit, at: string, label: string, group: Place, r: SystemFile, a: SystemFile): void {
  for (const key of ['owner', 'group', 'mode'] as const) {
    if (r[key] !== undefined && a[key] !== undefined && r[key] !== a[key]) {
      emit('files.meta', `${at}.${key}`, 'changed', r[key], a[key], `${label} ${key}: expected ${r[key]}, got ${a[key]}`, group);
    }
  }
}

function compareConffiles(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.conffiles;
  const a = act.conffiles;
  if (!r || !a) return;
  const skip = comparedByFiles(ref, act);
  for (const path of keysOf(r, a)) {
    if (skip.has(path)) continue;
    const rc = r[path];
    const ac = a[path];
    const at = `files.${path}`;
    const group: Place = { group: fileGroup(path), category: 'conffile' };
    const pkg = (rc ?? ac)!.package;
    const label = `conffile ${path} (${pkg})`;
    const state = (c: typeof rc): string => (c === undefined ? 'as packaged' : c.type === 'absent' ? 'deleted' : c.secret ? 'edited (secret: content not compared)' : 'edited');
    if (rc && ac) {
      if (rc.type !== ac.type) {
        emit('conffiles.changed', at, 'changed', state(rc), state(ac), `${label} is ${state(rc)} there, ${state(ac)} here`, group);
        continue;
      }
      compareFileMeta(emit, at, label, group, rc, ac);
      if (!rc.secret && !ac.secret && rc.sha256 && ac.sha256 && rc.sha256 !== ac.sha256) {
        emit('conffiles.changed', `${at}.sha256`, 'changed', rc.sha256, ac.sha256, `${label} is edited on both sides, differently (configuration-management headers ignored)`, group);
      }
      continue;
    }
    // Edited on one side only: the other has what the package shipped, or not the package at all.
    const other = rc ? act : ref;
    const installed = other.packages?.deb ? Object.keys(other.packages.deb).some((name) => name === pkg || name.startsWith(`${pkg}:`)) : true;
    const otherState = installed ? 'as packaged' : `absent (${pkg} not installed)`;
    if (rc) {
      emit('conffiles.changed', at, installed ? 'changed' : 'missing', rc.sha256 ?? state(rc), otherState, `production's ${label} is ${state(rc)}; here it is ${otherState}`, group);
    } else {
      emit('conffiles.changed', at, installed ? 'changed' : 'extra', otherState, ac!.sha256 ?? state(ac), `${label} is ${state(ac)} here; production's is ${otherState}`, group);
    }
  }
}

function compareUnowned(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.unowned_files;
  const a = act.unowned_files;
  if (!r || !a) return;
  const skip = comparedByFiles(ref, act);
  for (const path of keysOf(r, a)) {
    if (skip.has(path)) continue;
    const rf = r[path];
    const af = a[path];
    const type = (rf ?? af)!.type;
    const cls = classifyUnowned(path, type);
    if (cls === 'account_db') continue;
    const at = `files.${path}`;
    const group: Place = { group: fileGroup(path), category: 'unowned' };
    let presence: DriftTopic;
    let content: DriftTopic;
    if (cls === 'config') {
      const aptDefault = DEFAULT_APT_SOURCE_FILE.test(path);
      presence = aptDefault ? 'unowned.machine' : 'unowned.config';
      content = APT_SOURCE_FILE.test(path) ? 'unowned.machine' : 'unowned.config';
    } else if (cls === 'generated') {
      presence = 'unowned.generated.presence';
      content = 'unowned.generated';
    } else if (cls === 'enablement') {
      const unit = linkedUnit(path);
      // Services and timers: their enabled state is compared where they are.
      if (/\.(service|timer)$/.test(unit)) continue;
      presence = isMachineUnit(unit.replace(/\.[a-z]+$/, '')) ? 'services.machine' : 'unowned.enablement';
      content = presence;
    } else {
      presence = 'unowned.machine';
      content = 'unowned.machine';
    }
    const what = type === 'link' ? 'link' : 'file';
    if (rf && !af) {
      emit(presence, at, 'missing', rf.link_target ?? rf.sha256 ?? rf.type, undefined, `production has ${what} ${path}, which no package owns; it is missing here`, group);
      continue;
    }
    if (!rf && af) {
      emit(presence, at, 'extra', undefined, af.link_target ?? af.sha256 ?? af.type, `${what} ${path}, which no package owns, exists only here`, group);
      continue;
    }
    if (!rf || !af) continue;
    if (rf.type !== af.type) {
      emit(content, at, 'changed', rf.type, af.type, `${path}: expected a ${rf.type}, got a ${af.type}`, group);
      continue;
    }
    if (cls === 'config' || cls === 'generated') compareFileMeta(emit, at, `file ${path}`, group, rf, af);
    if (rf.type === 'link') {
      if (rf.link_target !== af.link_target) emit(content, `${at}.link_target`, 'changed', rf.link_target, af.link_target, `link ${path}: expected ${show(rf.link_target)}, got ${show(af.link_target)}`, group);
    } else if (!rf.secret && !af.secret && rf.sha256 && af.sha256 && rf.sha256 !== af.sha256) {
      emit(content, `${at}.sha256`, 'changed', rf.sha256, af.sha256, `file ${path}, which no package owns, differs (configuration-management headers ignored)`, group);
    }
  }
}

function compareTrees(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.trees;
  const a = act.trees;
  if (!r || !a) return;
  for (const path of keysOf(r, a)) {
    const rt = r[path];
    const at = a[path];
    const dp = `files.${path}`;
    const place: Place = { group: path, category: 'tree' };
    // An empty directory on one side is the same as none: /usr/local/games exists on some hosts only.
    // Both there, one empty: the entries say what the other has.
    const empty = (t: typeof rt): boolean => t === undefined || (t.type === 'directory' && t.count === 0);
    if (empty(rt) && empty(at)) continue;
    if (!rt) { emit('trees.changed', dp, 'extra', undefined, `${at!.count} entries`, `${path} exists only here (${at!.count} entries)`, place); continue; }
    if (!at) { emit('trees.changed', dp, 'missing', `${rt.count} entries`, undefined, `production has ${path} (${rt.count} entries); it is missing here`, place); continue; }
    if (rt.type !== at.type || rt.link_target !== at.link_target) {
      emit('trees.changed', dp, 'changed', rt.link_target ?? rt.type, at.link_target ?? at.type, `${path}: expected ${rt.link_target ? `a link to ${rt.link_target}` : `a ${rt.type}`}, got ${at.link_target ? `a link to ${at.link_target}` : `a ${at.type}`}`, place);
      continue;
    }
    if (rt.digest === at.digest && rt.content === at.content) continue;
    if (rt.truncated || at.truncated || rt.content !== at.content) {
      emit('trees.changed', `${dp}.digest`, 'changed', `${rt.count} entries`, `${at.count} entries`, `${path} differs (${rt.count} entries there, ${at.count} here; too large to list)`, place);
      continue;
    }
    for (const rel of keysOf(rt.entries, at.entries)) {
      const re = rt.entries[rel];
      const ae = at.entries[rel];
      const ep = `${dp}/${rel}`;
      const full = `${path}/${rel}`;
      if (re && !ae) emit('trees.changed', ep, 'missing', re.sha256 ?? re.type, undefined, `production has ${full}; it is missing here`, place);
      else if (!re && ae) emit('trees.changed', ep, 'extra', undefined, ae.sha256 ?? ae.type, `${full} exists only here`, place);
      else if (re && ae) {
        if (re.type !== ae.type || re.link_target !== ae.link_target || re.sha256 !== ae.sha256 || (re.sha256 === undefined && re.size !== ae.size)) {
          emit('trees.changed', ep, 'changed', re.sha256 ?? re.link_target ?? re.type, ae.sha256 ?? ae.link_target ?? ae.type, `${full} differs`, place);
        } else {
          for (const key of ['mode', 'owner', 'group'] as const) {
            if (re[key] !== ae[key]) emit('trees.meta', `${ep}.${key}`, 'changed', re[key], ae[key], `${full} ${key}: expected ${re[key]}, got ${ae[key]}`, place);
          }
        }
      }
    }
  }
}

function compareCron(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.cron;
  const a = act.cron;
  if (!r || !a) return;
  if (r.crontabs && a.crontabs) {
    for (const user of keysOf(r.crontabs, a.crontabs)) {
      const rc = r.crontabs[user];
      const ac = a.crontabs[user];
      const path = `files./var/spool/cron/crontabs/${user}`;
      const place: Place = { group: '/var/spool/cron/crontabs', category: 'crontab' };
      if (rc && !ac) emit('cron.crontab', path, 'missing', `${rc.jobs} jobs`, undefined, `production has a crontab for ${user} (${rc.jobs} jobs); there is none here`, place);
      else if (!rc && ac) emit('cron.crontab', path, 'extra', undefined, `${ac.jobs} jobs`, `a crontab for ${user} (${ac.jobs} jobs) exists only here`, place);
      else if (rc && ac && rc.sha256 !== ac.sha256) emit('cron.crontab', `${path}.sha256`, 'changed', `${rc.jobs} jobs`, `${ac.jobs} jobs`, `crontab of ${user} differs (${rc.jobs} jobs there, ${ac.jobs} here)`, place);
    }
  }
  if (r.timers && a.timers) {
    for (const name of keysOf(r.timers, a.timers)) {
      const rt = r.timers[name];
      const at = a.timers[name];
      const path = `services.${name}.timer`;
      if (rt && !at) { emit('cron.timer', path, 'missing', `${rt.enabled}/${rt.active}`, undefined, `timer ${name} does not exist here`); continue; }
      if (!rt && at) { emit('cron.timer', path, 'extra', undefined, `${at.enabled}/${at.active}`, `timer ${name} exists only here`); continue; }
      if (!rt || !at) continue;
      const byDesign = (rt.condition_failed || at.condition_failed) && (ctx.actualIsContainer || ctx.virtualizationDiffers);
      const state: DriftTopic = byDesign ? 'services.condition' : 'cron.timer';
      compareValue(emit, state, `${path}.enabled`, `timer ${name} enabled`, rt.enabled, at.enabled);
      compareValue(emit, state, `${path}.active`, `timer ${name} state`, rt.active, at.active);
      if (rt.unit_sha256 && at.unit_sha256) compareValue(emit, 'cron.timer', `${path}.unit_sha256`, `timer ${name} unit file`, rt.unit_sha256, at.unit_sha256);
    }
  }
}

function compareSysctl(ref: Facts, act: Facts, emit: Emit): void {
  if (!ref.sysctl || !act.sysctl) return;
  for (const key of keysOf(ref.sysctl, act.sysctl)) {
    const topic: DriftTopic = isHostOwnedSysctl(key) ? 'sysctl.host_owned' : 'sysctl.namespaced';
    compareValue(emit, topic, `sysctl.${key}`, `sysctl ${key}`, ref.sysctl[key], act.sysctl[key]);
  }
}

function compareTime(ref: Facts, act: Facts, emit: Emit): void {
  if (ref.time && act.time) {
    compareValue(emit, 'time.timezone', 'time.timezone', 'timezone', ref.time.timezone, act.time.timezone);
    compareValue(emit, 'time.sync', 'time.ntp_services', 'time daemons', [...ref.time.ntp_services].sort(), [...act.time.ntp_services].sort());
    if (ref.time.synchronized !== undefined && act.time.synchronized !== undefined) {
      compareValue(emit, 'time.sync', 'time.synchronized', 'clock synchronized', ref.time.synchronized, act.time.synchronized);
    }
  }
  if (ref.locale && act.locale) {
    compareValue(emit, 'locale', 'locale.lang', 'LANG', ref.locale.lang, act.locale.lang);
    compareValue(emit, 'locale', 'locale.lc_all', 'LC_ALL', ref.locale.lc_all, act.locale.lc_all);
  }
}

function compareFlatRecord(emit: Emit, topic: DriftTopic, section: string, label: string, r: Record<string, unknown> | undefined, a: Record<string, unknown> | undefined): void {
  if (!r || !a) return;
  for (const key of keysOf(r, a)) compareValue(emit, topic, `${section}.${key}`, `${label} ${key}`, r[key], a[key]);
}

function compareFirewall(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.firewall;
  const a = act.firewall;
  if (!r || !a) return;
  compareValue(emit, 'firewall', 'firewall.backend', 'firewall backend', r.backend, a.backend);
  if (r.readable && a.readable) {
    compareValue(emit, 'firewall', 'firewall.default_input', 'firewall inbound policy', r.default_input, a.default_input);
    if (r.rules_sha256 && a.rules_sha256) compareValue(emit, 'firewall', 'firewall.rules_sha256', 'firewall rules', r.rules_sha256, a.rules_sha256);
  } else if (r.readable !== a.readable) {
    emit('firewall', 'firewall.readable', 'changed', r.readable, a.readable, `firewall rules could not be read on the ${r.readable ? 'actual' : 'reference'} side (not compared)`);
  }
}

function compareEnv(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.env;
  const a = act.env;
  if (!r || !a) return;
  for (const service of keysOf(r, a)) {
    // A service missing on one side is already reported under services.
    if (ref.services && act.services && (!ref.services[service] || !act.services[service])) continue;
    const rNames = new Set(r[service]?.names ?? []);
    const aNames = new Set(a[service]?.names ?? []);
    for (const name of [...rNames].sort()) {
      if (!aNames.has(name)) emit('env.missing', `env.${service}.${name}`, 'missing', name, undefined, `service ${service} lacks environment variable ${name} here`);
    }
    for (const name of [...aNames].sort()) {
      if (!rNames.has(name)) emit('env.extra', `env.${service}.${name}`, 'extra', undefined, name, `service ${service} has environment variable ${name} only here`);
    }
  }
}

/** Sections one side could not collect (errors) or has no data for (missing): said, never silently passed. */
function compareAvailability(ref: Facts, act: Facts, emit: Emit): void {
  for (const section of AREAS) {
    const inRef = ref[section] !== undefined;
    const inAct = act[section] !== undefined;
    if (inRef === inAct && (inRef || (!ref.errors[section] && !act.errors[section]))) continue;
    const reason = (facts: Facts, side: string): string | undefined => {
      if (facts[section] !== undefined) return undefined;
      if (facts.errors[section]) return `the ${side} could not collect it: ${facts.errors[section]}`;
      if (facts.missing.includes(section)) return `the ${side} (${facts.source}) has no such data`;
      return `the ${side} has no ${section} section`;
    };
    const why = [reason(ref, 'reference'), reason(act, 'actual')].filter(Boolean).join('; ');
    const failed = (!inRef && ref.errors[section] !== undefined) || (!inAct && act.errors[section] !== undefined);
    const topic: DriftTopic = failed && ERROR_LEVEL_SECTIONS.has(section) ? 'section.uncollected' : 'section.absent';
    emit(topic, section, inRef ? 'missing' : inAct ? 'extra' : 'changed', inRef ? 'collected' : 'not collected', inAct ? 'collected' : 'not collected', `${section} not compared: ${why}`);
  }
}

/** The wave-2 sections report under files (and timers under services): one that a side could not collect is said there. */
const WAVE2_SECTIONS = ['conffiles', 'unowned_files', 'trees', 'cron'] as const;

function compareWave2Availability(ref: Facts, act: Facts, emit: Emit): void {
  for (const section of WAVE2_SECTIONS) {
    const inRef = ref[section] !== undefined;
    const inAct = act[section] !== undefined;
    if (inRef && inAct) continue;
    const failed = [ref, act].filter((f) => f[section] === undefined && f.errors[section] !== undefined);
    if (!inRef && !inAct && failed.length === 0) continue;
    const why = [[ref, 'reference'], [act, 'actual']]
      .filter(([f]) => (f as Facts)[section] === undefined)
      .map(([f, side]) => ((f as Facts).errors[section] ? `the ${side} could not collect it: ${(f as Facts).errors[section]}` : `the ${side} has no ${section} section (older facts or an import)`))
      .join('; ');
    emit(failed.length > 0 ? 'section.uncollected' : 'section.absent', `files.${section}`, inRef ? 'missing' : inAct ? 'extra' : 'changed', inRef ? 'collected' : 'not collected', inAct ? 'collected' : 'not collected', `${section} not compared: ${why}`);
  }
}

export function compareFacts(reference: Facts, actual: Facts, options: CompareOptions): ParityResult {
  const actualIsContainer = isContainer(actual);
  const ctx: SeverityContext = {
    actualIsContainer,
    virtualizationDiffers:
      reference.platform !== undefined && actual.platform !== undefined
        ? reference.platform.virtualization.kind !== actual.platform.virtualization.kind
        : isContainer(reference) !== actualIsContainer,
  };
  const isIgnored = compileIgnore(options.ignore);
  const drift: Drift[] = [];
  let ignored = 0;
  const emit: Emit = (topic, path, kind, expected, actual, message, place) => {
    if (isIgnored(path)) {
      ignored++;
      return;
    }
    drift.push({ path, kind, expected, actual, severity: severityOf(topic, ctx), message, ...(place ?? {}) });
  };

  compareAvailability(reference, actual, emit);
  compareWave2Availability(reference, actual, emit);
  comparePlatform(reference, actual, emit);
  compareResources(reference, actual, emit);
  compareAptSources(reference, actual, emit);
  comparePackages(reference, actual, emit);
  compareRuntimes(reference, actual, emit);
  compareAccounts(reference, actual, emit, options);
  compareServices(reference, actual, emit, ctx);
  compareListeners(reference, actual, emit, ctx);
  compareFiles(reference, actual, emit, options);
  compareConffiles(reference, actual, emit);
  compareUnowned(reference, actual, emit);
  compareTrees(reference, actual, emit);
  compareCron(reference, actual, emit, ctx);
  compareSysctl(reference, actual, emit);
  compareTime(reference, actual, emit);
  compareFlatRecord(emit, 'ssh', 'ssh', 'sshd', reference.ssh, actual.ssh);
  compareFirewall(reference, actual, emit);
  compareEnv(reference, actual, emit);
  compareFlatRecord(emit, 'security_updates', 'security_updates', 'security updates', reference.security_updates, actual.security_updates);
  if (reference.fail2ban && actual.fail2ban) {
    compareFlatRecord(emit, 'fail2ban', 'fail2ban', 'fail2ban', { ...reference.fail2ban, jails: [...reference.fail2ban.jails].sort() }, { ...actual.fail2ban, jails: [...actual.fail2ban.jails].sort() });
  }
  compareFlatRecord(emit, 'logging', 'logging', 'logging', reference.logging, actual.logging);

  const areaIndex = new Map<string, number>(AREAS.map((area, i) => [area, i]));
  drift.sort(
    (x, y) =>
      (areaIndex.get(areaOf(x.path)) ?? 99) - (areaIndex.get(areaOf(y.path)) ?? 99) ||
      SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] ||
      (x.path < y.path ? -1 : x.path > y.path ? 1 : 0),
  );
  const summary: ParitySummary = { error: 0, warning: 0, info: 0, ignored };
  for (const d of drift) summary[d.severity]++;
  return { summary, drift };
}

/** True when some drift is at or above the threshold (the exit-1 rule of `devenv parity`). */
export function hasDriftAtOrAbove(result: ParityResult, threshold: Severity): boolean {
  return result.drift.some((d) => SEVERITY_RANK[d.severity] >= SEVERITY_RANK[threshold]);
}
