import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openEnvironmentTarget } from '../../backends/open.js';
import { declaredStateFromManifests } from '../../checks/declared.js';
import { checkInputFrom, checklistCollectPaths, sameSshDestination, type ProductionSide } from '../../checks/input.js';
import { renderCheckJson, renderCheckJunit, renderCheckMarkdown, renderCheckText } from '../../checks/render.js';
import { parseOnlyIds, runChecklist } from '../../checks/runner.js';
import type { CheckId } from '../../checks/ids.js';
import type { CheckReport } from '../../checks/types.js';
import { ExitCode, UsageError, errorMessage } from '../../core/errors.js';
import { collectFacts, type CollectInput } from '../../facts/collect.js';
import { FactsSchema, type Facts } from '../../facts/schema.js';
import { compareFacts } from '../../parity/compare.js';
import type { LoadedProfile } from '../../profile/load.js';
import { SshTarget } from '../../targets/ssh-target.js';
import type { Target } from '../../targets/target.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';

export interface CheckArgs {
  /** env (default) | ssh://user@host[:port] | FILE with devenv.facts/v1. */
  target?: string;
  only?: string[];
}

/** Checks that need production; without them in --only, production is not contacted at all. */
const PRODUCTION_CHECKS: readonly CheckId[] = ['distinct-credentials', 'staging-parity'];

type TargetSpec = { kind: 'env' } | { kind: 'ssh'; destination: string } | { kind: 'file'; path: string };

function parseTargetSpec(spec: string): TargetSpec {
  if (spec === 'env') return { kind: 'env' };
  if (spec.startsWith('ssh://')) return { kind: 'ssh', destination: spec };
  return { kind: 'file', path: resolve(spec) };
}

async function readFactsFile(path: string): Promise<Facts> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the facts file ${path}: ${errorMessage(error)}`, { hint: 'give --target env, ssh://user@host[:port], or a file written by `devenv facts -o FILE`' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${errorMessage(error)}`);
  }
  const parsed = FactsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${path} is not devenv.facts/v1${issue ? ` (${issue.path.join('.') || 'document'}: ${issue.message})` : ''}`);
  }
  return parsed.data;
}

function sshTarget(destination: string, ctx: CommandContext, overrides: { identity?: string | undefined; sudo?: boolean } = {}): SshTarget {
  return new SshTarget(destination, {
    ...((overrides.identity ?? ctx.options.identity) !== undefined ? { identity: (overrides.identity ?? ctx.options.identity)! } : {}),
    sudo: overrides.sudo ?? ctx.options.sudo,
    acceptNewHostKey: ctx.options.acceptNewHostKey,
  });
}

async function collectFrom(target: Target, input: CollectInput, ctx: CommandContext): Promise<Facts> {
  try {
    return await ctx.progress.step(`collecting facts from ${target.describe().name}`, () => collectFacts(target, input));
  } finally {
    await target.close();
  }
}

/** Facts of the target under check. */
async function targetFacts(spec: TargetSpec, profile: LoadedProfile, input: CollectInput, ctx: CommandContext): Promise<Facts> {
  if (spec.kind === 'file') return readFactsFile(spec.path);
  const target = spec.kind === 'env' ? await openEnvironmentTarget(profile, ctx) : sshTarget(spec.destination, ctx);
  return collectFrom(target, input, ctx);
}

/**
 * Production's facts and the parity against them. Failing to reach production
 * does not abort the checklist: the two checks that need it say why they could not judge.
 */
async function productionSide(spec: TargetSpec, profile: LoadedProfile, facts: Facts, input: CollectInput, ctx: CommandContext): Promise<ProductionSide> {
  const production = profile.data.production;
  if (!production) return { unavailable: 'the profile has no production: block to compare with' };
  const productionFile = production.facts !== undefined ? resolve(profile.dir, production.facts) : undefined;
  if ((spec.kind === 'ssh' && production.ssh !== undefined && sameSshDestination(spec.destination, production.ssh)) || (spec.kind === 'file' && spec.path === productionFile)) {
    return { unavailable: 'the target is production itself, so there is nothing to compare it with' };
  }
  let productionFacts: Facts;
  let fingerprintsNotComparable: string | undefined;
  try {
    if (productionFile !== undefined) {
      productionFacts = await readFactsFile(productionFile);
      fingerprintsNotComparable = `production facts come from ${production.facts}, fingerprinted in another run with another key`;
    } else {
      // SshTarget expands ~ itself; other relative paths are relative to the profile, like every path in it.
      const identity = production.identity === undefined || production.identity.startsWith('~') ? production.identity : resolve(profile.dir, production.identity);
      const target = sshTarget(production.ssh!, ctx, { identity, sudo: production.sudo || ctx.options.sudo });
      productionFacts = await collectFrom(target, input, ctx);
    }
  } catch (error) {
    ctx.progress.warn(`production facts could not be collected: ${errorMessage(error)}`);
    return { unavailable: `production facts could not be collected (${errorMessage(error)})` };
  }
  if (spec.kind === 'file') fingerprintsNotComparable ??= 'the target\'s facts come from a file, fingerprinted in another run with another key';
  const declaredNames = (type: string): string[] => profile.manifests.flatMap((manifest) => Object.keys(manifest.resources[type] ?? {}));
  const appUser = profile.data.checklist.app_user;
  const parity = compareFacts(productionFacts, facts, {
    ignore: profile.data.parity.ignore,
    declaredUsers: [...new Set([...declaredNames('user'), ...(appUser ? [appUser] : [])])],
    declaredGroups: [...new Set(declaredNames('group'))],
    secretPaths: input.secretPaths,
    managedPaths: input.managedPaths,
  });
  return { facts: productionFacts, parity, ...(fingerprintsNotComparable !== undefined ? { fingerprintsNotComparable } : {}) };
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
  const profile = await loadProfileFor(ctx);
  const spec = parseTargetSpec(args.target ?? 'env');
  const declared = declaredStateFromManifests(profile.manifests);
  const collectInput: CollectInput = {
    ...checklistCollectPaths(profile.data, declared.filePaths),
    // One key for both sides of this run: fingerprints compare within the run and mean nothing outside it.
    fingerprintKey: randomBytes(32).toString('hex'),
  };
  const facts = await targetFacts(spec, profile, collectInput, ctx);
  const needsProduction = only.length === 0 || only.some((id) => PRODUCTION_CHECKS.includes(id));
  const production = needsProduction ? await productionSide(spec, profile, facts, collectInput, ctx) : {};
  const report = runChecklist(checkInputFrom(profile.data, declared, facts, production), { only });
  ctx.out(render(report, ctx));
  return report.summary.fail > 0 ? ExitCode.findings : ExitCode.ok;
}
