import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { collectFacts } from '../../facts/collect.js';
import { collectPathsFor } from '../../environment/profile-declares.js';
import { loadFingerprintKey } from '../../facts/fingerprint-key.js';
import type { Facts } from '../../facts/schema.js';
import { openTargetSpec } from '../../facts/target-spec.js';
import type { LoadedProfile } from '../../profile/load.js';
import { displayPath } from '../../profile/yaml-source.js';
import type { CommandContext } from '../context.js';
import { loadOptionalProfile } from '../load-profile.js';

export interface FactsArgs {
  /** env (default) | ssh://user@host[:port] | FILE (devenv, Facter or Ansible facts: converted). */
  target?: string;
  /** Write the document here instead of stdout. */
  output?: string;
}


/** Facts from a live target, with the profile's paths and key; one exec round-trip. */
export async function collectFromTarget(spec: string, profile: LoadedProfile | undefined, ctx: CommandContext): Promise<Facts> {
  const opened = await openTargetSpec(spec, ctx, profile);
  if (opened.kind === 'facts') return opened.facts;
  const { target } = opened;
  try {
    // Without a profile there is no project key: a throwaway one still hides values, but its fingerprints match nothing.
    const fingerprintKey = profile ? await loadFingerprintKey(profile.dir) : randomBytes(32).toString('hex');
    return await ctx.progress.step(`collecting facts from ${target.describe().name}`, () =>
      collectFacts(target, { ...collectPathsFor(profile), fingerprintKey }),
    );
  } finally {
    await target.close();
  }
}

/** `devenv facts [--target env|ssh://user@host[:port]|FILE] [-o FILE]`: one devenv.facts/v1 document. */
export async function run(args: FactsArgs, ctx: CommandContext): Promise<number> {
  const spec = args.target ?? 'env';
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
