import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { isInstalledStatus, keyValues, str, unquote } from './parse-helpers.js';

/** The security_updates fact area: its collector fragment, parser and schema. */

export const SecurityUpdateFacts = z.object({
  unattended_upgrades_installed: z.boolean(),
  /** APT::Periodic::Unattended-Upgrade as configured ("1" enables). */
  periodic_unattended_upgrade: str.optional(),
});

const script = sh`
section_security_updates() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  if [ -n "\${DPKG_LIST+set}" ]; then
    # The packages section's list (P, name, version, arch, status): the status of unattended-upgrades, if listed.
    status=
    case "$NL$DPKG_LIST" in
      *"\${NL}P\${TAB}unattended-upgrades\${TAB}"*)
        status=\${DPKG_LIST#*"P\${TAB}unattended-upgrades\${TAB}"}; status=\${status#*"$TAB"}; status=\${status#*"$TAB"}; status=\${status%%"$TAB"*} ;;
    esac
    echo "unattended=$status"
  else
    echo "unattended=$(dpkg-query -W -f '\${db:Status-Abbrev}' unattended-upgrades 2>/dev/null)"
  fi
  if have apt-config; then apt_settings; apt_setting periodic; [ -n "$SETTING" ] && printf '%s\n' "$SETTING"; fi
  return 0
}
`;

const parseSecurityUpdates: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const periodic = kv.get('periodic');
  return {
    security_updates: {
      unattended_upgrades_installed: isInstalledStatus((kv.get('unattended') ?? '').trim()),
      ...(periodic !== undefined ? { periodic_unattended_upgrade: unquote(periodic) } : {}),
    },
  };
};

export const securityUpdatesArea: FactArea = { section: 'security_updates', key: 'security_updates', script, parse: parseSecurityUpdates };
