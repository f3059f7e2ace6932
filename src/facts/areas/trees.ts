import { z } from 'zod';
import { sha256 } from '../../core/hash.js';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { describedFile } from './described-files.js';
import { num, sortRecord, str } from './parse-helpers.js';

/** The trees fact area: its collector fragment, parser and schema. */

export const TreeEntry = z.object({
  type: z.enum(['file', 'directory', 'link', 'other']),
  mode: str,
  owner: str,
  group: str,
  size: num.optional(),
  sha256: str.optional(),
  link_target: str.optional(),
});

/** One top-level tree under /usr/local or /opt. */
export const TreeFacts = z.object({
  /** The tree's own node (a directory, or a link such as /usr/local/man). */
  type: z.enum(['file', 'directory', 'link', 'other']),
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  link_target: str.optional(),
  /** Entries below it. */
  count: num,
  /** Over the listing (type, mode, owner, size, path, link) and, when `content`, each file's hash: equal digests, equal trees. */
  digest: str,
  /** Files up to 1 MiB are in the digest by content; large trees only by listing. */
  content: z.boolean(),
  /** Relative path → entry; the first entries only when `truncated`. */
  entries: z.record(str, TreeEntry),
  truncated: z.boolean().optional(),
});

const script = sh`
# Each top-level tree under /usr/local and /opt: small trees in full with the
# content hash of each file up to 1 MiB, large ones as a count, a digest of
# their listing (no content read) and its first lines.
section_trees() {
  set --
  for d in /usr/local /opt; do [ -d "$d" ] && set -- "$@" "$d"; done
  [ $# -gt 0 ] || return 0
  # The listing, then (after SOH) the files to hash: one awk, one split with builtins.
  split_at "$(find "$@" -xdev -mindepth 1 \( -name "*$NL*" -o -name "*$TAB*" \) -prune -o -printf "$FIND_FMT" 2>/dev/null | awk -F'\t' -v OFS='\t' '
    { p = $7; r = p ~ /^\/usr\/local\// ? "/usr/local" : "/opt"; rest = substr(p, length(r) + 2); i = index(rest, "/")
      t = r "/" (i ? substr(rest, 1, i - 1) : rest); n[t]++; if (n[t] <= 1000) line[t, n[t]] = $0 }
    END { for (t in n) {
      if (n[t] > 1000) { print "B", t, n[t]; for (k = 1; k <= 200; k++) print line[t, k]; continue }
      for (k = 1; k <= n[t]; k++) { print line[t, k]; split(line[t, k], f, "\t"); if (f[2] == "f" && f[6] <= 1048576) w[++nw] = f[7] }
    }
    printf "\001"; for (k = 1; k <= nw; k++) print w[k] }')"
  printf '%s' "$HEAD"
  set -f; IFS=$NL
  if [ \${#TAIL} -gt 100000 ]; then
    # Many trees of many files: xargs keeps each sha256sum within the argument limit.
    printf '%s\n' "$TAIL" | xargs -d "$NL" -r sha256sum -- 2>/dev/null | sed -n "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
  elif [ -n "$TAIL" ]; then
    # shellcheck disable=SC2086
    sha256sum -- $TAIL 2>/dev/null | sed -n "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
  fi
  for l in $HEAD; do
    case "$l" in "B$TAB"*) ;; *) continue ;; esac
    t=\${l#"B$TAB"}; t=\${t%"$TAB"*}
    printf 'D\t%s\t%s\n' "$(find "$t" -xdev -printf '%y %m %u %g %s %P %l\n' 2>/dev/null | sort | sha256sum | cut -c1-64)" "$t"
  done
  unset IFS; set +f
  return 0
}
`;

const TREE_ROOTS = ['/usr/local/', '/opt/'];

/** /usr/local/bin/x → ["/usr/local/bin", "x"]; /opt/agent → ["/opt/agent", ""]. */
function splitTree(path: string): [string, string] | undefined {
  const root = TREE_ROOTS.find((r) => path.startsWith(r));
  if (!root) return undefined;
  const rest = path.slice(root.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? [`${root}${rest}`, ''] : [`${root}${rest.slice(0, slash)}`, rest.slice(slash + 1)];
}

const parseTrees: SectionParser = ({ lines }) => {
  type Tree = NonNullable<Collected['trees']>[string];
  const trees: Record<string, Tree> = {};
  const listing = new Map<string, string[]>();
  const big = new Map<string, number>();
  const digests = new Map<string, string>();
  const hashes = new Map<string, string>();
  const tree = (path: string): Tree => (trees[path] ??= { type: 'directory', count: 0, digest: '', content: true, entries: {} });
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields[0] === 'B') big.set(fields[1] ?? '', Number(fields[2]));
    else if (fields[0] === 'D') digests.set(fields[2] ?? '', fields[1] ?? '');
    else if (fields[0] === 'H' && /^[0-9a-f]{64}$/.test(fields[1] ?? '')) hashes.set(fields.slice(2).join('\t'), fields[1]!);
  }
  for (const line of lines) {
    const fields = line.split('\t');
    const described = describedFile(fields);
    if (!described) continue;
    const split = splitTree(described.path);
    if (!split) continue;
    const [root, rel] = split;
    const t = tree(root);
    const { type, mode = '', owner = '', group = '', size, link_target } = described.file;
    if (rel === '') {
      Object.assign(t, { type, mode, owner, group, ...(link_target !== undefined ? { link_target } : {}) });
      continue;
    }
    const sha = hashes.get(described.path);
    const entryType = type === 'absent' ? 'other' : type;
    t.entries[rel] = {
      type: entryType,
      mode,
      owner,
      group,
      ...(size !== undefined ? { size } : {}),
      ...(sha ? { sha256: sha } : {}),
      ...(link_target !== undefined ? { link_target } : {}),
    };
    (listing.get(root) ?? listing.set(root, []).get(root)!).push([entryType, mode, owner, group, size ?? '', rel, link_target ?? '', sha ?? ''].join('\t'));
  }
  for (const [root, t] of Object.entries(trees)) {
    const count = big.get(root);
    if (count !== undefined) {
      Object.assign(t, { count, digest: digests.get(root) ?? '', content: false, truncated: true });
    } else {
      t.count = Object.keys(t.entries).length;
      t.digest = sha256((listing.get(root) ?? []).sort().join('\n'));
    }
    t.entries = sortRecord(t.entries);
  }
  return { trees: sortRecord(trees) };
};

export const treesArea: FactArea = { section: 'trees', key: 'trees', script, parse: parseTrees };
