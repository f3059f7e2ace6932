import { createBackend } from '../../backends/open.js';
import { OperationError } from '../../core/errors.js';
import { provisionInputsHash, readProvisionedMarker, writeProvisionedMarker } from '../../manifest/inputs.js';
import type { CheckReport } from '../../checks/types.js';
import type { LoadedProfile } from '../../profile/load.js';
import type { Target } from '../../targets/target.js';
import { writeJson, type CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';
import { renderStatusText, statusDocument } from '../render-status.js';

export async function run(args: { rebuild: boolean; provision: boolean }, ctx: CommandContext): Promise<number> {
  const started = performance.now();
  const profile = await loadProfileFor(ctx);
  const backend = await createBackend(profile, ctx);
  const result = await backend.up({ rebuild: args.rebuild, signal: ctx.signal });

  let provisioned: 'skipped' | 'unchanged' | 'applied' = 'skipped';
  let checklist: CheckReport | undefined;
  if (args.provision && profile.manifests.length > 0) {
    const target = await backend.target();
    try {
      provisioned = await provisionIfStale(profile, target, ctx);
      // Only when something changed: a warm `up` of an unchanged environment stays fast.
      if (result.action !== 'running' || provisioned === 'applied') {
        const { environmentChecklist } = await import('./check.js');
        checklist = await ctx.progress.step('checklist', () => environmentChecklist(profile, target));
      }
    } finally {
      await target.close();
    }
  }

  const seconds = (performance.now() - started) / 1000;
  if (ctx.options.format === 'json') {
    writeJson(ctx, statusDocument(result.status, { action: result.action, provisioned, ...(checklist ? { checklist: checklist.summary } : {}), seconds: Number(seconds.toFixed(3)) }));
  } else if (!ctx.options.quiet) {
    const verb = { created: 'created', recreated: 'recreated', started: 'started', running: 'already running' }[result.action];
    ctx.progress.info(`${profile.data.name} ${verb} in ${seconds.toFixed(1)}s`);
    ctx.out(renderStatusText(result.status));
    if (checklist) {
      const { checklistSummaryLine } = await import('../../checks/render.js');
      ctx.out(`${checklistSummaryLine(checklist)}\n`);
    }
  }
  return 0;
}

async function provisionIfStale(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<'unchanged' | 'applied'> {
  // The marker makes an interrupted or failed provision visible: the next `up` finishes it.
  const wanted = provisionInputsHash(profile);
  if ((await readProvisionedMarker(target)) === wanted) return 'unchanged';
  const { provisionEnvironment } = await import('../../manifest/provision.js');
  const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal });
  if (report.summary.failed > 0 || report.summary.skipped > 0) {
    throw new OperationError(`provisioning ${profile.data.name} failed: ${report.summary.failed} failed, ${report.summary.skipped} skipped`, {
      hint: 'see `devenv provision` for the report; `devenv up` tries again',
    });
  }
  await writeProvisionedMarker(target, wanted);
  return 'applied';
}
