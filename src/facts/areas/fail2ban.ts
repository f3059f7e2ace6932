import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, str } from './parse-helpers.js';

/** The fail2ban fact area: its collector fragment, parser and schema. */

export const Fail2banFacts = z.object({
  installed: z.boolean(),
  active: z.boolean(),
  jails: z.array(str),
});

const script = sh`
section_fail2ban() {
  if ! have fail2ban-client; then echo "installed=no"; return 0; fi
  echo "installed=yes"
  active=$(systemctl is-active fail2ban.service 2>/dev/null)
  echo "active=$active"
  [ "$active" = active ] || return 0
  out=$(fail2ban-client status 2>&1) || { fail "fail2ban-client status: $(first_line "$out")"; return 1; }
  printf '%s\n' "$out" | sed -n 's/.*Jail list:[[:space:]]*/jails=/p'
  return 0
}
`;

const parseFail2ban: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const jails = (kv.get('jails') ?? '')
    .split(',')
    .map((j) => j.trim())
    .filter(Boolean);
  return { fail2ban: { installed: kv.get('installed') === 'yes', active: kv.get('active') === 'active', jails } };
};

export const fail2banArea: FactArea = { section: 'fail2ban', key: 'fail2ban', script, parse: parseFail2ban };
