import { z } from 'zod';
import { sh, type Collected } from './area.js';
import { num, octalMode, str } from './parse-helpers.js';

/**
 * How the wave-2 areas (conffiles, unowned_files, trees, cron) describe files:
 * the shell helpers that print `find -printf` lines with secrets marked and
 * header-free hashes, the parser of those lines, and the schema of one file.
 */

/**
 * A file the packages do not account for (wave 2): what it is, who owns it, and
 * the sha256 of its content without configuration-management header lines
 * (devenv's, Puppet's, Ansible's…), so the same file written by two tools is
 * the same file. Secrets carry owner and mode only: their content is never read.
 */
export const SystemFile = z.object({
  type: z.enum(['file', 'directory', 'link', 'absent', 'other']),
  sha256: str.optional(),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  size: num.optional(),
  link_target: str.optional(),
  /** Compared by owner and mode only. */
  secret: z.boolean().optional(),
});

export const describeScript = sh`
# The find -printf shape the sections below describe files with:
# S TAB type TAB mode TAB owner TAB group TAB size TAB path TAB link target.
FIND_FMT='S\t%y\t%m\t%u\t%g\t%s\t%p\t%l\n'
# Marks secrets on S lines (first field becomes Q): owner and mode only, never
# content. The profile's secrets, account shadows, private keys and
# credential-like names, and any regular file others may not read (sudoers
# excepted: its content is policy, not a secret).
# With an argument, SOH and then the regular files that stay S (to hash) follow
# the lines.
# The secrets reach awk in its environment (ENVIRON: no escapes processed, no
# process to feed them in); they are paths, not values.
mark_secrets() {
  SECRETS=$SECRETS awk -F'\t' -v OFS='\t' -v more="\${1:+1}" '
    BEGIN { n = split(ENVIRON["SECRETS"], s, "\n"); for (i = 1; i <= n; i++) if (s[i] != "") listed[s[i]] = 1 }
    $1 == "S" && $2 == "f" {
      p = $7; n = p; sub(/.*\//, "", n); n = tolower(n)
      if ((p in listed) || n ~ /^(g?shadow-?|opasswd)$/ || p ~ /^\/etc\/ssl\/private\// || n ~ /^ssh_host_.*_key$/ ||
          n ~ /\.(key|pem|p12|pfx|jks|keystore|keytab)$/ || (n ~ /(secret|token|credential|password|\.env$)/ && p !~ /^\/etc\/pam\.d\//) ||
          ($3 !~ /[4567]$/ && p !~ /^\/etc\/sudoers(\.d\/|$)/)) $1 = "Q"
      else hash[++h] = $7
    }
    { print }
    END { if (more) { printf "\001"; for (i = 1; i <= h; i++) print hash[i] } }'
}
# S/Q lines on stdin -> the same lines, then H TAB sha256 TAB path for every
# non-secret regular file: its content without configuration-management header
# lines where it has one (printed last, so it wins), as the files section does.
describe() {
  # The marked lines, then the files to hash.
  split_at "$(mark_secrets and-then)"
  lines=$HEAD; hash_these=$TAIL
  [ -n "$lines" ] || return 0
  printf '%s' "$lines"
  [ -n "$hash_these" ] || return 0
  set -f; IFS=$NL
  # shellcheck disable=SC2086
  sha256sum -- $hash_these 2>/dev/null | sed -n "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
  # shellcheck disable=SC2046,SC2086
  unmanaged_sums "H$TAB\\1$TAB\\2" $(grep -Eil -e "$CM_HEADER" -- $hash_these 2>/dev/null)
  unset IFS; set +f
}
`;

export type SystemFileEntry = NonNullable<Collected['unowned_files']>[string];

/** find -printf %y → the facts' file types. */
export function findType(letter: string): 'file' | 'directory' | 'link' | 'other' {
  return letter === 'f' ? 'file' : letter === 'd' ? 'directory' : letter === 'l' ? 'link' : 'other';
}

/** One `S|Q TAB type TAB mode TAB owner TAB group TAB size TAB path TAB link` line (Q: a secret). */
export function describedFile(fields: readonly string[]): { path: string; file: SystemFileEntry } | undefined {
  const [kind = '', type = '', mode = '', owner = '', group = '', size = '', path = '', link = ''] = fields;
  if ((kind !== 'S' && kind !== 'Q') || !path.startsWith('/')) return undefined;
  const fileType = findType(type);
  return {
    path,
    file: {
      type: fileType,
      mode: octalMode(mode),
      owner,
      group,
      ...(fileType === 'file' ? { size: Number(size) } : {}),
      ...(fileType === 'link' ? { link_target: link } : {}),
      ...(kind === 'Q' ? { secret: true } : {}),
    },
  };
}

/** S/Q lines and H lines (the last hash of a path wins: the header-free one) → path → file. */
export function describedFiles(lines: readonly string[]): Map<string, SystemFileEntry> {
  const files = new Map<string, SystemFileEntry>();
  const hashes = new Map<string, string>();
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields[0] === 'H' && /^[0-9a-f]{64}$/.test(fields[1] ?? '')) hashes.set(fields.slice(2).join('\t'), fields[1]!);
    const described = describedFile(fields);
    if (described) files.set(described.path, described.file);
  }
  for (const [path, file] of files) {
    const hash = hashes.get(path);
    if (hash && file.type === 'file' && !file.secret) file.sha256 = hash;
  }
  return files;
}
