import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { num, octalMode, sortRecord, str } from './parse-helpers.js';

/** The files fact area: its collector fragment, parser and schema. */

export const FileFacts = z.object({
  /** file | directory | link | absent */
  type: z.enum(['file', 'directory', 'link', 'absent', 'other']),
  sha256: str.optional(),
  /** sha256 of the content with configuration-management header comments removed (compare across tools). */
  sha256_unmanaged: str.optional(),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  size: num.optional(),
  link_target: str.optional(),
  /** The file starts with a "managed by devenv" header. */
  devenv_header: z.boolean().optional(),
  /** Keyed fingerprint of the content (secret files only): never the value itself. */
  fingerprint: str.optional(),
});

const script = sh`
# The profile's managed files, the fixed sensitive list and the checklist's
# secrets. Secrets (and /etc/shadow) get a keyed fingerprint instead of a hash.
# The paths are sorted with builtins, then read by one stat, one find (links),
# one sha256sum, one grep and one awk for them all: a process per file would
# cost more than the reading.
section_files() {
  set -- /etc/ssh/sshd_config /etc/sudoers /etc/passwd /etc/shadow /etc/group /etc/nginx/nginx.conf
  for f in /etc/systemd/system/*.service /etc/nginx/sites-enabled/*; do [ -e "$f" ] || [ -L "$f" ] && set -- "$@" "$f"; done
  set -f; IFS=$NL
  for f in $MANAGED $SECRETS; do set -- "$@" "$f"; done
  unset IFS; set +f
  present=; links=; hashed=
  for f in "$@"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      present=$present$f$NL
      [ -L "$f" ] && links=$links$f$NL
      case "$NL$SECRETS$NL/etc/shadow$NL" in *"$NL$f$NL"*) continue ;; esac
      [ -f "$f" ] && [ -r "$f" ] && hashed=$hashed$f$NL
    else
      printf 'A\t%s\n' "$f"
    fi
  done
  set -f; IFS=$NL
  if [ -n "$present" ]; then
    # shellcheck disable=SC2086
    stats=$(stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- $present 2>/dev/null)
    [ -n "$stats" ] && printf '%s\n' "$stats"
    for f in $present; do
      case "$NL$stats$NL" in *"$TAB$f$NL"*) ;; *) printf 'E\t%s\n' "$f" ;; esac
    done
  fi
  # shellcheck disable=SC2086
  [ -n "$links" ] && find $links -maxdepth 0 -printf 'L\t%l\t%p\n' 2>/dev/null
  for f in $SECRETS /etc/shadow; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    { printf '%s' "$K"; cat -- "$f"; } | sha256sum
    printf '%s\n' "$f"
  done | sed -n "N;s/^\([0-9a-f]\{64\}\)  -\n/P$TAB\1$TAB/p"
  if [ -n "$hashed" ]; then
    # sha256sum escapes a name with a backslash (and marks its line with one): unescaped here.
    # shellcheck disable=SC2086
    sha256sum -- $hashed 2>/dev/null | sed -n -e '/^\\/{s/^\\//;s/\\\\/\\/g;}' -e "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
    # shellcheck disable=SC2046,SC2086
    unmanaged_sums "U$TAB\\1$TAB\\2" $(grep -Eil -e "$CM_HEADER" -- $hashed 2>/dev/null)
    # A devenv header among the first five lines ([[:space:]] spelled out: mawk may lack classes).
    # shellcheck disable=SC2086
    awk 'FNR <= 5 && !(FILENAME in seen) && tolower($0) ~ /^[ \t\r\v\f]*(#|;|\/\/|--|"|\/?\*|!|%|<!--).*managed by devenv/ { seen[FILENAME] = 1; print "D\t" FILENAME }' $hashed 2>/dev/null
  fi
  unset IFS; set +f
  return 0
}
`;

function fileType(statType: string): 'file' | 'directory' | 'link' | 'other' {
  if (statType === 'regular file' || statType === 'regular empty file') return 'file';
  if (statType === 'directory') return 'directory';
  if (statType === 'symbolic link') return 'link';
  return 'other';
}

const parseFiles: SectionParser = ({ lines }) => {
  const files: NonNullable<Collected['files']> = {};
  const entry = (path: string): NonNullable<Collected['files']>[string] => (files[path] ??= { type: 'other' });
  for (const line of lines) {
    const [kind, ...f] = line.split('\t');
    switch (kind) {
      case 'A':
        files[f[0] ?? ''] = { type: 'absent' };
        break;
      case 'S': {
        const [type = '', mode = '', owner = '', group = '', size = '', path = ''] = f;
        files[path] = { type: fileType(type), mode: octalMode(mode), owner, group, size: Number(size) };
        break;
      }
      case 'E':
        entry(f[0] ?? '');
        break;
      case 'L':
        entry(f[1] ?? '').link_target = f[0] ?? '';
        break;
      case 'P':
        entry(f[1] ?? '').fingerprint = f[0] ?? '';
        break;
      case 'H': {
        const file = entry(f[1] ?? '');
        file.sha256 = f[0] ?? '';
        file.devenv_header ??= false;
        break;
      }
      case 'U':
        entry(f[1] ?? '').sha256_unmanaged = f[0] ?? '';
        break;
      case 'D':
        entry(f[0] ?? '').devenv_header = true;
        break;
      default:
        break;
    }
  }
  for (const file of Object.values(files)) {
    if (file.sha256 !== undefined && file.sha256_unmanaged === undefined) file.sha256_unmanaged = file.sha256;
  }
  return { files: sortRecord(files) };
};

export const filesArea: FactArea = { section: 'files', key: 'files', script, parse: parseFiles };
