import { z } from 'zod';
import { parseAptSourceFile } from '../apt-sources.js';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { str } from './parse-helpers.js';

/** The apt_sources fact area: its collector fragment, parser and schema. */

/** Hosts are deliberately left out: production and a laptop use different mirrors. */
export const AptSource = z.object({
  type: z.enum(['deb', 'deb-src']),
  /** Last path segment of the URI: "debian", "debian-security", "ubuntu"… */
  archive: str,
  suites: z.array(str),
  components: z.array(str),
});

const script = sh`
section_apt_sources() {
  [ -d /etc/apt ] || { fail "no /etc/apt"; return 1; }
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    printf 'file %s\n' "$f"
    sed 's/^/| /' "$f"
    echo
  done
  return 0
}
`;

const parseAptSources: SectionParser = ({ lines }) => {
  const sources: NonNullable<Collected['apt_sources']> = [];
  let file: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (file) sources.push(...parseAptSourceFile(file, body.join('\n')));
    body = [];
  };
  for (const line of lines) {
    if (line.startsWith('file ')) {
      flush();
      file = line.slice(5);
    } else if (line.startsWith('| ') || line === '|') {
      body.push(line.slice(2));
    }
  }
  flush();
  return { apt_sources: sources };
};

export const aptSourcesArea: FactArea = { section: 'apt_sources', key: 'apt_sources', script, parse: parseAptSources };
