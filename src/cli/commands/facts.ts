import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import { collectFromHosts } from '../../environment/collect-many.js';
import { collectFromTarget } from '../../environment/fact-sources.js';
import { expandHostSpecs } from '../../facts/host-list.js';
import { factsFileNames } from '../../facts/facts-file-names.js';
import { displayPath } from '../../profile/yaml-source.js';
import type { CommandContext } from '../context.js';
import { loadOptionalProfile } from '../load-profile.js';

export interface FactsArgs {
  /**
   * env (default) | ssh://user@host[:port] | FILE (devenv, Facter or Ansible facts: converted);
   * repeatable and comma-separated, or an inventory FILE: several hosts need -o DIR.
   */
  target?: string | string[];
  /** Write the document here instead of stdout; with several hosts, a folder of one file per host. */
  output?: string;
}

/** `devenv facts [--target env|ssh://user@host[:port]|FILE] [-o FILE]`: one devenv.facts/v1 document. */
export async function run(args: FactsArgs, ctx: CommandContext): Promise<number> {
  const given = args.target === undefined ? [] : Array.isArray(args.target) ? args.target : [args.target];
  if (given.length > 1 || given.some((t) => t.includes(','))) return runMany(given, args.output, ctx);
  const spec = given[0] ?? 'env';
  if (spec !== 'env' && !spec.startsWith('ssh://') && (await isInventoryFile(spec))) return runMany(given, args.output, ctx);
  const profile = await loadOptionalProfile(ctx, spec === 'env');
  const facts = await collectFromTarget(spec, profile, ctx);
  for (const [section, reason] of Object.entries(facts.errors)) ctx.progress.warn(`${section}: ${reason}`);
  const document = `${JSON.stringify(facts, null, 2)}\n`;
  if (args.output) {
    const path = resolve(args.output);
    await writeFile(path, document, { mode: 0o644 });
    ctx.progress.info(`facts written to ${displayPath(path)}`);
  } else {
    ctx.out(document);
  }
  return ExitCode.ok;
}

/** An existing file that is not JSON: an inventory of hosts rather than a facts file. */
async function isInventoryFile(spec: string): Promise<boolean> {
  const path = resolve(spec);
  if (
    !(await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    return false;
  return !/^\uFEFF?\s*\{/.test(await readFile(path, 'utf8'));
}

/** Facts of several hosts, collected in parallel, one file per host in the folder -o names; 4 when a host failed (the others are written). */
async function runMany(given: string[], output: string | undefined, ctx: CommandContext): Promise<number> {
  if (!output) throw new UsageError('facts of several hosts need -o DIR (one file per host is written there)');
  const entries = await expandHostSpecs(given);
  const profile = await loadOptionalProfile(
    ctx,
    entries.some((e) => e.spec === 'env'),
  );
  const dir = resolve(output);
  if (
    await stat(dir).then(
      (s) => !s.isDirectory(),
      () => false,
    )
  )
    throw new UsageError(`${displayPath(dir)} is a file; with several hosts -o names a folder`);
  const collected = await collectFromHosts(entries, profile, ctx);
  await mkdir(dir, { recursive: true });
  const names = factsFileNames(collected.map((c) => c.spec));
  let failed = 0;
  for (const [index, host] of collected.entries()) {
    if ('error' in host) {
      failed++;
      continue;
    }
    for (const [section, reason] of Object.entries(host.facts.errors)) ctx.progress.warn(`${host.host}: ${section}: ${reason}`);
    const path = resolve(dir, names[index]!);
    await writeFile(path, `${JSON.stringify(host.facts, null, 2)}\n`, { mode: 0o644 });
    ctx.progress.info(`${host.host}: facts written to ${displayPath(path)}`);
  }
  return failed > 0 ? ExitCode.failed : ExitCode.ok;
}
