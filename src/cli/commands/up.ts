import { createBackend } from '../../backends/open.js';
import { hashOf } from '../../core/hash.js';
import type { LoadedProfile } from '../../profile/load.js';
import type { Target } from '../../targets/target.js';
import { writeJson, type CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';
import { renderStatusText, statusDocument } from '../render-status.js';

/** Written in the guest after a successful provision; `up` re-provisions when it is missing or stale. */
export const PROVISIONED_MARKER = '/var/lib/devenv/provisioned';

/** What provisioning depends on: manifests as written, vars, and the box. */
export function provisionInputsHash(profile: LoadedProfile): string {
  return hashOf({ manifests: profile.manifests.map((m) => m.source.text), vars: profile.data.vars, box: profile.box.hash });
}

export async function run(args: { rebuild: boolean; provision: boolean }, ctx: CommandContext): Promise<number> {
  const started = performance.now();
  const profile = await loadProfileFor(ctx);
  const backend = await createBackend(profile, ctx);
  const result = await backend.up({ rebuild: args.rebuild, signal: ctx.signal });

  let provisioned: 'skipped' | 'unchanged' | 'applied' = 'skipped';
  if (args.provision && profile.manifests.length > 0) {
    const target = await backend.target();
    try {
      provisioned = await provisionIfStale(profile, target, ctx);
    } finally {
      await target.close();
    }
  }

  const seconds = (performance.now() - started) / 1000;
  if (ctx.options.format === 'json') {
    writeJson(ctx, statusDocument(result.status, { action: result.action, provisioned, seconds: Number(seconds.toFixed(3)) }));
  } else if (!ctx.options.quiet) {
    const verb = { created: 'created', recreated: 'recreated', started: 'started', running: 'already running' }[result.action];
    ctx.progress.info(`${profile.data.name} ${verb} in ${seconds.toFixed(1)}s`);
    ctx.out(renderStatusText(result.status));
  }
  return 0;
}

async function provisionIfStale(profile: LoadedProfile, target: Target, ctx: CommandContext): Promise<'unchanged' | 'applied'> {
  const wanted = provisionInputsHash(profile);
  const marker = await target.exec(['cat', PROVISIONED_MARKER]);
  if (marker.exitCode === 0 && marker.stdout.trim() === wanted) return 'unchanged';
  const { provisionEnvironment } = await import('../../manifest/provision.js');
  const report = await provisionEnvironment(profile, target, ctx.progress, { signal: ctx.signal });
  if (report.summary.failed > 0) return 'applied';
  await target.exec(['mkdir', '-p', '/var/lib/devenv']);
  await target.copy(`${wanted}\n`, PROVISIONED_MARKER, { mode: '0644' });
  return 'applied';
}
