import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { SystemFile, describedFiles } from './described-files.js';
import { sortRecord, str } from './parse-helpers.js';

/** The conffiles fact area: its collector fragment, parser and schema. */

/** A conffile whose content is not what its package shipped (dpkg's md5 record, or ucf's). */
export const ChangedConffile = SystemFile.extend({
  package: str,
  /** dpkg conffile, or a file the package installs through ucf (sshd_config). */
  via: z.enum(['dpkg', 'ucf']),
});

const script = sh`
# Package conffiles whose content is not what the package shipped, by dpkg's
# own md5 record (and ucf's, for the files packages install through ucf).
section_conffiles() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  recorded=$( { dpkg-query -W -f '\${Package}\n\${Conffiles}\n' 2>/dev/null |
                awk '/^ \// { if ($3 != "obsolete" && $2 != "newconffile") print $1 "\t" pkg "\t" $2 "\tdpkg"; next } NF { pkg = $1 }'
              if [ -r /var/lib/ucf/registry ] && [ -r /var/lib/ucf/hashfile ]; then
                awk 'FNR == NR { reg[$2] = $1; next } ($2 in reg) { print $2 "\t" reg[$2] "\t" $1 "\tucf" }' /var/lib/ucf/registry /var/lib/ucf/hashfile
              fi; } )
  [ -n "$recorded" ] || return 0
  set -f; IFS=$NL
  # Each recorded path (the first field), with builtins; one md5sum for them all.
  paths=; for l in $recorded; do paths=$paths\${l%%"$TAB"*}$NL; done
  # shellcheck disable=SC2086
  changed=$( { printf '%s\n@@\n' "$recorded"; md5sum -- $paths 2>/dev/null; } | awk -F'\t' '
    !body { if ($0 == "@@") body = 1; else if (!($1 in want)) { want[$1] = $3; pkg[$1] = $2; src[$1] = $4 }; next }
    { got[substr($0, 35)] = substr($0, 1, 32) }
    END { for (p in want) if (!(p in got)) print "X\t" p "\t" pkg[p] "\t" src[p]; else if (got[p] != want[p]) print "C\t" p "\t" pkg[p] "\t" src[p] }')
  if [ -n "$changed" ]; then
    printf '%s\n' "$changed"
    paths=; for l in $changed; do l=\${l#*"$TAB"}; paths=$paths\${l%%"$TAB"*}$NL; done
    # shellcheck disable=SC2086
    find $paths -maxdepth 0 -printf "$FIND_FMT" 2>/dev/null | describe
  fi
  unset IFS; set +f
  return 0
}
`;

const parseConffiles: SectionParser = ({ lines }) => {
  const described = describedFiles(lines);
  const conffiles: NonNullable<Collected['conffiles']> = {};
  for (const line of lines) {
    const [kind, path = '', pkg = '', via = ''] = line.split('\t');
    if ((kind !== 'C' && kind !== 'X') || !path.startsWith('/')) continue;
    const file = described.get(path) ?? { type: 'absent' as const };
    conffiles[path] = { ...file, package: pkg, via: via === 'ucf' ? 'ucf' : 'dpkg' };
  }
  return { conffiles: sortRecord(conffiles) };
};

export const conffilesArea: FactArea = { section: 'conffiles', key: 'conffiles', script, parse: parseConffiles };
