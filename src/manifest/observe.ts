import { createHash } from 'node:crypto';
import { OperationError } from '../core/errors.js';
import { execBatch, type BatchQuery } from '../targets/exec-batch.js';
import type { Target } from '../targets/target.js';
import type { Catalog } from './catalog.js';
import type { ObservedFile, ObservedFileKind, ObservedState } from './observed-state.js';
import { emptyObservedState } from './observed-state.js';
import { PROVISIONED_MARKER } from './provisioned-marker.js';
import { PENDING_REFRESH_PATH, parsePendingRefresh } from './pending-refresh.js';
import type { ObservationQuery } from './provider.js';
import { allProviders, providerFor } from './providers.js';
import type { Resource } from './resource.js';
import { parseTemplateFacts, TEMPLATE_FACTS_SCRIPT } from './template-facts.js';

/** Regular files bigger than this are compared by hash only; their diff says so. */
const MAX_CONTENT_BYTES = 512 * 1024;

export interface ObserveOptions {
  /** Run `apt-get update` once when a wanted package or pinned version is not in the local lists. Default true. */
  updateAptLists?: boolean;
  /** Look packages up in the apt lists in the first round trip when the target was never provisioned. Default true. */
  earlyAvailability?: boolean;
  /** Also read the few host facts templates use (state.templateFacts), in the same round trip. */
  templateFacts?: boolean;
  onStep?: (detail: string) => void;
}

/**
 * Reads the current state of everything the catalog manages in one round trip
 * (one batched command: packages, files, accounts, services, python
 * environments, template facts), never one command per resource: each provider
 * names its queries (src/manifest/provider.ts), and a query several types read
 * runs once. A second round trip only when a provider must look further (apt in
 * its lists, an exec's guard). Every manifest value travels as a positional
 * argument of a fixed script.
 */
export async function observe(target: Target, catalog: Catalog, options: ObserveOptions = {}): Promise<ObservedState> {
  const state = emptyObservedState();
  const step = options.onStep ?? (() => {});
  const providers = allProviders();
  const ofType = (type: string): Resource[] => catalog.ordered.filter((r) => r.type === type);

  // The shared stat pass: every path a provider names, in catalog order; content is read if any asks.
  const paths = new Map<string, boolean>();
  for (const r of catalog.ordered) {
    for (const entry of providerFor(r.type).observe?.paths?.(r) ?? []) {
      paths.set(entry.path, (paths.get(entry.path) ?? false) || entry.readContent);
    }
  }
  // devenv's own records on the target travel with the managed files.
  paths.set(PENDING_REFRESH_PATH, true);
  paths.set(PROVISIONED_MARKER, true);
  const statEntries: StatEntry[] = [...paths.entries()].map(([path, readContent]) => ({ path, readContent }));

  // Each query once, over the resources of every type that names it, in catalog order.
  const named = new Map<string, { query: ObservationQuery; types: Set<string> }>();
  for (const provider of providers) {
    if (!catalog.ordered.some((r) => r.type === provider.type)) continue;
    for (const query of provider.observe?.queries ?? []) {
      const entry = named.get(query.key) ?? { query, types: new Set<string>() };
      entry.types.add(provider.type);
      named.set(query.key, entry);
    }
  }
  const queries: Record<string, BatchQuery> = { files: statQuery(statEntries) };
  const readers: { query: ObservationQuery; resources: Resource[] }[] = [];
  for (const { query, types } of named.values()) {
    const resources = catalog.ordered.filter((r) => types.has(r.type));
    const built = query.build(resources, {
      provisionedMarker: PROVISIONED_MARKER,
      ...(options.earlyAvailability !== undefined ? { earlyAvailability: options.earlyAvailability } : {}),
    });
    if (!built) continue;
    queries[query.key] = built;
    readers.push({ query, resources });
  }
  if (options.templateFacts) queries.facts = { script: TEMPLATE_FACTS_SCRIPT };
  step(Object.keys(queries).join(', '));
  const answers = await execBatch(target, queries, { user: 'root' });
  const answer = (name: string, what: string, okCodes: readonly number[] = [0]): string => {
    const got = answers[name]!;
    if (!okCodes.includes(got.exitCode)) {
      const detail = lastLine(got.stderr);
      throw new OperationError(`${what} failed on ${target.describe().name} (exit ${got.exitCode})${detail ? `: ${detail}` : ''}`);
    }
    return got.stdout;
  };

  state.files = parseStatOutput(answer('files', 'reading managed files'), statEntries);
  const pending = state.files[PENDING_REFRESH_PATH];
  state.pendingRefreshes = pending?.content !== undefined ? parsePendingRefresh(pending.content) : [];
  const marker = state.files[PROVISIONED_MARKER]?.content?.trim();
  if (marker) state.provisionedMarker = marker;
  delete state.files[PENDING_REFRESH_PATH];
  delete state.files[PROVISIONED_MARKER];
  for (const { query, resources } of readers) query.read?.((what, okCodes) => answer(query.key, what, okCodes), resources, state);
  if (queries.facts) state.templateFacts = parseTemplateFacts(answer('facts', 'reading host facts'));

  // Further round trips, in registry order (apt's lookups before exec's guards).
  const context = { target, options, answers, step };
  for (const provider of providers) {
    const resources = ofType(provider.type);
    if (resources.length > 0) await provider.observe?.after?.(resources, state, context);
  }
  return state;
}

/**
 * Every managed path in three processes, whatever their number: one `find`
 * for kind, mode, owner, size and link target; one `sha256sum` over the
 * regular files; one `cat | base64` of the files whose content is read (for
 * diffs), split again by the sizes find reported. Arguments: the content size
 * limit, then each path prefixed by "c" (read its content) or "n".
 * A process per file cost ~4 ms each; this costs ~10 ms in all.
 */
const STAT_SCRIPT = `
max=$1; shift
meta() {
  n=$#; for a in "$@"; do set -- "$@" "\${a#?}"; done; shift "$n"
  find "$@" -maxdepth 0 -printf '%y\\0%m\\0%u\\0%g\\0%U\\0%G\\0%s\\0%p\\0%l\\0' 2>/dev/null
  echo @@sha256
  find "$@" -maxdepth 0 -type f -exec sha256sum -- {} + 2>/dev/null
}
content() {
  n=$#; for a in "$@"; do case $a in c*) set -- "$@" "\${a#?}";; esac; done; shift "$n"
  [ $# -gt 0 ] || return 0
  find "$@" -maxdepth 0 -type f -size -$((max + 1))c -exec cat -- {} + 2>/dev/null | base64 -w0
}
meta "$@"
echo @@content
content "$@"
echo
exit 0`;

export interface StatEntry {
  path: string;
  /** Read the content too (for diffs), when it is a regular file within the size limit. */
  readContent: boolean;
}

export function statQuery(entries: readonly StatEntry[], maxContentBytes = MAX_CONTENT_BYTES): BatchQuery {
  return { script: STAT_SCRIPT, args: [String(maxContentBytes), ...entries.map((e) => `${e.readContent ? 'c' : 'n'}${e.path}`)] };
}

const FIND_KINDS: Record<string, ObservedFileKind> = { f: 'file', d: 'directory', l: 'link' };
const FIND_FIELDS = 9;

/**
 * Parses STAT_SCRIPT's output. A path find did not report is absent. A file's
 * content is kept only when its bytes hash to what sha256sum said: a file that
 * changed between the three reads loses its diff, never its correctness.
 */
export function parseStatOutput(stdout: string, entries: readonly StatEntry[], maxContentBytes = MAX_CONTENT_BYTES): Record<string, ObservedFile> {
  // find's records are nine NUL-terminated fields (no field can hold a NUL); what follows the last is the rest.
  const fields = stdout.split('\0');
  const records = Math.floor((fields.length - 1) / FIND_FIELDS);
  const found = new Map<string, ObservedFile>();
  for (let index = 0; index < records; index++) {
    const [type, mode, owner, group, uid, gid, size, path, linkTarget] = fields.slice(index * FIND_FIELDS, (index + 1) * FIND_FIELDS) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const file: ObservedFile = {
      kind: FIND_KINDS[type] ?? 'other',
      mode: mode.padStart(4, '0'),
      owner,
      group,
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
    };
    if (file.kind === 'link') file.linkTarget = linkTarget;
    found.set(path, file);
  }
  const lines = (fields[records * FIND_FIELDS] ?? '').split('\n');
  const contentAt = lines.indexOf('@@content');
  for (const line of lines.slice(0, Math.max(contentAt, 0))) {
    const match = /^(\\?)([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (!match) continue;
    // GNU sha256sum escapes "\" and newlines in names, and marks such lines with a leading "\".
    const path = match[1] ? match[3]!.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) : match[3]!;
    const file = found.get(path);
    if (file?.kind === 'file') file.sha256 = match[2]!;
  }
  const contentText = contentAt >= 0 ? (lines[contentAt + 1] ?? '') : '';
  const bytes = Buffer.from(contentText.trim(), 'base64');
  const read = entries.filter((e) => {
    const file = found.get(e.path);
    return e.readContent && file?.kind === 'file' && (file.size ?? 0) <= maxContentBytes;
  });
  let offset = 0;
  const expected = read.reduce((sum, e) => sum + (found.get(e.path)!.size ?? 0), 0);
  if (expected === bytes.length) {
    for (const e of read) {
      const file = found.get(e.path)!;
      const slice = bytes.subarray(offset, offset + (file.size ?? 0));
      offset += slice.length;
      if (file.sha256 !== undefined && createHash('sha256').update(slice).digest('hex') === file.sha256) file.content = slice.toString('utf8');
    }
  }
  return Object.fromEntries(entries.map((e) => [e.path, found.get(e.path) ?? { kind: 'absent' as const }]));
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
