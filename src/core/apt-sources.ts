/**
 * The one reader of apt's two source formats, for every stage that reads them:
 * the facts (which keep the archive name, never the host) and the box builders
 * (which take the host's mirror for each archive). Pure text in, entries out.
 *
 * - one-line (`*.list`): `deb [options] URI SUITE [COMPONENT…]`, `#` comments;
 * - deb822 (`*.sources`): stanzas of `Types:`, `URIs:`, `Suites:`,
 *   `Components:`, where a field may continue on lines that start with a space
 *   or tab (Signed-By can hold a whole key block; URIs may be folded), and
 *   `Enabled: no` switches a stanza off.
 */
export interface AptSourceLine {
  type: 'deb' | 'deb-src';
  uri: string;
  suites: string[];
  components: string[];
}

function entry(type: string, uri: string, suites: string[], components: string[]): AptSourceLine | undefined {
  if (type !== 'deb' && type !== 'deb-src') return undefined;
  return { type, uri, suites, components };
}

export function parseOneLineSources(text: string): AptSourceLine[] {
  const out: AptSourceLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const withoutOptions = line.replace(/\s\[[^\]]*\]/, '');
    const [type = '', uri = '', suite = '', ...components] = withoutOptions.split(/\s+/);
    if (!uri || !suite) continue;
    const parsed = entry(type, uri, [suite], components);
    if (parsed) out.push(parsed);
  }
  return out;
}

export function parseDeb822Sources(text: string): AptSourceLine[] {
  const out: AptSourceLine[] = [];
  const stanzas = text.split(/\n[ \t]*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^[ \t]/.test(raw)) {
        if (last) fields.set(last, `${fields.get(last) ?? ''} ${raw.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (!match) continue;
      last = match[1]!.toLowerCase();
      fields.set(last, match[2]!.trim());
    }
    if (!fields.has('types') || (fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    for (const type of words('types')) {
      for (const uri of words('uris')) {
        const parsed = entry(type, uri, words('suites'), words('components'));
        if (parsed) out.push(parsed);
      }
    }
  }
  return out;
}

/** A sources file by its name: `*.sources` is deb822, anything else one-line. */
export function parseAptSourceFile(path: string, text: string): AptSourceLine[] {
  return path.endsWith('.sources') ? parseDeb822Sources(text) : parseOneLineSources(text);
}

const SNAPSHOT_TIME = /^\d{8}T\d{6}Z$/;

/**
 * The archive name of a repository URI with the host left out: its last path
 * segment ("http://mirror.example/debian" → "debian"). Debian cloud images point
 * at "mirror+file:///etc/apt/mirrors/debian.list"; that names the archive too.
 */
export function archiveOf(uri: string): string {
  const withoutScheme = uri.replace(/^[a-z0-9+.-]+:(\/\/[^/]*)?/i, '');
  const segments = withoutScheme.split('/').filter((s) => s !== '' && s !== '.');
  // A snapshot archive ends in its time (…/archive/debian/20261101T000000Z/): the archive is the segment before.
  if (segments.length > 1 && SNAPSHOT_TIME.test(segments[segments.length - 1]!)) segments.pop();
  const last = segments[segments.length - 1] ?? '';
  return last.replace(/\.list$/, '') || '/';
}
