import { ExitCode, UsageError } from '../../core/errors.js';
import { collectFromHosts } from '../../environment/collect-many.js';
import { collectFromTarget } from '../../environment/fact-sources.js';
import { collectPathsFor, declaredAccountsFor } from '../../environment/profile-declares.js';
import { expandHostSpecs, type HostEntry } from '../../facts/host-list.js';
import { productionSpec } from '../../facts/target-spec.js';
import { compareFacts, hasDriftAtOrAbove, type CompareOptions } from '../../parity/compare.js';
import { fleetExitCode, fleetParity, machinesParity, type FleetReference, type MachineReference } from '../../parity/fleet.js';
import { renderFleetJson, renderFleetJunit, renderFleetMarkdown, renderFleetText } from '../../parity/fleet-render.js';
import { parityDocument, renderJson, renderJunit, renderMarkdown, renderText } from '../../parity/render.js';
import type { Severity } from '../../parity/severity.js';
import type { LoadedProfile } from '../../environment/load.js';
import type { CommandContext } from '../context.js';
import { loadProfileFor } from '../load-profile.js';

export interface ParityArgs {
  /**
   * FILE or ssh://user@host[:port], repeatable and comma-separated, or an
   * inventory FILE; default: the profile's production. More than one host is a fleet run.
   */
  against?: string | string[];
  /** Exit 1 on drift at or above this severity (default error). */
  failOn?: 'error' | 'warning';
}

function compareOptionsFor(profile: LoadedProfile): CompareOptions {
  return { ignore: profile.data.parity.ignore, ...declaredAccountsFor(profile), ...collectPathsFor(profile) };
}

/** `devenv parity [--against FILE|ssh://…|INVENTORY]… [--fail-on error|warning]`: the environment against production. */
export async function run(args: ParityArgs, ctx: CommandContext): Promise<number> {
  const failOn: Severity = args.failOn ?? 'error';
  if (failOn !== 'error' && failOn !== 'warning') throw new UsageError(`--fail-on takes error or warning, not ${String(failOn)}`);
  const profile = await loadProfileFor(ctx, { severalMachines: true });
  const given = args.against === undefined ? [] : Array.isArray(args.against) ? args.against : [args.against];
  if (profile.machines) return runMachines(given, profile, failOn, ctx);
  const fromProfile = productionSpec(profile);
  if (given.length === 0 && !fromProfile) {
    throw new UsageError('nothing to compare with: the profile has no production block', {
      hint: 'add production: { ssh: user@host } or production: { facts: FILE } to the profile, or pass --against',
    });
  }
  const references: HostEntry[] = given.length > 0 ? await expandHostSpecs(given) : [{ spec: fromProfile!, from: profile.file }];
  if (references.some((r) => r.spec === 'env')) throw new UsageError('--against env would compare the environment with itself');
  if (references.length > 1) return runFleet(references, profile, failOn, ctx);

  const reference = await collectFromTarget(references[0]!.spec, profile, ctx);
  const actual = await collectFromTarget('env', profile, ctx);
  const started = performance.now();
  const result = compareFacts(reference, actual, compareOptionsFor(profile));
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

/** Several production hosts: the environment and every host collected at once (one SSH connection each), one report per host and a summary. */
async function runFleet(references: HostEntry[], profile: LoadedProfile, failOn: Severity, ctx: CommandContext): Promise<number> {
  const [environment, ...hosts] = await collectFromHosts([{ spec: 'env', from: 'the command line' }, ...references], profile, ctx, {
    title: `collecting facts from the environment and ${references.length} production hosts`,
  });
  if ('error' in environment!) throw environment.error;
  const fleet: FleetReference[] = hosts.map((h) =>
    'error' in h ? { host: h.host, seconds: h.seconds, error: h.error.message } : { host: h.host, seconds: h.seconds, facts: h.facts },
  );
  const doc = fleetParity(fleet, environment!.facts, compareOptionsFor(profile), failOn);
  return writeFleetReport(doc, ctx);
}

/**
 * A `machines:` profile: each machine against its own production, every machine
 * and host collected at once, reported per machine in one fleet document.
 */
async function runMachines(given: readonly string[], profile: LoadedProfile, failOn: Severity, ctx: CommandContext): Promise<number> {
  if (given.length > 0) {
    throw new UsageError('with machines:, parity compares each machine with its own production: leave --against out', {
      hint: 'write production: in each machine of the profile',
    });
  }
  const compared = profile.machines!.filter((machine) => productionSpec(machine) !== undefined);
  for (const machine of profile.machines!) if (!compared.includes(machine)) ctx.progress.warn(`${machine.machine!.name}: no production block, not compared`);
  if (compared.length === 0) {
    throw new UsageError('nothing to compare with: no machine of the profile has a production block', {
      hint: 'add production: { ssh: user@host } or production: { facts: FILE } to a machine',
    });
  }
  const collected = await Promise.all(
    compared.map(async (machine): Promise<MachineReference> => {
      const name = machine.machine!.name;
      const [environment, production] = await collectFromHosts(
        [
          { spec: 'env', from: 'the command line' },
          { spec: productionSpec(machine)!, from: profile.file },
        ],
        machine,
        ctx,
        {
          title: `collecting facts from ${name} and its production`,
        },
      );
      const base = { machine: name, host: production!.host, seconds: production!.seconds, options: compareOptionsFor(machine) };
      if ('error' in environment!) return { ...base, error: `the environment: ${environment.error.message}` };
      if ('error' in production!) return { ...base, error: production.error.message };
      return { ...base, facts: production!.facts, actual: environment!.facts };
    }),
  );
  const doc = machinesParity(profile.data.name, collected, failOn, new Date().toISOString());
  return writeFleetReport(doc, ctx);
}

/** One fleet document in the chosen format; its exit code. */
function writeFleetReport(doc: Parameters<typeof renderFleetJson>[0], ctx: CommandContext): number {
  switch (ctx.options.format) {
    case 'json':
      ctx.out(renderFleetJson(doc));
      break;
    case 'junit':
      ctx.out(renderFleetJunit(doc));
      break;
    case 'markdown':
      ctx.out(renderFleetMarkdown(doc));
      break;
    case 'text':
      ctx.out(renderFleetText(doc, { verbose: ctx.options.verbose, color: ctx.options.color && ctx.interactive }));
      break;
  }
  return fleetExitCode(doc);
}
