import { openEnvironmentTarget } from '../../backends/open.js';
import { ExitCode } from '../../core/errors.js';
import { planProblemsError } from '../../manifest/apply.js';
import { planEnvironmentReport } from '../../manifest/provision.js';
import { renderReportText } from '../../manifest/report.js';
import { loadProfile, type LoadedProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { externalsNote, hostProfile, openHostTarget } from '../host-target.js';
import { externalProvisioner, isExternal } from '../../provisioners/external.js';
import type { ProvisionerOutcome } from '../../provisioners/provisioner.js';
import { outcomesJson, provisionerFailed, renderOutcomesText, requireHostTools, runOf } from '../../provisioners/run.js';
import { writeJson, type CommandContext } from '../context.js';
import { environmentOf, environmentsFor, oneEnvironmentFor } from '../load-profile.js';

/**
 * `devenv plan`: observes the environment and prints every change provisioning
 * would make, with diffs, changing nothing: devenv's manifests, then each Puppet
 * (`--noop`) and Ansible (`--check --diff`) provisioner. Exit 0 in sync, 1
 * changes pending, 4 when an apply could not even start (a pinned version the
 * mirror lacks, a manifest that does not compile).
 */
export interface PlanArgs {
  /** env (default) or ssh://user@host[:port]: devenv's own manifests planned against a host (a drift check of the desired state). */
  target?: string;
  /** With machines: in the profile, only this machine (default: every machine; with --target, required). */
  machine?: string;
}

export async function run(args: PlanArgs, ctx: CommandContext): Promise<number> {
  const loaded = await loadProfile(locateProfile(ctx.options.profile), { ...environmentOf(ctx), severalMachines: true });
  if (args.target !== undefined && args.target !== 'env') return planHost(args.target, oneEnvironmentFor(loaded, args.machine, 'plan --target'), ctx);
  const environments = environmentsFor(loaded, args.machine !== undefined ? [args.machine] : [], { withDependencies: false });
  for (const profile of environments) await requireHostTools(profile);
  if (!loaded.machines) {
    const planned = await planOne(environments[0]!, ctx);
    ctx.out(ctx.options.format === 'json' ? `${JSON.stringify(planned.document, null, 2)}\n` : planned.text);
    return planned.finish();
  }
  // Every machine planned, its report headed by its name; the exit code is the worst of them.
  const planned = [];
  for (const profile of environments) planned.push({ machine: profile.machine!.name, ...(await planOne(profile, ctx)) });
  if (ctx.options.format === 'json')
    writeJson(ctx, { schema: 'devenv.machines-plan/v1', name: loaded.data.name, machines: planned.map((p) => ({ machine: p.machine, ...p.document })) });
  else ctx.out(planned.map((p) => `== ${p.machine}\n${p.text}`).join('\n'));
  return Math.max(...planned.map((p) => p.finish()));
}

interface Planned {
  document: Record<string, unknown>;
  text: string;
  /** The exit code; throws when planning could not even start. */
  finish(): number;
}

async function planOne(profile: LoadedProfile, ctx: CommandContext): Promise<Planned> {
  const target = await openEnvironmentTarget(profile, ctx);
  try {
    const { report } = await planEnvironmentReport(profile, target, ctx.progress);
    const externals: ProvisionerOutcome[] = [];
    for (const entry of profile.provisioners.filter(isExternal)) {
      externals.push(await externalProvisioner(entry, profile).wouldChange(runOf(target, ctx.progress, profile.data.name, ctx.signal)));
    }
    const pending = report.summary.changed + externals.reduce((sum, outcome) => sum + outcome.changes.length, 0);
    const document = { ...report, ...(externals.length > 0 ? { provisioners: outcomesJson(externals) } : {}) } as unknown as Record<string, unknown>;
    let text = '';
    if (profile.manifests.length > 0 || externals.length === 0) text += renderReportText(report, { verbose: ctx.options.verbose });
    if (externals.length > 0) text += renderOutcomesText(externals, 'plan', target.describe().name);
    return {
      document,
      text,
      finish: () => {
        if (report.problems?.length) throw planProblemsError(report.problems);
        const failed = externals.find((outcome) => outcome.failure);
        if (failed) {
          if (failed.failure!.lastLines) ctx.progress.explain(`${failed.failure!.lastLines.trimEnd()}\n`);
          throw provisionerFailed(failed);
        }
        return pending > 0 ? ExitCode.findings : ExitCode.ok;
      },
    };
  } finally {
    await target.close();
  }
}

/** `plan --target ssh://…`: what applying devenv's manifests there would change; exit 1 when the host has drifted from them. */
async function planHost(spec: string, loaded: LoadedProfile, ctx: CommandContext): Promise<number> {
  const profile = hostProfile(loaded);
  const target = await openHostTarget(spec, profile, ctx, 'plan');
  try {
    const note = externalsNote(profile);
    if (note) ctx.progress.warn(note);
    const { report } = await planEnvironmentReport(profile, target, ctx.progress);
    if (ctx.options.format === 'json') writeJson(ctx, report as unknown as { schema: string } & Record<string, unknown>);
    else ctx.out(renderReportText(report, { verbose: ctx.options.verbose }));
    if (report.problems?.length) throw planProblemsError(report.problems);
    return report.summary.changed > 0 ? ExitCode.findings : ExitCode.ok;
  } finally {
    await target.close();
  }
}
