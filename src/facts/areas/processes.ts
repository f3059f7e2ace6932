import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { num, str } from './parse-helpers.js';

/** The processes fact area: its collector fragment, parser and schema. */

export const ProcessFacts = z.object({
  pid: num,
  ppid: num,
  user: str,
  comm: str,
  args: str,
});

const script = sh`
section_processes() {
  ps -eo pid=,ppid=,user:32=,comm=,args= || { fail "ps failed"; return 1; }
  return 0
}
`;

const parseProcesses: SectionParser = ({ lines }, context) => {
  const processes: NonNullable<Collected['processes']> = [];
  const self = context.meta.shellPid;
  for (const line of lines) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const ppid = Number(match[2]);
    // The collector's own shell and the commands it forked are not part of the system.
    if (self !== undefined && (pid === self || ppid === self)) continue;
    processes.push({ pid, ppid, user: match[3]!, comm: match[4]!, args: match[5]!.trimEnd() });
  }
  if (processes.length === 0) throw new Error('ps listed no processes');
  for (const p of processes) context.processUsers.set(p.pid, p.user);
  return { processes };
};

export const processesArea: FactArea = { section: 'processes', key: 'processes', script, parse: parseProcesses };
