import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode } from '../../core/errors.js';
import { provisionInputsHash, writeProvisionedMarker } from '../../manifest/inputs.js';
import { provisionEnvironment } from '../../manifest/provision.js';
import { renderReportText, type ApplyReport } from '../../manifest/report.js';
import { loadProfile, locateProfile, type LoadedProfile } from '../../profile/load.js';
import { isExternal } from '../../provisioners/external.js';
import type { ProvisionerOutcome } from '../../provisioners/provisioner.js';
import { provisionersOf } from '../../provisioners/registry.js';
import { applyOrFail, outcomesJson, renderOutcomesText, requireHostTools, runOf } from '../../provisioners/run.js';
import type { Target } from '../../targets/target.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { writeJson, type CommandContext } from '../context.js';

export interface ProvisionArgs {
  /** After applying, run every provisioner again: anything the second run changes is reported (exit 1). */
  idempotence?: boolean;
}

/**
 * `devenv provision`: applies the provisioners to the running environment.
 * Exit 0 when everything applied, 4 when anything failed (the report says
 * which); with --idempotence, 1 when a second run changed something.
 */
export async function run(args: ProvisionArgs, ctx: CommandContext): Promise<number> {
  const profile = await loadProfile(locateProfile(ctx.options.profile));
  await requireHostTools(profile);
  return withEnvironmentLock(ctx, profile, 'provision', () => provisionLocked(profile, args, ctx));
}

async function provisionLocked(profile: LoadedProfile, args: ProvisionArgs, ctx: CommandContext): Promise<number> {
  const target = await openEnvironmentTarget(profile, ctx);
  try {
    if (!profile.provisioners.some(isExternal) && !args.idempotence) return await manifestsOnly(profile, target, ctx);
    return await everyProvisioner(profile, args, target, ctx);
  } finally {
    await target.close();
  }
}

/** devenv's own manifests alone: the apply report, as before provisioners. */
async function manifestsOnly(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<number> {
  // A clean run tells the next `up` that this environment matches its inputs.
  const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal, recordInputs: provisionInputsHash(profile) });
  if (ctx.options.format === 'json') writeJson(ctx, report as unknown as { schema: string } & Record<string, unknown>);
  else ctx.out(renderReportText(report, { verbose: ctx.options.verbose }));
  return failedReport(report) ? ExitCode.failed : ExitCode.ok;
}

function failedReport(report: ApplyReport): boolean {
  return report.summary.failed > 0 || report.summary.skipped > 0;
}

/** Each provisioner in order (a failure stops the run, exit 4), then with --idempotence each once more. */
async function everyProvisioner(profile: LoadedProfile, args: ProvisionArgs, target: Target, ctx: CommandContext): Promise<number> {
  const run = runOf(target, ctx.progress, profile.data.name, ctx.signal);
  const provisioners = provisionersOf(profile);
  const applied: ProvisionerOutcome[] = [];
  for (const provisioner of provisioners) applied.push(await applyOrFail(provisioner, run));
  await writeProvisionedMarker(target, provisionInputsHash(profile));
  const rerun: ProvisionerOutcome[] = [];
  if (args.idempotence) {
    for (const provisioner of provisioners) rerun.push(await provisioner.changedOnRerun(run));
  }
  const name = target.describe().name;
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.provision/v1', target: name, provisioners: outcomesJson(applied), ...(args.idempotence ? { rerun: outcomesJson(rerun) } : {}) });
  } else {
    ctx.out(renderOutcomesText(applied, 'apply', name));
    if (args.idempotence) ctx.out(renderOutcomesText(rerun, 'rerun', name));
  }
  if (rerun.some((outcome) => outcome.failure)) return ExitCode.failed;
  return rerun.some((outcome) => outcome.changes.length > 0) ? ExitCode.findings : ExitCode.ok;
}
