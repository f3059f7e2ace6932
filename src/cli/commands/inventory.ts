import { ExitCode, UsageError } from '../../core/errors.js';
import { collectFromHosts } from '../../environment/collect-many.js';
import { expandHostSpecs, type HostEntry } from '../../facts/host-list.js';
import { productionSpec } from '../../facts/target-spec.js';
import { buildInventory } from '../../inventory/inventory.js';
import { renderInventoryJson, renderInventoryMarkdown, renderInventoryText } from '../../inventory/render.js';
import type { CommandContext } from '../context.js';
import { loadOptionalProfile } from '../load-profile.js';

export interface InventoryArgs {
  /** ssh://user@host[:port], facts FILEs, INVENTORY files; none: the profile's production. */
  hosts: string[];
  /** Only this package. */
  package?: string;
}

/** `devenv inventory [HOSTS…|FACTS…] [--package NAME]`: which version of each package runs where, and who lags. */
export async function run(args: InventoryArgs, ctx: CommandContext): Promise<number> {
  if (ctx.options.format === 'junit') throw new UsageError('inventory has no JUnit output (use text, json or markdown)');
  if (args.package !== undefined && !/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(args.package)) throw new UsageError(`"${args.package}" is not a package name`);
  const explicit = args.hosts.length > 0 ? await expandHostSpecs(args.hosts) : [];
  const wantsEnvironment = explicit.some((e) => e.spec === 'env');
  const profile = await loadOptionalProfile(ctx, wantsEnvironment, { severalMachines: true });
  if (profile?.machines && wantsEnvironment) throw new UsageError('with machines: in the profile, "env" is not one environment: name the hosts');
  let entries: HostEntry[] = explicit;
  if (entries.length === 0) {
    // With machines:, every machine's production.
    const production = (profile?.machines ?? (profile ? [profile] : [])).flatMap((each) => productionSpec(each) ?? []);
    if (production.length === 0)
      throw new UsageError('name the hosts: ssh://user@host[:port], facts files or an inventory file (or run it beside a profile with production:)');
    entries = production.map((spec) => ({ spec, from: profile!.file }));
  }
  const collected = await collectFromHosts(entries, profile, ctx);
  const failed = collected.flatMap((c) => ('error' in c ? [{ host: c.host, error: c.error.message }] : []));
  const hosts = collected.flatMap((c) => ('facts' in c ? [{ host: c.host, facts: c.facts }] : []));
  const doc = buildInventory(hosts, { failed, ...(args.package !== undefined ? { package: args.package } : {}) });
  const options = { verbose: ctx.options.verbose, ...(args.package !== undefined ? { package: args.package } : {}) };
  if (ctx.options.format === 'json') ctx.out(renderInventoryJson(doc));
  else if (ctx.options.format === 'markdown') ctx.out(renderInventoryMarkdown(doc, options));
  else ctx.out(renderInventoryText(doc, options));
  // A host that could not be collected makes the inventory incomplete: said above as a warning, and exit 4.
  return failed.length > 0 ? ExitCode.failed : ExitCode.ok;
}
