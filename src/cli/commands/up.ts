import { createBackend } from '../../backends/open.js';
import { bringUp, inDependencyOrder, type UpOutcome } from '../../environment/lifecycle.js';
import { provisioningSteps } from '../../environment/provisioning.js';
import type { LoadedProfile } from '../../environment/load.js';
import { isExternal } from '../../provisioners/external.js';
import { writeJson, type CommandContext } from '../context.js';
import { withEnvironmentLock } from '../environment-lock.js';
import { environmentsFor, loadProfileFor } from '../load-profile.js';
import { machinesDocument, renderMachinesText, renderStatusText, statusDocument } from '../render-status.js';

export interface UpArgs {
  rebuild: boolean;
  provision: boolean;
  /** Machines of a `machines:` profile to boot (with what they depend on); none: all. */
  machines?: string[];
}

/** `devenv up [MACHINE…]`: the lifecycle (src/environment/lifecycle.ts) of each environment, under its lock. */
export async function run(args: UpArgs, ctx: CommandContext): Promise<number> {
  const started = performance.now();
  const profile = await loadProfileFor(ctx, { severalMachines: true });
  const environments = environmentsFor(profile, args.machines ?? [], { withDependencies: true });
  if (args.provision) {
    const { requireHostTools } = await import('../../provisioners/run.js');
    for (const environment of environments) await requireHostTools(environment);
  }
  const steps = provisioningSteps(ctx);
  const upOne = (environment: LoadedProfile): Promise<UpOutcome> =>
    withEnvironmentLock(ctx, environment, 'up', async () => bringUp(environment, await createBackend(environment, ctx), args, steps, ctx));
  if (!profile.machines) {
    const outcome = await upOne(profile);
    await report(outcome, (performance.now() - started) / 1000, ctx);
    return 0;
  }
  // Machines boot in dependency order; those that do not depend on each other boot and provision side by side.
  const outcomes = await inDependencyOrder(
    environments.map((environment) => ({ name: environment.machine!.name, dependsOn: environment.machine!.dependsOn, environment })),
    ({ environment }) => upOne(environment),
  );
  await reportMachines(profile, outcomes, (performance.now() - started) / 1000, ctx);
  return 0;
}

function outcomeFields(outcome: UpOutcome, seconds: number): Record<string, unknown> {
  return {
    action: outcome.result.action,
    provisioned: outcome.provisioned,
    ...(outcome.cache ? { cache: outcome.cache } : {}),
    ...(outcome.checklist ? { checklist: outcome.checklist.summary } : {}),
    seconds: Number(seconds.toFixed(3)),
  };
}

function doneLine(outcome: UpOutcome, name: string, seconds: number): string {
  const verb = { created: 'created', recreated: 'recreated', started: 'started', running: 'already running' }[outcome.result.action];
  const cache = outcome.cache;
  const from = cache
    ? ` from its saved image (${cache.from_stage} of ${cache.of} ${outcome.profile.provisioners.some(isExternal) ? 'stages' : 'manifests'} applied)`
    : '';
  return `${name} ${verb}${from} in ${seconds.toFixed(1)}s`;
}

async function report(outcome: UpOutcome, seconds: number, ctx: CommandContext): Promise<void> {
  if (ctx.options.format === 'json') {
    writeJson(ctx, statusDocument(outcome.result.status, outcomeFields(outcome, seconds)));
  } else if (!ctx.options.quiet) {
    ctx.progress.info(doneLine(outcome, outcome.profile.data.name, seconds));
    ctx.out(renderStatusText(outcome.result.status));
    if (outcome.checklist) {
      const { checklistSummaryLine } = await import('../../checks/render.js');
      ctx.out(`${checklistSummaryLine(outcome.checklist)}\n`);
    }
  }
}

async function reportMachines(profile: LoadedProfile, outcomes: readonly UpOutcome[], seconds: number, ctx: CommandContext): Promise<void> {
  const rows = outcomes.map((outcome) => ({
    machine: outcome.profile.machine!.name,
    status: outcome.result.status,
    extra: outcomeFields(outcome, outcome.seconds),
  }));
  if (ctx.options.format === 'json') {
    writeJson(ctx, machinesDocument(profile.data.name, rows, { seconds: Number(seconds.toFixed(3)) }));
    return;
  }
  if (ctx.options.quiet) return;
  for (const outcome of outcomes) ctx.progress.info(doneLine(outcome, outcome.profile.machine!.name, outcome.seconds));
  ctx.out(renderMachinesText(rows));
  const { checklistSummaryLine } = await import('../../checks/render.js');
  for (const outcome of outcomes) if (outcome.checklist) ctx.out(`${outcome.profile.machine!.name}: ${checklistSummaryLine(outcome.checklist)}\n`);
}
