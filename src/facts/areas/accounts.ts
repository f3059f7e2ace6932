import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { num, str } from './parse-helpers.js';

/** The accounts fact area: its collector fragment, parser and schema. */

export const UserFacts = z.object({
  uid: num,
  gid: num,
  home: str,
  shell: str,
  groups: z.array(str),
});

export const GroupFacts = z.object({ gid: num, members: z.array(str) });

export const AccountsFacts = z.object({ users: z.record(str, UserFacts), groups: z.record(str, GroupFacts) });

const script = sh`
section_accounts() {
  have getent || { fail "getent not found"; return 1; }
  # Prefixed by builtins: a sed per list would cost more than the lists.
  # (An empty list is the parser's to report, as when getent fails.)
  out=$(getent passwd)
  set -f; IFS=$NL
  for l in $out; do printf 'U:%s\n' "$l"; done
  for l in $(getent group); do printf 'G:%s\n' "$l"; done
  unset IFS; set +f
  return 0
}
`;

const parseAccounts: SectionParser = ({ lines }) => {
  const users: NonNullable<Collected['accounts']>['users'] = {};
  const groups: NonNullable<Collected['accounts']>['groups'] = {};
  const groupNameByGid = new Map<number, string>();
  for (const line of lines) {
    if (line.startsWith('G:')) {
      const [name = '', , gid = '', members = ''] = line.slice(2).split(':');
      if (!name || groups[name]) continue;
      groups[name] = { gid: Number(gid), members: members ? members.split(',').filter(Boolean) : [] };
      if (!groupNameByGid.has(Number(gid))) groupNameByGid.set(Number(gid), name);
    }
  }
  for (const line of lines) {
    if (line.startsWith('U:')) {
      const [name = '', , uid = '', gid = '', , home = '', shell = ''] = line.slice(2).split(':');
      if (!name || users[name]) continue;
      const memberOf = new Set<string>();
      const primary = groupNameByGid.get(Number(gid));
      if (primary) memberOf.add(primary);
      users[name] = { uid: Number(uid), gid: Number(gid), home, shell, groups: [] };
      for (const [groupName, group] of Object.entries(groups)) if (group.members.includes(name)) memberOf.add(groupName);
      users[name]!.groups = [...memberOf].sort();
    }
  }
  if (Object.keys(users).length === 0) throw new Error('getent passwd listed no users');
  return { accounts: { users, groups } };
};

export const accountsArea: FactArea = { section: 'accounts', key: 'accounts', script, parse: parseAccounts };
