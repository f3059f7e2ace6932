import { z } from 'zod';
import { sha256 } from '../../core/hash.js';
import { sh, type Collected, type FactArea, type ParseContext, type RawSection } from './area.js';
import { num, sortRecord, str } from './parse-helpers.js';

/** The services fact area: its collector fragment, parser and schema. */

export const ServiceFacts = z.object({
  /** systemctl is-enabled: enabled | disabled | static | masked | … */
  enabled: str,
  /** ActiveState: active | inactive | failed | … */
  active: str,
  sub: str.optional(),
  /** User= of the unit, "root" when unset. */
  user: str,
  /** Restart= of the unit: no | on-failure | always | … */
  restart: str,
  /** sha256 of the unit's fragment file(s) without configuration-management header lines, to compare unit definitions. */
  unit_sha256: str.optional(),
  main_pid: num.optional(),
  /** The unit's start conditions were checked and failed (e.g. ConditionVirtualization=!container): inactive by design, not by drift. */
  condition_failed: z.boolean().optional(),
});

const script = sh`
section_services() {
  have systemctl || { fail "systemctl not found (no systemd)"; return 1; }
  [ -d /run/systemd/system ] || { fail "systemd is not running (PID 1 is $(cat /proc/1/comm 2>/dev/null))"; return 1; }
  # "\342\227\217" (octal) is the bullet systemctl puts before a failed unit: the
  # CLI's bundle stays ASCII, which Node reads several times faster.
  # Loaded units plus every unit file on disk: list-unit-files would do the
  # same but takes 200-400 ms; a glob and one batched show take a fraction of that.
  # Timers ride along in the same calls: the cron section reads them from SERVICES_SHOW.
  units=$( { systemctl list-units --type=service,timer --all --no-legend --plain 2>/dev/null
             for d in /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
               for u in "$d"/*.service "$d"/*.timer; do [ -e "$u" ] || [ -L "$u" ] && printf '%s\n' "\${u##*/}"; done
             done; } |
           awk '{u=($1=="\342\227\217"||$1=="*")?$2:$1; if (u ~ /\.(service|timer)$/ && u !~ /@\.(service|timer)$/ && !(u in seen)) { seen[u] = 1; print u }}')
  [ -n "$units" ] || { fail "systemctl listed no services"; return 1; }
  # shellcheck disable=SC2086 - unit names have no spaces; one call for all.
  out=$(systemctl show -p Id,LoadState,UnitFileState,ActiveState,SubState,User,Restart,FragmentPath,DropInPaths,MainPID,ConditionResult,ConditionTimestampMonotonic $units) || { fail "systemctl show failed"; return 1; }
  printf '%s\n' "$out"
  SERVICES_SHOW=$out
  # One pass over the properties: the enabled services, SOH, then the unit files to hash.
  both=$(printf '%s\n' "$out" | awk -F= '
    /^$/ { if (state == "enabled" && id ~ /\.service$/) print id; id = ""; state = ""; next }
    $1 == "Id" { id = $2 } $1 == "UnitFileState" { state = $2 }
    ($1 == "FragmentPath" || $1 == "DropInPaths") && $2 != "" { n = split($2, a, " "); for (i = 1; i <= n; i++) if (!(a[i] in seen)) { seen[a[i]] = 1; files[++nf] = a[i] } }
    END { if (state == "enabled" && id ~ /\.service$/) print id; printf "\001"; for (i = 1; i <= nf; i++) print files[i] }')
  split_at "$both"
  ENABLED_UNITS=$HEAD; files=$TAIL
  echo "@hashes"
  if [ -n "$files" ]; then
    set -f; IFS=$NL
    # shellcheck disable=SC2086
    SERVICES_HASHES=$(sha256sum $files 2>/dev/null
    # Units written by devenv, Puppet... hash without their header (printed last, so it wins), as the files section does.
    # shellcheck disable=SC2046,SC2086
    unmanaged_sums '\1  \2' $(grep -Eil "$CM_HEADER" $files 2>/dev/null))
    unset IFS; set +f
    printf '%s\n' "$SERVICES_HASHES"
  fi
  return 0
}
`;

export function parseServices({ lines }: RawSection, _context?: ParseContext, suffix = '.service'): Partial<Collected> {
  const hashAt = lines.indexOf('@hashes');
  const showLines = hashAt >= 0 ? lines.slice(0, hashAt) : lines;
  const fileHashes = new Map<string, string>();
  for (const line of hashAt >= 0 ? lines.slice(hashAt + 1) : []) {
    const match = /^\\?([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) fileHashes.set(match[2]!, match[1]!);
  }
  const services: NonNullable<Collected['services']> = {};
  const blocks: Map<string, string>[] = [];
  let block = new Map<string, string>();
  for (const line of [...showLines, '']) {
    if (line === '') {
      if (block.size > 0) blocks.push(block);
      block = new Map();
      continue;
    }
    const at = line.indexOf('=');
    if (at > 0) block.set(line.slice(0, at), line.slice(at + 1));
  }
  for (const props of blocks) {
    const id = props.get('Id');
    const load = props.get('LoadState');
    if (!id || !id.endsWith(suffix) || load === 'not-found' || (load === 'bad-setting' && !props.get('FragmentPath'))) continue;
    const fragment = props.get('FragmentPath') ?? '';
    const dropIns = (props.get('DropInPaths') ?? '').split(' ').filter(Boolean);
    const unitFiles = [fragment, ...dropIns].filter(Boolean);
    const hashes = unitFiles.map((f) => fileHashes.get(f));
    const mainPid = Number(props.get('MainPID'));
    const conditionChecked = Number(props.get('ConditionTimestampMonotonic') ?? '0') > 0;
    services[id.slice(0, -suffix.length)] = {
      enabled: props.get('UnitFileState') || (load === 'masked' ? 'masked' : 'unknown'),
      active: props.get('ActiveState') ?? 'unknown',
      ...(props.get('SubState') ? { sub: props.get('SubState')! } : {}),
      user: props.get('User') || 'root',
      restart: props.get('Restart') || 'no',
      ...(unitFiles.length > 0 && hashes.every((h) => h !== undefined)
        ? { unit_sha256: sha256(unitFiles.map((f, i) => `${i === 0 ? 'unit' : 'drop-in'} ${hashes[i]}`).join('\n')) }
        : {}),
      ...(mainPid > 0 ? { main_pid: mainPid } : {}),
      ...(conditionChecked && props.get('ConditionResult') === 'no' ? { condition_failed: true } : {}),
    };
  }
  if (Object.keys(services).length === 0 && suffix === '.service') throw new Error('systemctl show returned no services');
  return { services: sortRecord(services) };
}

export const servicesArea: FactArea = { section: 'services', key: 'services', script, parse: (section, context) => parseServices(section, context) };
