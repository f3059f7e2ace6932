import { OperationError } from '../core/errors.js';
import { lastLines } from '../core/last-lines.js';
import type { Progress } from '../core/progress.js';
import { archiveOf } from '../core/apt-sources.js';
import type { Target } from '../targets/target.js';

/**
 * Production's apt suites over the box's own mirror (profile `apt.sources`, which
 * `init --from` writes when production's suites differ from the box's: a host built
 * without -security, say). The box's sources file is rewritten with the suites and
 * components the profile names, each archive keeping the URI and keyring the box
 * gave it: the mirror is this machine's, the suites are production's. An archive
 * with a `url` is read from there instead (a snapshot of it as it was on production's
 * day), still checked with the box's keyring.
 */
export const BOX_SOURCES = '/etc/apt/sources.list.d/debian.sources';

export interface WantedSource {
  archive: string;
  suites: string[];
  components: string[];
  /** Instead of the box's mirror: a snapshot of the archive, or a team's copy of it. */
  url?: string;
}

interface Stanza {
  fields: Map<string, string>;
}

function parseStanzas(text: string): { header: string[]; stanzas: Stanza[] } {
  const header: string[] = [];
  const stanzas: Stanza[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.startsWith('#')) {
        if (stanzas.length === 0 && fields.size === 0) header.push(line);
        continue;
      }
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!, match[2]!.trim());
    }
    if (fields.has('URIs')) stanzas.push({ fields });
  }
  return { header, stanzas };
}

/** The sources file with the wanted suites (pure); throws for an archive the box's mirror does not serve. */
export function renderBoxSources(current: string, wanted: readonly WantedSource[]): string {
  const { header, stanzas } = parseStanzas(current);
  const byArchive = new Map(stanzas.map((stanza) => [archiveOf(stanza.fields.get('URIs')!.split(/\s+/)[0]!), stanza]));
  const blocks = wanted.map((source) => {
    const base = byArchive.get(source.archive);
    if (!base)
      throw new OperationError(
        `apt.sources names the archive "${source.archive}", which the box's mirror does not serve (it serves ${[...byArchive.keys()].join(', ')})`,
      );
    const lines = [
      `Types: deb`,
      `URIs: ${source.url ?? base.fields.get('URIs')}`,
      `Suites: ${source.suites.join(' ')}`,
      `Components: ${source.components.join(' ')}`,
    ];
    // The archive's own keyring still checks it: a snapshot serves the Release files Debian signed.
    const signedBy = base.fields.get('Signed-By');
    if (signedBy) lines.push(`Signed-By: ${signedBy}`);
    // A snapshot is the archive as it was: its Release files' Valid-Until (the -security and
    // -updates suites carry one) has passed by design, and apt would refuse it as stale.
    if (source.url) lines.push('Check-Valid-Until: no');
    return lines.join('\n');
  });
  return `${[...header, blocks.join('\n\n')].join('\n')}\n`;
}

/** Before a provision: the box's sources made production's; apt's lists refreshed only when a suite was added. */
export async function alignAptSources(target: Target, wanted: readonly WantedSource[] | undefined, progress: Progress): Promise<void> {
  if (!wanted) return;
  const current = await target.exec(['cat', BOX_SOURCES]);
  if (current.exitCode !== 0)
    throw new OperationError(`apt.sources needs the box's ${BOX_SOURCES}, which ${target.describe().name} does not have: ${lastLines(current.stderr)}`);
  const text = renderBoxSources(current.stdout, wanted);
  if (text === current.stdout) return;
  // apt reads only the lists of configured sources: a suite or URI taken away needs no update, one added does.
  const listed = (file: string): Set<string> =>
    new Set(parseStanzas(file).stanzas.flatMap((s) => (s.fields.get('Suites') ?? '').split(/\s+/).map((suite) => `${s.fields.get('URIs')} ${suite}`)));
  const before = listed(current.stdout);
  await progress.step(
    `apt sources as production's (${wanted.map((w) => `${w.archive} ${w.suites.join(' ')}${w.url ? ` from ${w.url}` : ''}`).join(', ')})`,
    async () => {
      await target.copy(text, BOX_SOURCES, { mode: '0644' });
      if ([...listed(text)].some((entry) => !before.has(entry))) {
        const update = await target.exec(['apt-get', 'update', '-q'], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
        if (update.exitCode !== 0) {
          // The sources go back as they were, so that the next run sees them differ and updates again.
          await target.copy(current.stdout, BOX_SOURCES, { mode: '0644' });
          throw new OperationError(`apt-get update failed on ${target.describe().name}: ${lastLines(update.stderr || update.stdout)}`);
        }
      }
    },
  );
}
