import { shellQuote } from '../core/shell-quote.js';
import { sh } from './areas/area.js';
import { describeScript } from './areas/described-files.js';
import { FACT_AREAS } from './areas/index.js';

/**
 * The collector: one POSIX sh script, fed to `sh -s` on standard input, so one
 * exec round-trip reads a whole system through any Target. It needs only the
 * base system's tools, installs nothing and writes nothing. Each section prints
 * between `<marker> begin NAME` and `<marker> end NAME RC`; `<marker> error …`
 * inside a section means the section could not be read. The marker is random
 * per run so no file content on the target can forge a section boundary.
 *
 * Inputs (paths, the fingerprint key) travel in the script text on stdin,
 * quoted by shellQuote — never in argv, where `ps` or an ssh log would show them
 * (the secrets' paths reach one awk in its environment, root's to read). The key
 * is only ever fed to sha256sum through a pipe from the `printf` builtin.
 *
 * The whole body is one `{ …; } </dev/null` group: the shell parses it before
 * running it, and no command inside can swallow the rest of the script from stdin.
 *
 * Each fact area's fragment (its `section_NAME` function) lives in that area's
 * file under src/facts/areas/; this file holds what they share and runs them,
 * still in one script and one round trip: meta and processes first, then the
 * rest in lanes side by side (LANES below). A process costs more than most of
 * what the fragments read, so they batch: one stat, sha256sum or systemctl for
 * many files or units, builtins for one-line files.
 */

/** The shell's settings and the helpers every section uses; `meta` is the collector's own section. */
const PRELUDE = sh`
{
LC_ALL=C; export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
# A tab, and SOH (\001): what one awk prints between its two answers (no file name or unit holds it).
TAB=$(printf '\t\001'); SOH=\${TAB#?}; TAB=\${TAB%?}
UID_NOW=$(id -u)
NL='
'
have() { command -v "$1" >/dev/null 2>&1; }
fail() { printf '%s error %s\n' "$M" "$*"; }
first_line() { printf '%s\n' "$1" | sed -n '/./{p;q;}'; }
CM_HEADER='managed by (devenv|puppet|ansible|salt)|ansible managed'
# A file's content without configuration-management header comment lines.
unmanaged_sha256() { grep -Eiv "^[[:space:]]*(#|;|//|--|\"|/?\*|!|%|<!--).*($CM_HEADER)" -- "$1" | sha256sum | cut -c1-64; }
# The same for many files, two processes each and one sed for all: one line per
# file, "sha256  path" with \1 and \2 in $1 (a sed replacement) standing for them.
unmanaged_sums() {
  um_fmt=$1; shift
  [ $# -gt 0 ] || return 0
  for um_f in "$@"; do
    grep -Eiv "^[[:space:]]*(#|;|//|--|\"|/?\*|!|%|<!--).*($CM_HEADER)" -- "$um_f" | sha256sum
    printf '%s\n' "$um_f"
  done | sed -n "N;s/^\([0-9a-f]\{64\}\)  -\n\(.*\)$/$um_fmt/p"
}
# One awk's two answers, split at SOH (field splitting: linear, where a
# \${x%%pattern*} would be quadratic in dash) -> HEAD and TAIL, either may be empty.
split_at() {
  set -f; IFS=$SOH
  # shellcheck disable=SC2086
  set -- $1
  unset IFS; set +f
  HEAD=\${1-}; TAIL=\${2-}
}
# Answers more than one section needs, asked once per shell (the sections that
# share a shell share them): dpkg's native architecture, and apt's settings.
dpkg_arch() { [ -n "\${DPKG_ARCH-}" ] || DPKG_ARCH=$(dpkg --print-architecture); }
apt_settings() {
  [ -n "\${APT_SETTINGS+set}" ] || APT_SETTINGS=$(apt-config shell r APT::Install-Recommends/b periodic APT::Periodic::Unattended-Upgrade 2>/dev/null)
}
# apt_settings' line that sets $1 (r='true'), into SETTING (empty when unset).
apt_setting() {
  SETTING=
  set -f; IFS=$NL
  for l in $APT_SETTINGS; do case "$l" in "$1="*) SETTING=$l ;; esac; done
  unset IFS; set +f
}
run_section() {
  printf '%s begin %s\n' "$M" "$1"
  "section_$1"
  printf '%s end %s %s\n' "$M" "$1" "$?"
}
run_sections() { for s in "$@"; do run_section "$s"; done; }
# Each argument is a lane: sections run one after another in one shell, the
# lanes side by side. The later lanes' output waits whole in an awk until the
# first lane's is out, so the output stays in lane order and no lane blocks on
# a full pipe. Nothing is written to disk.
run_lanes() {
  # One lane, or no awk to hold the later lanes' output: one after another.
  if [ $# -le 1 ] || ! have awk; then
    # shellcheck disable=SC2048,SC2086
    run_sections $*
    return
  fi
  lane=$1; shift
  # shellcheck disable=SC2086
  run_lanes "$@" | awk '{ l[NR] = $0 } END { for (i = 1; i <= NR; i++) print l[i] }' | { run_sections $lane </dev/null; cat; }
}

section_meta() {
  echo "uid=$UID_NOW"
  echo "shell_pid=$$"
}
`;

/** The collector's sections: its own `meta`, then every fact area's. */
export const COLLECTOR_SECTIONS: readonly string[] = ['meta', ...FACT_AREAS.map((area) => area.section)];

/**
 * Run first, alone, in the collector's own shell: `processes` lists the host's
 * processes, and while it runs the collector is one shell and its `ps` (which
 * the parser leaves out by the shell's pid), not lanes of finds and hashes.
 */
export const FIRST_SECTIONS: readonly string[] = ['meta', 'processes'];

/**
 * Then the rest in lanes that run side by side (a host's systemd answers
 * `systemctl show` while the other lanes hash files). A lane keeps the sections
 * that share what one of them read: env and cron read the services section's
 * unit listing; security_updates and platform reuse what packages asked dpkg
 * and apt; logging reuses journald's state that time asked with its daemons.
 * Lanes are balanced by what each costs on a host of a few hundred packages
 * (services' lane waits on systemd, so it carries least); an area named in no
 * lane runs in the last.
 */
const LANES: readonly (readonly string[])[] = [
  ['services', 'env', 'cron'],
  ['unowned_files', 'conffiles', 'trees', 'files'],
  [
    'packages',
    'security_updates',
    'platform',
    'time',
    'logging',
    'resources',
    'apt_sources',
    'python',
    'accounts',
    'listeners',
    'sysctl',
    'locale',
    'ssh',
    'firewall',
    'fail2ban',
  ],
];

/** The lanes with every section that is neither first nor named in a lane added to the last, each section once. */
export function collectorLanes(sections: readonly string[] = COLLECTOR_SECTIONS): string[][] {
  const placed = new Set<string>(FIRST_SECTIONS);
  const lanes = LANES.map((lane) => lane.filter((s) => sections.includes(s) && !placed.has(s) && placed.add(s)));
  lanes[lanes.length - 1]!.push(...sections.filter((s) => !placed.has(s)));
  return lanes.filter((lane) => lane.length > 0);
}

const COLLECTOR_BODY = [
  PRELUDE,
  describeScript,
  ...FACT_AREAS.map((area) => area.script),
  `
run_sections ${FIRST_SECTIONS.join(' ')}
run_lanes ${collectorLanes()
    .map((lane) => `'${lane.join(' ')}'`)
    .join(' ')}
} </dev/null
`,
].join('');

export interface CollectorScriptInput {
  /** Random per run; marks section boundaries. */
  marker: string;
  fingerprintKey: string;
  managedPaths: readonly string[];
  secretPaths: readonly string[];
}

function pathList(paths: readonly string[]): string {
  for (const path of paths) {
    if (!path.startsWith('/') || /[\n\t\0]/.test(path)) throw new Error(`not an absolute path without newlines or tabs: ${JSON.stringify(path)}`);
  }
  return shellQuote([...new Set(paths)].join('\n'));
}

/** The full script text for `sh -s`: the inputs as quoted assignments, then the body. */
export function renderCollectorScript(input: CollectorScriptInput): string {
  if (!/^[A-Za-z0-9@-]+$/.test(input.marker)) throw new Error('the section marker must be plain text');
  return [
    `M=${shellQuote(input.marker)}`,
    `K=${shellQuote(input.fingerprintKey)}`,
    `MANAGED=${pathList(input.managedPaths)}`,
    `SECRETS=${pathList(input.secretPaths)}`,
    COLLECTOR_BODY,
  ].join('\n');
}
