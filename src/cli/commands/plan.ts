import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode } from '../../core/errors.js';
import { planProblemsError } from '../../manifest/apply.js';
import { planEnvironmentReport } from '../../manifest/provision.js';
import { renderReportText } from '../../manifest/report.js';
import { loadProfile, locateProfile } from '../../profile/load.js';
import { writeJson, type CommandContext } from '../context.js';
import { environmentOf } from '../load-profile.js';

/**
 * `devenv plan`: observes the environment and prints every change provisioning
 * would make, with diffs, changing nothing. Exit 0 in sync, 1 changes pending,
 * 4 when an apply could not even start (a pinned version the mirror lacks).
 */
export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const profile = await loadProfile(locateProfile(ctx.options.profile), environmentOf(ctx));
  const target = await openEnvironmentTarget(profile, ctx);
  try {
    const { report } = await planEnvironmentReport(profile, target, ctx.progress);
    if (ctx.options.format === 'json') writeJson(ctx, report as unknown as { schema: string } & Record<string, unknown>);
    else ctx.out(renderReportText(report, { verbose: ctx.options.verbose }));
    if (report.problems?.length) throw planProblemsError(report.problems);
    return report.summary.changed > 0 ? ExitCode.findings : ExitCode.ok;
  } finally {
    await target.close();
  }
}
