import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode, OperationError } from '../../core/errors.js';
import { provisionInputsHash } from '../../provisioners/stages.js';
import { provisionEnvironment } from '../../manifest/provision.js';
import { renderFailuresText } from '../../manifest/report.js';
import { lockDifferences } from '../../lock/lock-diff.js';
import { readEnvironmentLock } from '../../lock/environment-packages.js';
import { ArchiveStore } from '../../lock/archive-store.js';
import { recordLock } from '../../environment/record-lock.js';
import { buildCatalog } from '../../manifest/catalog.js';
import { loadProfile, type LoadedProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { displayPath } from '../../profile/yaml-source.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { writeJson, type CommandContext } from '../context.js';

/**
 * `devenv lock`: writes devenv.lock from the running environment when there is none,
 * else compares the environment with it (exit 1 on a difference).
 * `devenv lock --update`: provisions from the manifests alone (the lock's pins set
 * aside), then writes the lock anew from what the environment holds.
 */
export async function run(args: { update: boolean }, ctx: CommandContext): Promise<number> {
  const profile = await loadProfile(locateProfile(ctx.options.profile));
  return withEnvironmentLock(ctx, profile, 'lock', () => (args.update ? update(profile, ctx) : check(profile, ctx)));
}

async function update(profile: LoadedProfile, ctx: CommandContext): Promise<number> {
  const { lock: _previous, ...unlocked } = profile;
  const target = await openEnvironmentTarget(unlocked, ctx);
  try {
    const report = await provisionEnvironment(unlocked, target, ctx.progress, { signal: ctx.signal, recordInputs: provisionInputsHash(unlocked) });
    if (report.summary.failed > 0 || report.summary.skipped > 0) {
      ctx.progress.explain(renderFailuresText(report));
      throw new OperationError(
        `provisioning from the manifests failed: ${report.summary.failed} failed, ${report.summary.skipped} skipped (above); the lock was not changed`,
      );
    }
    const record = await recordLock(unlocked, target, ctx.progress, { update: true });
    if (ctx.options.format === 'json')
      writeJson(ctx, {
        schema: 'devenv.lock-result/v1',
        path: record.path,
        written: record.written,
        packages: Object.keys(record.profile.lock?.data.apt ?? {}).length,
      });
    else ctx.out(`${displayPath(record.path)} written from ${target.describe().name}\n`);
    return ExitCode.ok;
  } finally {
    await target.close();
  }
}

async function check(profile: LoadedProfile, ctx: CommandContext): Promise<number> {
  const target = await openEnvironmentTarget(profile, ctx);
  try {
    if (!profile.lock) {
      const record = await recordLock(profile, target, ctx.progress);
      if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.lock-result/v1', path: record.path, written: true, differences: [] });
      else ctx.out(`${displayPath(record.path)} written from ${target.describe().name}\n`);
      return ExitCode.ok;
    }
    const venvs = buildCatalog(profile.manifests).ordered.flatMap((r) => (r.type === 'venv' && r.attrs.ensure === 'present' ? [r.name] : []));
    const current = await ctx.progress.step('Reading the packages', () => readEnvironmentLock(target, profile.data.box, venvs, new ArchiveStore()));
    const differences = lockDifferences(profile.lock.data, current);
    if (ctx.options.format === 'json') {
      writeJson(ctx, { schema: 'devenv.lock-result/v1', path: profile.lock.path, written: false, differences });
    } else if (differences.length === 0) {
      ctx.out(`${target.describe().name} holds exactly what ${displayPath(profile.lock.path)} locks (${Object.keys(profile.lock.data.apt).length} packages)\n`);
    } else {
      ctx.out(
        `${target.describe().name} differs from ${displayPath(profile.lock.path)}:\n${differences.map((d) => `  ${d.package}: locked ${d.locked ?? '(not locked)'}, installed ${d.installed ?? '(not installed)'}`).join('\n')}\n`,
      );
      ctx.out('`devenv provision` installs what the lock says; `devenv lock --update` locks what the manifests give now\n');
    }
    return differences.length === 0 ? ExitCode.ok : ExitCode.findings;
  } finally {
    await target.close();
  }
}
