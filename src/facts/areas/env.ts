import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { sortRecord, str, tabbed } from './parse-helpers.js';

/** The env fact area: its collector fragment, parser and schema. */

export const ServiceEnvFacts = z.object({
  names: z.array(str),
  /** name → keyed fingerprint of the value; values themselves never leave the target. */
  fingerprints: z.record(str, str),
});

const script = sh`
# Names and keyed fingerprints of each enabled service's environment. Values
# are tokenized by awk into a pipe and hashed (two processes a value, joined to
# their names by one awk at the end); none is ever printed.
section_env() {
  have systemctl && [ -d /run/systemd/system ] || { fail "systemd is not running"; return 1; }
  # The services section already knows which units are enabled; ask again only when it failed.
  units=\${ENABLED_UNITS-$(systemctl list-unit-files --type=service --state=enabled --no-legend 2>/dev/null | awk '$1 !~ /@\.service$/ {print $1}')}
  [ -n "$units" ] || return 0
  # shellcheck disable=SC2086
  # systemctl show prints a unit's properties in its own order: buffer each block until its Id is known.
  systemctl show -p Id,Environment,EnvironmentFiles $units 2>/dev/null |
  awk '
    function flush(   i) { for (i = 1; i <= n; i++) print items[i] "\t" unit "\t" vals[i]; n = 0; unit = "" }
    function add(kind, v) { n++; items[n] = kind; vals[n] = v }
    function token(kv) { if (kv ~ /^[A-Za-z_][A-Za-z0-9_]*=/) add("V", kv) }
    /^$/ { flush(); next }
    /^Id=/ { unit = substr($0, 4); next }
    /^Environment=/ {
      s = substr($0, 13); tok = ""; q = 0; have = 0
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (q && c == "\\") { i++; tok = tok substr(s, i, 1); continue }
        if (c == "\"") { q = !q; have = 1; continue }
        if (!q && c == " ") { if (have || tok != "") token(tok); tok = ""; have = 0; continue }
        tok = tok c; have = 1
      }
      if (have || tok != "") token(tok)
      next
    }
    /^EnvironmentFiles=/ { f = substr($0, 18); sub(/ \(ignore_errors=[a-z]+\)$/, "", f); add("F", f) }
    END { flush() }
  ' | while IFS= read -r line; do
    kind=\${line%%"$TAB"*}; rest=\${line#*"$TAB"}
    unit=\${rest%%"$TAB"*}; item=\${rest#*"$TAB"}
    if [ "$kind" = V ]; then
      printf 'E\t%s\t%s\n' "$unit" "\${item%%=*}"
      printf '%s%s' "$K" "\${item#*=}" | sha256sum
    elif [ -r "$item" ]; then
      while IFS= read -r kv || [ -n "$kv" ]; do
        kv=\${kv#"\${kv%%[! ]*}"}
        case "$kv" in ''|'#'*|';'*) continue ;; esac
        kv=\${kv#export }
        name=\${kv%%=*}; value=\${kv#*=}
        case "$name" in *[!A-Za-z0-9_]*|'') continue ;; esac
        case "$value" in \"*\") value=\${value#\"}; value=\${value%\"} ;; \'*\') value=\${value#\'}; value=\${value%\'} ;; esac
        printf 'E\t%s\t%s\n' "$unit" "$name"
        printf '%s%s' "$K" "$value" | sha256sum
      done < "$item"
    elif [ -e "$item" ]; then
      printf 'R\t%s\t%s\n' "$unit" "$item"
    fi
  done | awk '
    # Each E line is followed by the keyed fingerprint of its value ("sha256  -"): joined here, one process for all.
    e != "" { print e "\t" substr($0, 1, 64); e = ""; next }
    /^E\t/ { e = $0; next }
    { print }'
  return 0
}
`;

const parseEnv: SectionParser = ({ lines }, context) => {
  const env: NonNullable<Collected['env']> = {};
  for (const [unit = '', name = '', fingerprint = ''] of tabbed(lines, 'E')) {
    const service = unit.replace(/\.service$/, '');
    const entry = (env[service] ??= { names: [], fingerprints: {} });
    if (!entry.names.includes(name)) entry.names.push(name);
    // Later assignments win in systemd, as they do here.
    entry.fingerprints[name] = fingerprint;
  }
  for (const [unit = '', path = ''] of tabbed(lines, 'R')) {
    context.errors[`env:${unit.replace(/\.service$/, '')}`] = `${path} is not readable (collect as root)`;
  }
  for (const entry of Object.values(env)) entry.names.sort();
  return { env: sortRecord(env) };
};

export const envArea: FactArea = { section: 'env', key: 'env', script, parse: parseEnv };
