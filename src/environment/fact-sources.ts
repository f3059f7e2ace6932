import { randomBytes } from 'node:crypto';
import { collectFacts } from '../facts/collect.js';
import { loadFingerprintKey } from '../facts/fingerprint-key.js';
import type { Facts } from '../facts/schema.js';
import { openTargetSpec, type SourceContext } from '../facts/target-spec.js';
import type { LoadedProfile } from './load.js';
import { collectPathsFor } from './profile-declares.js';

/**
 * The facts of one source as written on the command line (`env`, `ssh://…` or a
 * FILE), with the profile's paths and key; one exec round trip for a live target.
 * `devenv facts`, `check`, `parity` and `init --from` all read facts this way.
 */
export async function collectFromTarget(spec: string, profile: LoadedProfile | undefined, ctx: SourceContext): Promise<Facts> {
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
