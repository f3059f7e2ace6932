import { randomBytes } from 'node:crypto';
import { DevenvError, errorMessage } from '../core/errors.js';
import type { LoadedProfile } from './load.js';
import { collectFacts } from '../facts/collect.js';
import { collectPathsFor } from './profile-declares.js';
import { loadFingerprintKey } from '../facts/fingerprint-key.js';
import { hostLabel, type HostEntry } from '../facts/host-list.js';
import type { Facts } from '../facts/schema.js';
import { openTargetSpec, type SourceContext } from '../facts/target-spec.js';

/** One host's facts, or why there are none; a failing host never stops the others. */
export type HostCollection =
  { host: string; spec: string; seconds: number; facts: Facts } | { host: string; spec: string; seconds: number; error: DevenvError | Error };

/**
 * Facts of many hosts at once: every live host over its own SSH connection
 * (one collector round trip each), all in parallel, files read as they are.
 * Results come back in the order the hosts were given.
 */
export async function collectFromHosts(
  entries: readonly HostEntry[],
  profile: LoadedProfile | undefined,
  ctx: SourceContext,
  options: { title?: string } = {},
): Promise<HostCollection[]> {
  // Without a profile there is no project key: a throwaway one still hides values, but its fingerprints match nothing.
  const fingerprintKey = profile ? await loadFingerprintKey(profile.dir) : randomBytes(32).toString('hex');
  const input = { ...collectPathsFor(profile), fingerprintKey };
  let done = 0;
  return ctx.progress.step(options.title ?? `collecting facts from ${entries.length} hosts`, (update) =>
    Promise.all(
      entries.map(async (entry): Promise<HostCollection> => {
        const host = entry.spec === 'env' ? 'the environment' : hostLabel(entry.spec);
        const started = performance.now();
        const seconds = (): number => Math.round(performance.now() - started) / 1000;
        try {
          const opened = await openTargetSpec(entry.spec, ctx, profile);
          let facts: Facts;
          if (opened.kind === 'facts') facts = opened.facts;
          else {
            try {
              facts = await collectFacts(opened.target, input);
            } finally {
              await opened.target.close();
            }
          }
          update(`${++done}/${entries.length}: ${host} (${seconds().toFixed(1)}s)`);
          ctx.progress.debug(`${host}: facts in ${seconds().toFixed(2)}s`);
          return { host, spec: entry.spec, seconds: seconds(), facts };
        } catch (error) {
          update(`${++done}/${entries.length}: ${host} failed`);
          ctx.progress.warn(`${host}: ${errorMessage(error)}`);
          return { host, spec: entry.spec, seconds: seconds(), error: error instanceof Error ? error : new Error(String(error)) };
        }
      }),
    ),
  );
}
