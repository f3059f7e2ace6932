import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { bundledBoxesDir, listBundledBoxNames } from '../box/definition.js';
import { UsageError } from '../core/errors.js';
import { collectFacts } from '../facts/collect.js';
import { loadFingerprintKey } from '../facts/fingerprint-key.js';
import { openTargetSpec, type SourceContext } from '../facts/target-spec.js';
import type { Facts } from '../facts/schema.js';
import type { Target } from '../targets/target.js';
import { profileNameFor } from './detect.js';
import { carriedSystemFiles, environmentFilesOf, filesFromFacts, linkTargetPath, type AptSuites, type FileStat } from './from-facts.js';
import type { ScaffoldFile } from './scaffold.js';

/** Files whose content is worth copying into the project (config, units), not logs or binaries. */
const COPYABLE = /^\/etc\//;
const MAX_COPY_BYTES = 256 * 1024;

/**
 * Reads many files in one round trip: each is printed base64-encoded after a
 * marker line. Paths are positional parameters, never part of the script.
 */
export async function readRemoteFiles(target: Target, paths: string[]): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  if (paths.length === 0) return contents;
  const script = 'for f in "$@"; do [ -f "$f" ] && [ -r "$f" ] || continue; printf "@@devenv-file %s\\n" "$f"; base64 -w0 < "$f"; printf "\\n"; done';
  const result = await target.exec(['sh', '-c', script, 'devenv-read', ...paths], { user: 'root', timeout: 60_000 });
  const lines = result.stdout.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const marker = /^@@devenv-file (.+)$/.exec(lines[i]!);
    if (marker) contents.set(marker[1]!, Buffer.from(lines[i + 1] ?? '', 'base64').toString('utf8'));
  }
  return contents;
}

/** Owner, group and mode of files, in one round trip, without reading them (environment files hold secrets). */
export async function statRemoteFiles(target: Target, paths: string[]): Promise<Map<string, FileStat>> {
  const stats = new Map<string, FileStat>();
  if (paths.length === 0) return stats;
  const result = await target.exec(
    ['sh', '-c', 'for f in "$@"; do [ -e "$f" ] && stat --printf "%a\\t%U\\t%G\\t%n\\n" -- "$f"; done; exit 0', 'devenv-stat', ...paths],
    { user: 'root', timeout: 60_000 },
  );
  for (const line of result.stdout.split('\n')) {
    const [mode, owner, group, ...rest] = line.split('\t');
    if (mode && owner && group && rest.length) stats.set(rest.join('\t'), { mode, owner, group });
  }
  return stats;
}

/**
 * Production's own directories among `dirs`: those no package ships (dpkg-query -S
 * knows none), with owner, group and mode. One round trip.
 */
export async function ownRemoteDirectories(target: Target, dirs: string[]): Promise<Map<string, FileStat>> {
  const own = new Map<string, FileStat>();
  if (dirs.length === 0) return own;
  const script =
    'for d in "$@"; do [ -d "$d" ] && ! [ -L "$d" ] || continue; dpkg-query -S "$d" >/dev/null 2>&1 && continue; stat --printf "%a\\t%U\\t%G\\t%n\\n" -- "$d"; done; exit 0';
  const result = await target.exec(['sh', '-c', script, 'devenv-dirs', ...dirs], { user: 'root', timeout: 60_000 });
  for (const line of result.stdout.split('\n')) {
    const [mode, owner, group, ...rest] = line.split('\t');
    if (mode && owner && group && rest.length) own.set(rest.join('\t'), { mode, owner, group });
  }
  return own;
}

/** Every ancestor folder of the paths below /etc, /etc itself left out. */
function ancestorsUnderEtc(paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir.startsWith('/etc/'); dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort();
}

export async function filesFromProduction(
  source: string,
  options: { name?: string; hostPort?: number; ctx: SourceContext; projectDir: string },
): Promise<ScaffoldFile[]> {
  const { ctx, projectDir } = options;
  const name = options.name ?? profileNameFor(projectDir);
  const opened = await openTargetSpec(source, ctx);
  let facts: Facts;
  let contents = new Map<string, string>();
  let stats = new Map<string, FileStat>();
  let directories = new Map<string, FileStat>();
  let production: { ssh: string; identity?: string; sudo?: boolean } | { facts: string };
  if (opened.kind === 'facts') {
    facts = opened.facts;
    production = { facts: relative(projectDir, opened.path) || opened.path };
    ctx.progress.warn('facts files carry checksums, not contents: config files are listed in the manifests only when read over ssh://');
  } else {
    if (source === 'env') throw new UsageError('init --from takes production: a facts FILE or ssh://user@host[:port]');
    const target = opened.target;
    try {
      facts = await ctx.progress.step(`collect facts from ${target.describe().name}`, async () =>
        collectFacts(target, { managedPaths: [], secretPaths: [], fingerprintKey: await loadFingerprintKey(projectDir) }),
      );
      // Production's config files, and what it changed by hand beyond them (secrets are not read).
      const wanted = Object.entries({ ...carriedSystemFiles(facts), ...(facts.files ?? {}) })
        .filter(([path, meta]) => meta.type === 'file' && !(meta as { secret?: boolean }).secret && COPYABLE.test(path) && (meta.size ?? 0) <= MAX_COPY_BYTES)
        .map(([path]) => path);
      contents = await ctx.progress.step(`read ${wanted.length} config files`, () => readRemoteFiles(target, wanted));
      // What those point at: link targets under /etc (read), the units' environment files (stat only: they hold secrets).
      const linked = Object.entries({ ...carriedSystemFiles(facts), ...(facts.files ?? {}) })
        .filter(([path, meta]) => meta.type === 'link' && meta.link_target && COPYABLE.test(path))
        .map(([path, meta]) => linkTargetPath(path, meta.link_target!))
        .filter((path) => COPYABLE.test(path) && !contents.has(path));
      const environmentFiles = [...contents]
        .filter(([path]) => /^\/etc\/systemd\/system\/[^/]+\.service$/.test(path))
        .flatMap(([, unit]) => environmentFilesOf(unit));
      if (linked.length || environmentFiles.length) {
        const [linkedContents, linkedStats] = await Promise.all([readRemoteFiles(target, linked), statRemoteFiles(target, [...linked, ...environmentFiles])]);
        for (const [path, content] of linkedContents) contents.set(path, content);
        stats = linkedStats;
      }
      // Folders the copied files need that no package creates (/etc/myapp): declared with production's owner and mode.
      // Home folders too: a system user's home is not made by useradd, and its service may chdir there.
      const homes = Object.values(facts.accounts?.users ?? {})
        .filter((u) => u.uid >= 100 && u.uid < 65534 && u.home.startsWith('/') && u.home !== '/')
        .map((u) => u.home);
      directories = await ownRemoteDirectories(target, [...new Set([...ancestorsUnderEtc([...contents.keys(), ...environmentFiles]), ...homes])]);
    } finally {
      await target.close();
    }
    // Parity reaches production again the way init did: the same key and sudo.
    const identity = ctx.options.identity;
    production = {
      ssh: source,
      ...(identity !== undefined ? { identity: identity.startsWith('~') || isAbsolute(identity) ? identity : resolve(identity) } : {}),
      ...(ctx.options.sudo ? { sudo: true } : {}),
    };
  }
  try {
    return filesFromFacts(facts, {
      name,
      boxes: listBundledBoxNames(),
      boxAptSources: bundledBoxAptSources,
      production,
      contents,
      stats,
      directories,
      ...(options.hostPort !== undefined ? { hostPort: options.hostPort } : {}),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A bundled box's apt sources, read from its definition (the same file `up` builds from). */
function bundledBoxAptSources(box: string): AptSuites[] | undefined {
  try {
    const definition = parseYaml(readFileSync(join(bundledBoxesDir(), `${box}.yaml`), 'utf8')) as {
      apt_sources?: { archive: string; suites: string[]; components?: string[] }[];
    };
    return definition.apt_sources?.map((source) => ({ archive: source.archive, suites: source.suites, components: source.components ?? ['main'] }));
  } catch {
    return undefined;
  }
}
