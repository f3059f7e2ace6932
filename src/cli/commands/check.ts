import { declaredStateFromManifests } from '../../checks/declared.js';
import { checkInputFrom, type ProductionSide } from '../../checks/input.js';
import { inferChecklist } from '../../checks/infer.js';
import { renderCheckJson, renderCheckJunit, renderCheckMarkdown, renderCheckText } from '../../checks/render.js';
import { parseOnlyIds, runChecklist } from '../../checks/runner.js';
import type { CheckReport } from '../../checks/types.js';
import { ExitCode, errorMessage } from '../../core/errors.js';
import { collectFromTarget } from '../../environment/fact-sources.js';
import { PRODUCTION_CHECKS } from '../../environment/checklist.js';
import { collectPathsFor, declaredAccountsFor } from '../../environment/profile-declares.js';
import type { Facts } from '../../facts/schema.js';
import { parseTargetSpec, productionSpec, type TargetSpec } from '../../facts/target-spec.js';
import { compareFacts } from '../../parity/compare.js';
import type { LoadedProfile } from '../../environment/load.js';
import { ProfileSchema } from '../../profile/schema.js';
import type { CommandContext } from '../context.js';
import { loadOptionalProfile } from '../load-profile.js';

export interface CheckArgs {
  /** env (default) | ssh://user@host[:port] | FILE (devenv, Facter or Ansible facts). */
  target?: string;
  only?: string[];
}

function sameTarget(a: TargetSpec, b: TargetSpec): boolean {
  if (a.kind === 'file' && b.kind === 'file') return a.path === b.path;
  if (a.kind === 'ssh' && b.kind === 'ssh') {
    const [x, y] = [a.destination, b.destination];
    return x.host.toLowerCase() === y.host.toLowerCase() && (x.user ?? '') === (y.user ?? '') && (x.port ?? 22) === (y.port ?? 22);
  }
  return false;
}

/**
 * Production's facts and the parity against them. Failing to reach production
 * does not abort the checklist: the two checks that need it say why they could not judge.
 */
async function productionSide(spec: string, profile: LoadedProfile | undefined, facts: Facts, ctx: CommandContext): Promise<ProductionSide> {
  if (!profile) return { unavailable: 'there is no profile, so no production to compare with' };
  const reference = productionSpec(profile);
  if (reference === undefined) return { unavailable: 'the profile has no production: block to compare with' };
  if (sameTarget(parseTargetSpec(spec), parseTargetSpec(reference))) {
    return { unavailable: 'the target is production itself, so there is nothing to compare it with' };
  }
  let production: Facts;
  try {
    production = await collectFromTarget(reference, profile, ctx);
  } catch (error) {
    ctx.progress.warn(`production facts could not be collected: ${errorMessage(error)}`);
    return { unavailable: `production facts could not be collected (${errorMessage(error)})` };
  }
  const parity = compareFacts(production, facts, {
    ignore: profile.data.parity.ignore,
    ...declaredAccountsFor(profile),
    ...collectPathsFor(profile),
  });
  return { facts: production, parity };
}

function render(report: CheckReport, ctx: CommandContext): string {
  switch (ctx.options.format) {
    case 'json':
      return renderCheckJson(report);
    case 'junit':
      return renderCheckJunit(report);
    case 'markdown':
      return renderCheckMarkdown(report);
    case 'text':
      return renderCheckText(report, { color: ctx.options.color && ctx.interactive });
  }
}

/** `devenv check [--target env|ssh://…|FILE] [--only ID…]`: exit 1 when a check fails. */
export async function run(args: CheckArgs, ctx: CommandContext): Promise<number> {
  // A typo in --only is reported before anything is booted or contacted.
  const only = parseOnlyIds(args.only ?? []);
  const spec = args.target ?? 'env';
  const profile = await loadOptionalProfile(ctx, spec === 'env');
  const facts = await collectFromTarget(spec, profile, ctx);
  const needsProduction = only.length === 0 || only.some((id) => PRODUCTION_CHECKS.includes(id));
  const production = needsProduction ? await productionSide(spec, profile, facts, ctx) : {};
  let checklist = profile?.data.checklist;
  if (!checklist) {
    // No profile: the target says who the app is (its hand-installed services, their user, its secrets).
    const inferred = inferChecklist(facts, ProfileSchema.shape.checklist.parse(undefined));
    ctx.progress.info(`no profile: ${inferred.said}`);
    checklist = inferred.checklist;
  }
  const declared = profile ? declaredStateFromManifests(profile.manifests) : undefined;
  const input = checkInputFrom({ ...(profile ? { name: profile.data.name } : {}), checklist }, declared, facts, production);
  const report = runChecklist(input, { only });
  ctx.out(render(report, ctx));
  return report.summary.fail > 0 ? ExitCode.findings : ExitCode.ok;
}
