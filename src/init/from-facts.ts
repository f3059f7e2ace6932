// One file over 300 lines on purpose: one translation, production's facts into a profile and its
// manifests, whose rules (what is carried, pinned, scrubbed) are read together.
import { LOCK_FILE, renderLock, type LockData } from '../lock/lock-file.js';
import { posix } from 'node:path';
import { stringify } from 'yaml';
import type { Facts } from '../facts/schema.js';
import { APT_SOURCE_FILE, classifyUnowned } from '../parity/system-files.js';
import type { ScaffoldFile } from './scaffold.js';

/**
 * Builds a profile and manifests from production's facts: the box matching its
 * OS release, every manually installed package pinned to production's exact
 * version, its own users and groups with uid, gid and shell, enabled services,
 * and its config files (contents fetched separately; secrets never copied).
 * Pure: facts and file contents in, files out.
 */
export interface FromFactsOptions {
  name: string;
  /** Bundled box names, to match production's release. */
  boxes: string[];
  /** How parity will reach production again: ssh destination (with the key and sudo used now) or facts file (relative to the project). */
  production: { ssh: string; identity?: string; sudo?: boolean } | { facts: string };
  /** Contents of production's config files, by path, where they could be read. */
  contents: Map<string, string>;
  /**
   * Owner, group and mode of files read beside the facts (link targets such as
   * sites-available/*, services' environment files), which the collector's
   * fixed list does not stat.
   */
  stats?: Map<string, FileStat>;
  /** Production's own folders (no package ships them), which the copied files need: declared as directories. */
  directories?: Map<string, FileStat>;
  /** Host port forwarded to guest port 80 (default 8080). */
  hostPort?: number;
  /** A bundled box's apt sources (archive, suites, components), to keep production's suites where they differ. */
  boxAptSources?: (box: string) => AptSuites[] | undefined;
}

export interface AptSuites {
  archive: string;
  suites: string[];
  components: string[];
}

/**
 * Production's suites over the box's mirror, when they differ from the box's (pure):
 * only archives the box's mirror serves, binary sources only. Undefined when they are
 * the same, or production has none of the box's archives (nothing to reproduce).
 */
export function aptSourcesLikeProduction(facts: Facts, box: AptSuites[] | undefined): AptSuites[] | undefined {
  if (!box || !facts.apt_sources) return undefined;
  const served = new Set(box.map((source) => source.archive));
  const merged = new Map<string, AptSuites>();
  for (const source of facts.apt_sources) {
    if (source.type !== 'deb' || !served.has(source.archive)) continue;
    const into = merged.get(source.archive) ?? { archive: source.archive, suites: [], components: [] };
    for (const suite of source.suites) if (!into.suites.includes(suite)) into.suites.push(suite);
    for (const component of source.components) if (!into.components.includes(component)) into.components.push(component);
    merged.set(source.archive, into);
  }
  const wanted = [...merged.values()];
  if (wanted.length === 0) return undefined;
  const key = (list: AptSuites[]): string => JSON.stringify([...list].map((s) => [s.archive, [...s.suites].sort(), [...s.components].sort()]).sort());
  return key(wanted) === key(box) ? undefined : wanted;
}

export interface FileStat {
  mode: string;
  owner: string;
  group: string;
}

/**
 * Entries packages ship in directories the collector lists completely: when
 * production's listing lacks one, it was removed there, and must be here too
 * (nginx's default site would also claim `default_server` beside production's).
 */
const PACKAGE_SHIPPED = [{ package: 'nginx', dir: '/etc/nginx/sites-enabled/', path: '/etc/nginx/sites-enabled/default' }];

/** `EnvironmentFile=` paths of a unit (a leading "-" only makes a missing file optional). */
export function environmentFilesOf(unit: string): string[] {
  const paths: string[] = [];
  for (const match of unit.matchAll(/^\s*EnvironmentFile\s*=\s*(.+?)\s*$/gm)) {
    for (const raw of match[1]!.split(/\s+/)) {
      const path = raw.replace(/^-/, '');
      if (path.startsWith('/') && !paths.includes(path)) paths.push(path);
    }
  }
  return paths;
}

/** Names a unit assigns itself with `Environment=` (the rest of the service's names come from its environment files). */
function inlineEnvironmentNames(unit: string): Set<string> {
  const names = new Set<string>();
  for (const match of unit.matchAll(/^\s*Environment\s*=(.*)$/gm)) {
    for (const assignment of match[1]!.matchAll(/(?:^|\s)"?([A-Za-z_][A-Za-z0-9_]*)=/g)) names.add(assignment[1]!);
  }
  return names;
}

/** Where a link under /etc points, as an absolute path. */
export function linkTargetPath(path: string, target: string): string {
  return posix.resolve(posix.dirname(path), target);
}

/** Packages a container neither needs nor can use: kernels, boot loaders, firmware. */
const HOST_ONLY_PACKAGES =
  /^(linux-(image|headers|modules|kbuild)|grub|shim-|firmware-|intel-microcode|amd64-microcode|initramfs-tools|cloud-(init|guest)|qemu-guest-agent|open-vm-tools)/;

/** Account databases are declared as user/group resources, not copied. */
const NOT_COPIED = new Set(['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow']);

const SECRET_PATH = /(secret|password|passwd|credential|token|private|\.env$|\.key$|\.pem$)/i;
/** KEY=value or key: value where the key names a secret, anywhere in a line (Environment=DB_PASSWORD=… too). */
const SECRET_ASSIGNMENT =
  /([A-Za-z0-9_.-]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_.-]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"']+)/gi;

export interface ScrubbedContent {
  content: string;
  secret: boolean;
}

/** Replaces secret-looking values with placeholders; values never reach the project. */
export function scrubSecrets(path: string, content: string): ScrubbedContent {
  if (SECRET_PATH.test(path)) {
    return { content: `# secret from production, not copied: put this environment's own value here\n`, secret: true };
  }
  // sudoers holds policy, not secrets: its NOPASSWD: tag is no assignment.
  if (/^\/etc\/sudoers(\.d\/|$)/.test(path)) return { content, secret: false };
  let secret = false;
  const scrubbed = content.replace(SECRET_ASSIGNMENT, (whole, key: string) => {
    if (/^(NO)?PASSWD\s*:\s*$/i.test(key)) return whole;
    secret = true;
    return `${key}CHANGE-ME-for-this-environment`;
  });
  return { content: scrubbed, secret };
}

export function boxForFacts(facts: Facts, boxes: string[]): string | undefined {
  const os = facts.platform?.os;
  if (!os) return undefined;
  const major = os.version_id.split('.')[0];
  const name = `${os.id}-${major}`;
  return boxes.includes(name) ? name : undefined;
}

/** Where a copied production file lives in the project. */
export function projectPathFor(path: string): string {
  return `files${path}`;
}

type CarriedFile = NonNullable<Facts['files']>[string] & { secret?: boolean };

/**
 * What production changed by hand that no fixed list names, carried over like its
 * config files: every conffile whose content is not its package's, and every
 * config file under /etc that no package owns (a conf.d snippet, a cron.d job, a
 * unit drop-in, sudoers.d). Apt sources are the box's; binary keyrings are left
 * out (the parity report still names them). Secrets are placeholders, never values.
 */
export function carriedSystemFiles(facts: Facts): Record<string, CarriedFile> {
  const carried: Record<string, CarriedFile> = {};
  const take = (
    path: string,
    file: {
      type: string;
      mode?: string | undefined;
      owner?: string | undefined;
      group?: string | undefined;
      size?: number | undefined;
      link_target?: string | undefined;
      secret?: boolean | undefined;
    },
  ): void => {
    if (!path.startsWith('/etc/') || APT_SOURCE_FILE.test(path) || /\.(gpg|pgp)$/.test(path)) return;
    if (file.type !== 'file' && file.type !== 'link') return;
    carried[path] = {
      type: file.type,
      ...(file.mode !== undefined ? { mode: file.mode } : {}),
      ...(file.owner !== undefined ? { owner: file.owner } : {}),
      ...(file.group !== undefined ? { group: file.group } : {}),
      ...(file.size !== undefined ? { size: file.size } : {}),
      ...(file.link_target !== undefined ? { link_target: file.link_target } : {}),
      ...(file.secret ? { secret: true } : {}),
    };
  };
  for (const [path, file] of Object.entries(facts.conffiles ?? {})) take(path, file);
  for (const [path, file] of Object.entries(facts.unowned_files ?? {})) if (classifyUnowned(path, file.type) === 'config') take(path, file);
  return carried;
}

/**
 * Trees under /usr/local and /opt are production's own software (a script, an agent
 * unpacked by hand): too big and too varied to copy blindly. Listed at the top of
 * the profile, with how to bring each in; parity keeps reporting them until then.
 */
export function treesNote(facts: Facts): string {
  const trees = Object.entries(facts.trees ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (trees.length === 0) return '';
  const lines = trees.map(([path, tree]) => `#   ${path} (${tree.count} entr${tree.count === 1 ? 'y' : 'ies'})`);
  return [
    '# Production has software outside its packages, which devenv does not copy by itself:',
    ...lines,
    '# Bring each in as a package (best: build one), a file resource with source: for a few files,',
    '# or a synced folder; `devenv parity` reports these trees until the environment has them.',
    '',
  ].join('\n');
}

/**
 * Does production install Recommends? apt's setting says what a plain `apt-get install`
 * does; what is installed says how the host was really built (a script with
 * --no-install-recommends leaves most of them out whatever the setting).
 */
export function installsRecommends(facts: Facts): boolean {
  if (facts.packages?.install_recommends === false) return false;
  const seen = facts.packages?.recommends_met;
  // A handful of groups says little; most of many unmet says the host was built without them.
  if (seen && seen.of >= 5 && seen.met / seen.of < 0.5) return false;
  return true;
}

/** The profile's apt block: only what differs from the defaults (recommends on, the box's suites). */
function aptSection(recommends: boolean, sources: AptSuites[] | undefined): { apt?: { install_recommends?: false; sources?: AptSuites[] } } {
  if (recommends && !sources) return {};
  return { apt: { ...(recommends ? {} : { install_recommends: false as const }), ...(sources ? { sources } : {}) } };
}

/** devenv.lock from production's package list: every installed package but the host-only ones, at production's version. */
export function lockFromProduction(facts: Facts, box: string): LockData {
  const apt: LockData['apt'] = {};
  for (const [name, pkg] of Object.entries(facts.packages?.deb ?? {})) {
    if (!pkg.status.startsWith('ii') || HOST_ONLY_PACKAGES.test(name.replace(/:.*$/, ''))) continue;
    // The facts key packages as the lock does: a foreign architecture's with it (libc6:i386), by production's own dpkg.
    apt[name] = { version: pkg.version, ...(pkg.arch ? { arch: pkg.arch } : {}) };
  }
  return { schema: 'devenv.lock/v1', box, apt, pip: {} };
}

export function filesFromFacts(facts: Facts, options: FromFactsOptions): ScaffoldFile[] {
  const box = boxForFacts(facts, options.boxes);
  if (!box) {
    const os = facts.platform?.os;
    throw new Error(
      os
        ? `production runs ${os.id} ${os.version_id}; devenv has boxes for ${options.boxes.join(', ')}`
        : 'the facts have no platform section to choose a box from',
    );
  }

  const packages = facts.packages?.deb ?? {};
  const anyManual = Object.values(packages).some((p) => p.manual !== undefined);
  const apt: Record<string, { ensure: string }> = {};
  for (const [name, pkg] of Object.entries(packages).sort(([a], [b]) => a.localeCompare(b))) {
    if (!pkg.status.startsWith('i')) continue;
    if (anyManual && !pkg.manual) continue;
    if (HOST_ONLY_PACKAGES.test(name)) continue;
    apt[name.replace(/:.*$/, '')] = { ensure: pkg.version };
  }

  const users = facts.accounts?.users ?? {};
  const groupsByGid = new Map(Object.entries(facts.accounts?.groups ?? {}).map(([name, g]) => [g.gid, name]));
  // The app's own services are those whose unit production's admins wrote (/etc/systemd/system),
  // not a package's (chrony runs as _chrony): their users are the app's accounts.
  const ownUnits = Object.keys(facts.files ?? {})
    .map((path) => /^\/etc\/systemd\/system\/([^/]+\.service)$/.exec(path)?.[1])
    .filter((unit): unit is string => unit !== undefined);
  // Facts name services with or without their ".service".
  const serviceOf = (unit: string): { user: string } | undefined => facts.services?.[unit] ?? facts.services?.[unit.replace(/\.service$/, '')];
  const serviceUsers = new Set(ownUnits.map((unit) => serviceOf(unit)?.user).filter((u): u is string => u !== undefined && u !== '' && u !== 'root'));
  const user: Record<string, Record<string, unknown>> = {};
  const group: Record<string, Record<string, unknown>> = {};
  for (const [name, account] of Object.entries(users).sort(([, a], [, b]) => a.uid - b.uid)) {
    const human = account.uid >= 1000 && account.uid < 65534;
    const appAccount = serviceUsers.has(name) && account.uid >= 100;
    if (!human && !appAccount) continue;
    const primary = groupsByGid.get(account.gid);
    if (primary && !group[primary]) group[primary] = { gid: account.gid, system: account.gid < 1000 };
    user[name] = {
      uid: account.uid,
      ...(primary ? { group: primary } : {}),
      system: account.uid < 1000,
      shell: account.shell,
      home: account.home,
      ...(primary ? { require: [`group:${primary}`] } : {}),
    };
  }

  const file: Record<string, Record<string, unknown>> = {};
  const copied: ScaffoldFile[] = [];
  const unitFiles = new Map<string, string>();
  const secretPaths: string[] = [];
  const ownership = (meta: Partial<FileStat> | undefined): Record<string, string> => ({
    ...(meta?.owner ? { owner: meta.owner } : {}),
    ...(meta?.group ? { group: meta.group } : {}),
    ...(meta?.mode ? { mode: meta.mode.padStart(4, '0') } : {}),
  });
  const copy = (path: string, raw: string, meta: Partial<FileStat> | undefined): void => {
    const scrubbed = scrubSecrets(path, raw);
    copied.push({ path: projectPathFor(path), content: scrubbed.content });
    file[path] = { source: `../${projectPathFor(path)}`, ...ownership(meta), ...(scrubbed.secret ? { secret: true } : {}) };
  };
  const factsFiles: Record<string, CarriedFile> = { ...carriedSystemFiles(facts), ...(facts.files ?? {}) };
  for (const [path, meta] of Object.entries(factsFiles).sort(([a], [b]) => a.localeCompare(b))) {
    if (NOT_COPIED.has(path) || !path.startsWith('/etc/')) continue;
    if (meta.secret && meta.type === 'file') {
      // Its owner and mode, and a placeholder: production's secret never leaves production.
      copied.push({ path: projectPathFor(path), content: "# secret from production, not copied: put this environment's own content here\n" });
      file[path] = { source: `../${projectPathFor(path)}`, ...ownership(meta), secret: true };
      if (!secretPaths.includes(path)) secretPaths.push(path);
      continue;
    }
    if (meta.type === 'link' && meta.link_target) {
      // sites-enabled/x → sites-available/x: the link, and the file it points to when it was read.
      const target = linkTargetPath(path, meta.link_target);
      // Links into packaged files (a unit's sshd.service alias) are made by the package or by enabling the service.
      if (!target.startsWith('/etc/')) continue;
      file[path] = { ensure: 'link', target };
      const raw = options.contents.get(target);
      if (raw !== undefined && !factsFiles[target]) copy(target, raw, options.stats?.get(target));
      continue;
    }
    if (meta.type !== 'file') continue;
    const raw = options.contents.get(path);
    if (raw === undefined) continue;
    copy(path, raw, meta);
    const unit = /^\/etc\/systemd\/system\/([^/]+\.service)$/.exec(path);
    if (unit) unitFiles.set(unit[1]!.replace(/\.service$/, ''), path);
  }
  for (const shipped of PACKAGE_SHIPPED) {
    const listed = Object.keys(factsFiles).some((p) => p.startsWith(shipped.dir));
    if (apt[shipped.package] && listed && !factsFiles[shipped.path]) file[shipped.path] = { ensure: 'absent' };
  }
  // Environment files of the units: the names the service sees, never the values.
  for (const [service, unitPath] of unitFiles) {
    const unit = options.contents.get(unitPath) ?? '';
    const inline = inlineEnvironmentNames(unit);
    const names = (facts.env?.[service]?.names ?? []).filter((n) => !inline.has(n));
    environmentFilesOf(unit).forEach((path, i) => {
      // Which file holds which name is not in the facts: the first file lists them all.
      const body = i === 0 ? names.map((n) => `${n}=CHANGE-ME-for-this-environment\n`).join('') : '';
      const placeholder = { path: projectPathFor(path), content: `# secret from production, not copied: put this environment's own values here\n${body}` };
      const already = copied.findIndex((c) => c.path === placeholder.path);
      if (already >= 0) copied[already] = placeholder;
      else copied.push(placeholder);
      file[path] = { source: `../${projectPathFor(path)}`, ...ownership(factsFiles[path] ?? options.stats?.get(path)), secret: true };
      if (!secretPaths.includes(path)) secretPaths.push(path);
    });
  }

  for (const [name, account] of Object.entries(user)) {
    const home = account['home'] as string;
    const meta = options.directories?.get(home);
    if (meta && !file[home]) file[home] = { ensure: 'directory', ...ownership(meta), require: [`user:${name}`] };
  }
  for (const path of Object.keys(file)) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) {
      const meta = options.directories?.get(dir);
      if (meta && !file[dir]) file[dir] = { ensure: 'directory', ...ownership(meta) };
    }
  }

  const service: Record<string, Record<string, unknown>> = {};
  for (const [unit, state] of Object.entries(facts.services ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const name = unit.replace(/\.service$/, '');
    if (state.enabled !== 'enabled') continue;
    // Services the project can reproduce: its own units, and those of pinned packages.
    if (!unitFiles.has(name) && !apt[name]) continue;
    const unitPath = unitFiles.get(name);
    const envFiles = unitPath ? environmentFilesOf(options.contents.get(unitPath) ?? '') : [];
    const configFiles = Object.keys(file)
      .filter((p) => p === unitPath || envFiles.includes(p) || p.startsWith(`/etc/${name}/`))
      .sort();
    service[name] = {
      ensure: state.active === 'active' ? 'running' : 'stopped',
      enable: true,
      ...(configFiles.length ? { subscribe: configFiles.map((p) => `file:${p}`) } : {}),
    };
  }

  const appUser = Object.entries(user).find(([name]) => serviceUsers.has(name))?.[0];
  const profile = {
    name: options.name,
    box,
    backend: 'docker',
    ports: [`${options.hostPort ?? 8080}:80`],
    manifests: ['manifests/packages.yaml', 'manifests/accounts.yaml', 'manifests/config.yaml'],
    // Like production: the default (yes) is left unsaid.
    ...aptSection(installsRecommends(facts), aptSourcesLikeProduction(facts, options.boxAptSources?.(box))),
    production: options.production,
    parity: { ignore: ['packages.deb.linux-*', 'packages.deb.grub*', 'packages.deb.firmware-*'] },
    ...(appUser || secretPaths.length
      ? { checklist: { ...(appUser ? { app_user: appUser } : {}), ...(secretPaths.length ? { secrets: secretPaths.sort() } : {}) } }
      : {}),
  };
  const source = `production ${facts.target.name} (facts of ${facts.collected_at})`;
  const header = (what: string): string => `# ${what} — written by \`devenv init --from\` from ${source}.\n`;
  return [
    { path: 'devenv.yaml', content: `# devenv profile built from ${source}\n${treesNote(facts)}${stringify(profile)}` },
    { path: 'manifests/packages.yaml', content: `${header("Every manually installed package, pinned to production's version")}${stringify({ apt })}` },
    { path: 'manifests/accounts.yaml', content: `${header("Production's own users and groups")}${stringify({ group, user })}` },
    { path: 'manifests/config.yaml', content: `${header("Production's config files and services")}${stringify({ file, service })}` },
    // Production's whole package set, so the environment's equals it by construction (the first
    // provision adds what production's facts cannot say: each package's sha256).
    { path: LOCK_FILE, content: renderLock(lockFromProduction(facts, box)) },
    ...copied,
  ];
}
