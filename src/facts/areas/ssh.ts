import { sh, type FactArea, type SectionParser } from './area.js';
import { sortRecord } from './parse-helpers.js';

/** The ssh fact area: its collector fragment, parser and schema. */

const script = sh`
section_ssh() {
  s=$(command -v sshd 2>/dev/null) || s=/usr/sbin/sshd
  [ -x "$s" ] || { fail "sshd is not installed"; return 1; }
  [ "$UID_NOW" = 0 ] || { fail "sshd -T needs root (use --sudo)"; return 1; }
  out=$("$s" -T 2>&1) || { fail "sshd -T: $(first_line "$out")"; return 1; }
  printf '%s\n' "$out"
  return 0
}
`;

const parseSsh: SectionParser = ({ lines }) => {
  const ssh: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    ssh[key] = ssh[key] === undefined ? match[2]! : `${ssh[key]},${match[2]!}`;
  }
  if (Object.keys(ssh).length === 0) throw new Error('sshd -T printed nothing');
  return { ssh: sortRecord(ssh) };
};

export const sshArea: FactArea = { section: 'ssh', key: 'ssh', script, parse: parseSsh };
