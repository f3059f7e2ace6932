import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode } from '../../core/errors.js';
import { provisionInputsHash } from '../../manifest/inputs.js';
import { provisionEnvironment } from '../../manifest/provision.js';
import { renderReportText } from '../../manifest/report.js';
import { loadProfile, locateProfile, type LoadedProfile } from '../../profile/load.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { writeJson, type CommandContext } from '../context.js';
import { environmentOf } from '../load-profile.js';

/**
 * `devenv provision`: applies the manifests to the running environment.
 * Exit 0 when every resource applied, 4 when any failed (the report says which).
 */
export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const profile = await loadProfile(locateProfile(ctx.options.profile), environmentOf(ctx));
  return withEnvironmentLock(ctx, profile, 'provision', () => provisionLocked(profile, ctx));
}

async function provisionLocked(profile: LoadedProfile, ctx: CommandContext): Promise<number> {
  const target = await openEnvironmentTarget(profile, ctx);
  try {
    // A clean run tells the next `up` that this environment matches its inputs.
    const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal, recordInputs: provisionInputsHash(profile) });
    const clean = report.summary.failed === 0 && report.summary.skipped === 0;
    // A clean run that changed something (or an environment never locked) is locked: see src/environment/record-lock.ts.
    if (clean && (!profile.lock || report.summary.changed > 0)) await (await import('../../environment/record-lock.js')).recordLock(profile, target, ctx.progress);
    if (ctx.options.format === 'json') writeJson(ctx, report as unknown as { schema: string } & Record<string, unknown>);
    else ctx.out(renderReportText(report, { verbose: ctx.options.verbose }));
    return clean ? ExitCode.ok : ExitCode.failed;
  } finally {
    await target.close();
  }
}
