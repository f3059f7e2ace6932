import { openEnvironmentTarget } from '../../backends/open.js';
import { isPinnedVersion } from '../../core/debian-version.js';
import { ExitCode, OperationError } from '../../core/errors.js';
import { lastLines } from '../../core/last-lines.js';
import { freshness, parsePolicyVersions, type Freshness } from '../../manifest/pin-freshness.js';
import { loadProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { displayPath } from '../../profile/yaml-source.js';
import { writeJson, type CommandContext } from '../context.js';

/**
 * `devenv outdated`: per manifest pin and lock entry, the newest version the box's
 * suites offer (as the environment's apt lists say; `--refresh` updates them first),
 * security updates marked. Exit 1 when a security update exists for a pin.
 */
export async function run(args: { refresh: boolean; all: boolean }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfile(locateProfile(ctx.options.profile));
  const pins = new Map<string, { package: string; pinned: string; from: string }>();
  for (const manifest of profile.manifests) {
    for (const resource of manifest.declarations) {
      if (resource.type === 'apt' && isPinnedVersion(resource.attrs.ensure))
        pins.set(resource.name, { package: resource.name, pinned: resource.attrs.ensure, from: displayPath(manifest.path) });
    }
  }
  for (const [name, entry] of Object.entries(profile.lock?.data.apt ?? {})) {
    if (!pins.has(name) && !name.includes(':')) pins.set(name, { package: name, pinned: entry.version, from: displayPath(profile.lock!.path) });
  }
  if (pins.size === 0) {
    ctx.progress.warn('no exact pins in the manifests and no devenv.lock: nothing to compare');
    if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.outdated/v1', summary: { pins: 0, outdated: 0, security: 0 }, packages: [] });
    return ExitCode.ok;
  }
  const target = await openEnvironmentTarget(profile, ctx);
  let rows: Freshness[];
  try {
    if (args.refresh) {
      const update = await ctx.progress.step('apt-get update', () =>
        target.exec(['apt-get', 'update', '-q'], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 }),
      );
      if (update.exitCode !== 0) throw new OperationError(`apt-get update failed on ${target.describe().name}: ${lastLines(update.stderr || update.stdout)}`);
    }
    const policy = await target.exec(['apt-cache', 'policy', '--', ...pins.keys()], { env: { LC_ALL: 'C' } });
    if (policy.exitCode !== 0) throw new OperationError(`apt-cache policy failed on ${target.describe().name}: ${lastLines(policy.stderr)}`);
    rows = freshness([...pins.values()], parsePolicyVersions(policy.stdout));
  } finally {
    await target.close();
  }
  const outdated = rows.filter((row) => row.newer.length > 0);
  const security = outdated.filter((row) => row.security);
  if (ctx.options.format === 'json') {
    writeJson(ctx, {
      schema: 'devenv.outdated/v1',
      summary: { pins: rows.length, outdated: outdated.length, security: security.length },
      packages: args.all ? rows : outdated,
    });
  } else {
    const shown = args.all ? rows : outdated;
    if (shown.length > 0) {
      const width = Math.max(...shown.map((row) => row.package.length), 7);
      const pinWidth = Math.max(...shown.map((row) => row.pinned.length), 6);
      const lines = [`${'package'.padEnd(width)}  ${'pinned'.padEnd(pinWidth)}  newest`];
      for (const row of shown)
        lines.push(
          `${row.package.padEnd(width)}  ${row.pinned.padEnd(pinWidth)}  ${row.newest ?? '(not offered)'}${row.security ? '  SECURITY' : ''}  (${row.from})`,
        );
      ctx.out(`${lines.join('\n')}\n`);
    }
    ctx.out(`${rows.length} pins: ${outdated.length} behind the box's suites, ${security.length} with a security update\n`);
  }
  return security.length > 0 ? ExitCode.findings : ExitCode.ok;
}
