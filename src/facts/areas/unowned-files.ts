import { sh, type FactArea, type SectionParser } from './area.js';
import { describedFiles } from './described-files.js';
import { sortRecord } from './parse-helpers.js';

/** The unowned_files fact area: its collector fragment, parser and schema. */

const script = sh`
# Every file under /etc (and every keyring in /usr/share/keyrings) that no
# package owns: not in dpkg's file lists, not either side of a diversion, not
# registered with ucf. The parity rules know which of them every host has.
section_unowned_files() {
  [ -d /var/lib/dpkg/info ] || { fail "no dpkg database"; return 1; }
  # Only what dpkg lists (or diverts) under the two folders read here can own
  # one of their files: grep, not awk, reads the rest.
  { grep -hE '^/(etc|usr/share/keyrings)(/|$)' /var/lib/dpkg/info/*.list /var/lib/dpkg/diversions 2>/dev/null
    [ -r /var/lib/ucf/registry ] && awk '{ print $2 }' /var/lib/ucf/registry
    echo @@
    find /etc /usr/share/keyrings -xdev \( -name "*$NL*" -o -name "*$TAB*" \) -prune -o \( -type f -o -type l \) -printf "$FIND_FMT" 2>/dev/null
  } | awk -F'\t' '!body { if ($0 == "@@") body = 1; else owned[$0] = 1; next }
    # update-ca-certificates links each certificate of the package (and its hash alias): derived, left out. Hand-added ones point elsewhere.
    # (mawk has no {n} intervals: the eight hex digits are spelled out.)
    $2 == "l" && $7 ~ /^\/etc\/ssl\/certs\// && ($8 ~ /^\/usr\/share\/ca-certificates\// || ($7 ~ /\/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]\.[0-9]+$/ && $8 !~ /\//)) { next }
    !($7 in owned)' | describe
  return 0
}
`;

const parseUnownedFiles: SectionParser = ({ lines }) => {
  const files = describedFiles(lines);
  if (files.size === 0) throw new Error('found no files under /etc');
  return { unowned_files: sortRecord(Object.fromEntries(files)) };
};

export const unownedFilesArea: FactArea = { section: 'unowned_files', key: 'unowned_files', script, parse: parseUnownedFiles };
