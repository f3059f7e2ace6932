import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { num, octalMode, str, tabbed } from './parse-helpers.js';

/** The listeners fact area: its collector fragment, parser and schema. */

export const SocketListener = z.object({
  protocol: z.enum(['tcp', 'udp']),
  address: str,
  port: num,
  process: str.optional(),
  pid: num.optional(),
  user: str.optional(),
});

export const UnixListener = z.object({
  path: str,
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
  process: str.optional(),
  user: str.optional(),
});

export const ListenersFacts = z.object({ sockets: z.array(SocketListener), unix: z.array(UnixListener) });

const script = sh`
section_listeners() {
  have ss || { fail "ss not found (iproute2)"; return 1; }
  # One ss for inet and unix sockets: tcp/udp lines become N, unix ones X, and
  # the unix sockets' paths follow SOH for one stat.
  out=$(ss -Htuxlnp 2>/dev/null | awk '
    $1 ~ /^u_/ { print "X " $0; if ($5 ~ /^\// && !($5 in seen)) { seen[$5] = 1; paths[++n] = $5 }; next }
    { print "N " $0 }
    END { printf "\001"; for (i = 1; i <= n; i++) print paths[i] }') || { fail "ss -tuln failed"; return 1; }
  split_at "$out"
  printf '%s' "$HEAD"
  if [ -n "$TAIL" ]; then
    set -f; IFS=$NL
    # shellcheck disable=SC2086
    stat --printf 'S\t%a\t%U\t%G\t%n\n' $TAIL 2>/dev/null
    unset IFS; set +f
  fi
  return 0
}
`;

/** `users:(("sshd",pid=410,fd=3),…)` → first process name and pid. */
function processOf(field: string): { process?: string; pid?: number } {
  const match = /\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(field);
  return match ? { process: match[1]!, pid: Number(match[2]) } : {};
}

/** "0.0.0.0:22", "[::]:22", "127.0.0.53%lo:53", "*:68" → address and port. */
export function splitSocketAddress(text: string): { address: string; port: number } | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  const port = Number(text.slice(at + 1));
  if (!Number.isInteger(port)) return undefined;
  let address = text.slice(0, at).replace(/%[^\]]*$/, '');
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, '');
  return { address, port };
}

const parseListeners: SectionParser = ({ lines }, context) => {
  const sockets: NonNullable<Collected['listeners']>['sockets'] = [];
  const unix: NonNullable<Collected['listeners']>['unix'] = [];
  const stats = new Map<string, { mode: string; owner: string; group: string }>();
  for (const [mode = '', owner = '', group = '', path = ''] of tabbed(lines, 'S')) stats.set(path, { mode: octalMode(mode), owner, group });
  const seen = new Set<string>();
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'N') {
      const [, netid = '', , , , local = '', , ...rest] = fields;
      const protocol = netid.startsWith('udp') ? 'udp' : netid.startsWith('tcp') ? 'tcp' : undefined;
      const where = splitSocketAddress(local);
      if (!protocol || !where) continue;
      const proc = processOf(rest.join(' '));
      const key = `${protocol} ${where.address} ${where.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const user = proc.pid !== undefined ? context.processUsers.get(proc.pid) : undefined;
      sockets.push({ protocol, ...where, ...proc, ...(user ? { user } : {}) });
    } else if (fields[0] === 'X') {
      const path = fields[5] ?? '';
      if (!path || path === '*' || seen.has(`unix ${path}`)) continue;
      seen.add(`unix ${path}`);
      const proc = processOf(fields.slice(9).join(' '));
      const user = proc.pid !== undefined ? context.processUsers.get(proc.pid) : undefined;
      unix.push({
        path,
        ...(stats.get(path) ?? {}),
        ...(proc.process ? { process: proc.process } : {}),
        ...(user ? { user } : {}),
      });
    }
  }
  sockets.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address));
  unix.sort((a, b) => a.path.localeCompare(b.path));
  return { listeners: { sockets, unix } };
};

export const listenersArea: FactArea = { section: 'listeners', key: 'listeners', script, parse: parseListeners, parseAfter: ['processes'] };
