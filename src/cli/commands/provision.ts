import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { externalsNote, hostProfile, openHostTarget } from '../host-target.js';
import { readProvisionedMarker, writeProvisionedMarker } from '../../manifest/provisioned-marker.js';
import { provisionInputsHash } from '../../provisioners/stages.js';
import { provisionEnvironment } from '../../manifest/provision.js';
import { renderReportText, type ApplyReport } from '../../manifest/report.js';
import { loadProfile, type LoadedProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { isExternal } from '../../provisioners/external.js';
import type { ProvisionerOutcome } from '../../provisioners/provisioner.js';
import { provisionersOf } from '../../provisioners/registry.js';
import { applyOrFail, outcomesJson, renderOutcomesText, requireHostTools, runOf } from '../../provisioners/run.js';
import type { Target } from '../../targets/target.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { writeJson, type CommandContext } from '../context.js';
import { environmentOf, environmentsFor, oneEnvironmentFor } from '../load-profile.js';

export interface ProvisionArgs {
  /** After applying, run every provisioner again: anything the second run changes is reported (exit 1). */
  idempotence?: boolean;
  /** env (default) or ssh://user@host[:port]: devenv's own manifests applied to a host. */
  target?: string;
  /** Apply to a host without asking (required off a terminal). */
  yes?: boolean;
  /** With machines: in the profile, only this machine (default: every machine, in boot order; with --target, required). */
  machine?: string;
}

/**
 * `devenv provision`: applies the provisioners to the running environment.
 * Exit 0 when everything applied, 4 when anything failed (the report says
 * which); with --idempotence, 1 when a second run changed something.
 */
export async function run(args: ProvisionArgs, ctx: CommandContext): Promise<number> {
  const loaded = await loadProfile(locateProfile(ctx.options.profile), { ...environmentOf(ctx), severalMachines: true });
  if (args.target !== undefined && args.target !== 'env')
    return provisionHost(args.target, oneEnvironmentFor(loaded, args.machine, 'provision --target'), args, ctx);
  const environments = environmentsFor(loaded, args.machine !== undefined ? [args.machine] : [], { withDependencies: false });
  for (const profile of environments) await requireHostTools(profile);
  if (!loaded.machines) return withEnvironmentLock(ctx, loaded, 'provision', () => provisionLocked(loaded, args, ctx));
  // Machine by machine in boot order (what web's provisioning reaches on db is there first); the worst exit code wins.
  let worst = 0;
  const documents: Record<string, unknown>[] = [];
  for (const profile of environments) {
    const machine = profile.machine!.name;
    // One JSON document for the whole run: each machine's report becomes its row.
    const machineCtx: CommandContext =
      ctx.options.format === 'json' ? { ...ctx, out: (text) => documents.push({ machine, ...(JSON.parse(text) as object) }) } : ctx;
    if (ctx.options.format !== 'json') ctx.out(`== ${machine}\n`);
    worst = Math.max(worst, await withEnvironmentLock(ctx, profile, 'provision', () => provisionLocked(profile, args, machineCtx)));
  }
  if (ctx.options.format === 'json') writeJson(ctx, { schema: 'devenv.machines-provision/v1', name: loaded.data.name, machines: documents });
  return worst;
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
  // A clean run that changed something (or an environment never locked) is locked: see src/environment/record-lock.ts.
  if (!failedReport(report) && (!profile.lock || report.summary.changed > 0))
    await (await import('../../environment/record-lock.js')).recordLock(profile, target, ctx.progress);
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
  const inputs = provisionInputsHash(profile);
  // An environment whose marker says a clean run of these very inputs made it (`up` just did)
  // has had its first apply: --idempotence goes straight to the second run.
  const firstRunDone = args.idempotence === true && (await readProvisionedMarker(target)) === inputs;
  if (firstRunDone) ctx.progress.info('the environment is the clean result of these inputs: running every provisioner a second time');
  else {
    for (const provisioner of provisioners) applied.push(await applyOrFail(provisioner, run));
    await writeProvisionedMarker(target, inputs);
  }
  const rerun: ProvisionerOutcome[] = [];
  if (args.idempotence) {
    for (const provisioner of provisioners) rerun.push(await provisioner.changedOnRerun(run));
  }
  const name = target.describe().name;
  if (ctx.options.format === 'json') {
    writeJson(ctx, {
      schema: 'devenv.provision/v1',
      target: name,
      provisioners: outcomesJson(applied),
      ...(args.idempotence ? { rerun: outcomesJson(rerun) } : {}),
    });
  } else {
    if (applied.length > 0) ctx.out(renderOutcomesText(applied, 'apply', name));
    if (args.idempotence) ctx.out(renderOutcomesText(rerun, 'rerun', name));
  }
  if (rerun.some((outcome) => outcome.failure)) return ExitCode.failed;
  return rerun.some((outcome) => outcome.changes.length > 0) ? ExitCode.findings : ExitCode.ok;
}

/**
 * `provision --target ssh://…`: devenv's own manifests applied to staging or
 * production. The plan is printed first; a terminal is asked, anything else
 * needs --yes (refused otherwise, nothing changed). The apt transactions there
 * are the safe ones: the dpkg speed-ups are for environments devenv made.
 */
async function provisionHost(spec: string, loaded: LoadedProfile, args: ProvisionArgs, ctx: CommandContext): Promise<number> {
  const profile = hostProfile(loaded);
  if (args.idempotence) throw new UsageError('--idempotence runs against the environment, not a host (`--target ssh://…`)');
  const target = await openHostTarget(spec, profile, ctx, 'provision');
  try {
    const note = externalsNote(profile);
    if (note) ctx.progress.warn(note);
    const { planEnvironmentReport } = await import('../../manifest/provision.js');
    const { planProblemsError } = await import('../../manifest/apply.js');
    const { report: plan } = await planEnvironmentReport(profile, target, ctx.progress);
    const name = target.describe().name;
    // The plan goes where a person reads it before saying yes: stdout in text, stderr when stdout is one JSON document.
    const planText = renderReportText(plan, { verbose: ctx.options.verbose });
    if (ctx.options.format === 'json') ctx.progress.explain(planText);
    else ctx.out(planText);
    if (plan.problems?.length) throw planProblemsError(plan.problems);
    if (plan.summary.changed === 0) {
      if (ctx.options.format === 'json') writeJson(ctx, plan as unknown as { schema: string } & Record<string, unknown>);
      return ExitCode.ok;
    }
    if (!args.yes) {
      if (!ctx.interactive) {
        throw new UsageError(`refusing to change ${name} without --yes off a terminal: nothing was changed (the plan above is what would be)`, {
          hint: `review the plan, then run again with --yes`,
        });
      }
      const { confirm } = await import('@inquirer/prompts');
      if (!(await confirm({ message: `Apply these ${plan.summary.changed} changes to ${name}?`, default: false }))) {
        ctx.progress.info(`nothing changed on ${name}`);
        return ExitCode.ok;
      }
    }
    const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal });
    if (ctx.options.format === 'json') writeJson(ctx, report as unknown as { schema: string } & Record<string, unknown>);
    else ctx.out(renderReportText(report, { verbose: ctx.options.verbose }));
    return failedReport(report) ? ExitCode.failed : ExitCode.ok;
  } finally {
    await target.close();
  }
}
