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
  echo "unattended=$(dpkg-query -W -f '\${db:Status-Abbrev}' unattended-upgrades 2>/dev/null)"
  have apt-config && apt-config shell periodic APT::Periodic::Unattended-Upgrade 2>/dev/null
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
