import { z } from 'zod';
import { normalizePythonName } from '../normalize.js';
import { sh, type FactArea, type SectionParser } from './area.js';
import { sortRecord, str } from './parse-helpers.js';

/** The runtimes fact area: its collector fragment, parser and schema. */

export const PythonVenv = z.object({
  python: str.optional(),
  /** normalized distribution name → version, read from *.dist-info/METADATA. */
  packages: z.record(str, str),
});

export const NodeApp = z.object({
  lockfile_sha256: str.optional(),
  packages: z.record(str, str),
});

export const RuntimesFacts = z.object({
  python: z.record(str, PythonVenv).optional(),
  node: z.record(str, NodeApp).optional(),
});

const script = sh`
section_python() {
  set --
  for root in /srv /opt /home /var/www; do [ -d "$root" ] && set -- "$@" "$root"; done
  [ $# -gt 0 ] || return 0
  # One find for every root (it walks them in the order given).
  find "$@" -maxdepth 4 -name pyvenv.cfg -type f 2>/dev/null | while IFS= read -r cfg; do
    d=\${cfg%/pyvenv.cfg}
    printf 'V\t%s\n' "$d"
    awk -F' *= *' '$1=="home"||$1=="executable"||$1=="version"||$1=="version_info"{print "C\t" $1 "\t" $2}' "$cfg"
    set -- "$d"/lib/python*/site-packages/*.dist-info/METADATA
    [ -e "$1" ] || continue
    awk 'FNR==1{if(n!="")print "D\t" n "\t" v; n="";v="";h=1}
         h&&/^Name:/{n=$2} h&&/^Version:/{v=$2} h&&/^\r?$/{h=0}
         END{if(n!="")print "D\t" n "\t" v}' "$@"
  done
  return 0
}
`;

const parsePython: SectionParser = ({ lines }) => {
  const venvs: Record<string, { python?: string; packages: Record<string, string> }> = {};
  let current: { python?: string; packages: Record<string, string>; cfg: Map<string, string> } | undefined;
  const finish = (): void => {
    if (!current) return;
    const { cfg } = current;
    const executable = cfg.get('executable');
    const home = cfg.get('home');
    const version = cfg.get('version') ?? cfg.get('version_info');
    const minor = version ? /^(\d+\.\d+)/.exec(version)?.[1] : undefined;
    if (executable) current.python = executable;
    else if (home) current.python = `${home.replace(/\/$/, '')}/python${minor ?? '3'}`;
  };
  for (const line of lines) {
    const [kind, a = '', b = ''] = line.replace(/\r$/, '').split('\t');
    if (kind === 'V') {
      finish();
      current = { packages: {}, cfg: new Map() };
      venvs[a] = current;
    } else if (kind === 'C' && current) {
      current.cfg.set(a, b.trim());
    } else if (kind === 'D' && current && a) {
      current.packages[normalizePythonName(a)] = b.trim();
    }
  }
  finish();
  const python: Record<string, { python?: string; packages: Record<string, string> }> = {};
  for (const [path, venv] of Object.entries(venvs)) {
    python[path] = { ...(venv.python ? { python: venv.python } : {}), packages: sortRecord(venv.packages) };
  }
  return { runtimes: { python } };
};

export const runtimesArea: FactArea = { section: 'python', key: 'runtimes', script, parse: parsePython };
