import { ExitCode, UsageError } from '../../core/errors.js';
import { collectPathsFor, declaredAccountsFor } from '../../environment/profile-declares.js';
import { productionSpec } from '../../facts/target-spec.js';
import { compareFacts, hasDriftAtOrAbove } from '../../parity/compare.js';
import { parityDocument, renderJson, renderJunit, renderMarkdown, renderText } from '../../parity/render.js';
import type { Severity } from '../../parity/severity.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';
import { collectFromTarget } from './facts.js';

export interface ParityArgs {
  /** FILE or ssh://user@host[:port]; default: the profile's production. */
  against?: string;
  /** Exit 1 on drift at or above this severity (default error). */
  failOn?: 'error' | 'warning';
}

/** `devenv parity [--against FILE|ssh://…] [--fail-on error|warning]`: the environment against production. */
export async function run(args: ParityArgs, ctx: CommandContext): Promise<number> {
  const failOn: Severity = args.failOn ?? 'error';
  if (failOn !== 'error' && failOn !== 'warning') throw new UsageError(`--fail-on takes error or warning, not ${String(failOn)}`);
  const profile = await loadProfileFor(ctx);
  const referenceSpec = args.against ?? productionSpec(profile);
  if (!referenceSpec) {
    throw new UsageError('nothing to compare with: the profile has no production block', {
      hint: 'add production: { ssh: user@host } or production: { facts: FILE } to the profile, or pass --against',
    });
  }
  if (referenceSpec === 'env') throw new UsageError('--against env would compare the environment with itself');
  const reference = await collectFromTarget(referenceSpec, profile, ctx);
  const actual = await collectFromTarget('env', profile, ctx);
  const started = performance.now();
  const result = compareFacts(reference, actual, {
    ignore: profile.data.parity.ignore,
    ...declaredAccountsFor(profile),
    ...collectPathsFor(profile),
  });
  ctx.progress.debug(`compared in ${(performance.now() - started).toFixed(1)} ms`);
  const doc = parityDocument(reference, actual, result);
  switch (ctx.options.format) {
    case 'json':
      ctx.out(renderJson(doc));
      break;
    case 'junit':
      ctx.out(renderJunit(doc, failOn));
      break;
    case 'markdown':
      ctx.out(renderMarkdown(doc));
      break;
    case 'text':
      ctx.out(renderText(doc, { verbose: ctx.options.verbose, color: ctx.options.color && ctx.interactive }));
      break;
  }
  return hasDriftAtOrAbove(result, failOn) ? ExitCode.findings : ExitCode.ok;
}
