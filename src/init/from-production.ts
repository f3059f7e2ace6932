import { relative } from 'node:path';
import { listBundledBoxNames } from '../box/definition.js';
import type { CommandContext } from '../cli/context.js';
import { UsageError } from '../core/errors.js';
import { collectFacts } from '../facts/collect.js';
import { loadFingerprintKey } from '../facts/fingerprint-key.js';
import { openTargetSpec } from '../facts/target-spec.js';
import type { Facts } from '../facts/schema.js';
import type { Target } from '../targets/target.js';
import { profileNameFor } from './detect.js';
import { filesFromFacts } from './from-facts.js';
import type { ScaffoldFile } from './scaffold.js';

/** Files whose content is worth copying into the project (config, units), not logs or binaries. */
const COPYABLE = /^\/etc\//;
const MAX_COPY_BYTES = 256 * 1024;

/**
 * Reads many files in one round trip: each is printed base64-encoded after a
 * marker line. Paths are positional parameters, never part of the script.
 */
export async function readRemoteFiles(target: Target, paths: string[]): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  if (paths.length === 0) return contents;
  const script = 'for f in "$@"; do [ -f "$f" ] && [ -r "$f" ] || continue; printf "@@devenv-file %s\\n" "$f"; base64 -w0 < "$f"; printf "\\n"; done';
  const result = await target.exec(['sh', '-c', script, 'devenv-read', ...paths], { user: 'root', timeout: 60_000 });
  const lines = result.stdout.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const marker = /^@@devenv-file (.+)$/.exec(lines[i]!);
    if (marker) contents.set(marker[1]!, Buffer.from(lines[i + 1] ?? '', 'base64').toString('utf8'));
  }
  return contents;
}

export async function filesFromProduction(
  source: string,
  options: { name?: string; ctx: CommandContext; projectDir: string },
): Promise<ScaffoldFile[]> {
  const { ctx, projectDir } = options;
  const name = options.name ?? profileNameFor(projectDir);
  const opened = await openTargetSpec(source, ctx);
  let facts: Facts;
  let contents = new Map<string, string>();
  let production: { ssh: string } | { facts: string };
  if (opened.kind === 'facts') {
    facts = opened.facts;
    production = { facts: relative(projectDir, opened.path) || opened.path };
    ctx.progress.warn('facts files carry checksums, not contents: config files are listed in the manifests only when read over ssh://');
  } else {
    if (source === 'env') throw new UsageError('init --from takes production: a facts FILE or ssh://user@host[:port]');
    const target = opened.target;
    try {
      facts = await ctx.progress.step(`collect facts from ${target.describe().name}`, async () =>
        collectFacts(target, { managedPaths: [], secretPaths: [], fingerprintKey: await loadFingerprintKey(projectDir) }),
      );
      const wanted = Object.entries(facts.files ?? {})
        .filter(([path, meta]) => meta.type === 'file' && COPYABLE.test(path) && (meta.size ?? 0) <= MAX_COPY_BYTES)
        .map(([path]) => path);
      contents = await ctx.progress.step(`read ${wanted.length} config files`, () => readRemoteFiles(target, wanted));
    } finally {
      await target.close();
    }
    production = { ssh: source };
  }
  try {
    return filesFromFacts(facts, { name, boxes: listBundledBoxNames(), production, contents });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
