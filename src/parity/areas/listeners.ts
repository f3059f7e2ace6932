import type { Facts } from '../../facts/schema.js';
import { isHostPlumbingProcess, isVagrantAccessProcess } from '../classify.js';
import type { DriftTopic, SeverityContext } from '../severity.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { always, unlessMachineKindDiffers, unlessVagrantMachine, type Rules } from './rules.js';

/** Parity of the listeners fact area: its comparer and the drift topics it names, with their severity. */

export const listenersTopics = {
  'listeners.socket': always('error'),
  'listeners.detail': always('warning'),
  /** Same port on a host-specific address: addresses differ between machines. */
  'listeners.address': always('info'),
  /** Sockets of login sessions and of the init system's own plumbing. */
  'listeners.session': always('info'),
  'listeners.system': unlessMachineKindDiffers('warning'),
  /** sshd's socket on one side where a side is a Vagrant machine: Vagrant's way in. */
  'listeners.vagrant': unlessVagrantMachine('error'),
} satisfies Rules;

/** The topic of a socket only one side has. */
function presenceTopic(process: string | undefined, ctx: SeverityContext): DriftTopic {
  if (isHostPlumbingProcess(process) && (ctx.actualIsContainer || ctx.virtualizationDiffers)) return 'listeners.system';
  if (isVagrantAccessProcess(process)) return 'listeners.vagrant';
  return 'listeners.socket';
}

const WILDCARD = new Set(['0.0.0.0', '::', '*']);
function isSpecificAddress(address: string): boolean {
  return !WILDCARD.has(address) && !/^127\./.test(address) && address !== '::1';
}

function socketKey(s: { protocol: string; address: string; port: number }): string {
  const address = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${s.protocol}.${address}:${s.port}`;
}

function hasIpv4Twin(sockets: ReadonlyMap<string, { protocol: string; address: string; port: number }>, socket: { protocol: string; port: number }): boolean {
  return sockets.has(`${socket.protocol}.0.0.0.0:${socket.port}`) || sockets.has(`${socket.protocol}.*:${socket.port}`);
}

function compareListeners(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.listeners;
  const a = act.listeners;
  if (!r || !a) return;
  type Socket = (typeof r.sockets)[number];
  const rMap = new Map(r.sockets.map((s) => [socketKey(s), s] as const));
  const aMap = new Map(a.sockets.map((s) => [socketKey(s), s] as const));
  const onlyRef: Socket[] = [];
  const onlyAct = new Map<string, Socket>();
  for (const [key, s] of aMap) if (!rMap.has(key)) onlyAct.set(key, s);
  for (const [key, rs] of [...rMap].sort(([x], [y]) => x.localeCompare(y))) {
    const as = aMap.get(key);
    if (!as) {
      onlyRef.push(rs);
      continue;
    }
    const path = `listeners.${key}`;
    compareValue(emit, 'listeners.socket', `${path}.user`, `listener ${key} user`, rs.user, as.user);
    if (rs.process && as.process) compareValue(emit, 'listeners.detail', `${path}.process`, `listener ${key} process`, rs.process, as.process);
  }
  for (const rs of onlyRef) {
    const key = socketKey(rs);
    // The same port on another machine-specific address: the addresses differ, the listener does not.
    const twin = isSpecificAddress(rs.address)
      ? [...onlyAct.entries()].find(([, s]) => s.protocol === rs.protocol && s.port === rs.port && isSpecificAddress(s.address))
      : undefined;
    if (twin) {
      onlyAct.delete(twin[0]);
      emit(
        'listeners.address',
        `listeners.${key}`,
        'changed',
        rs.address,
        twin[1].address,
        `listener ${rs.protocol}/${rs.port} is on ${rs.address} there, ${twin[1].address} here (addresses differ between machines)`,
      );
      continue;
    }
    if (rs.address === '::' && (ctx.actualIsContainer || ctx.virtualizationDiffers) && hasIpv4Twin(aMap, rs)) {
      // Containers often run without IPv6: the same port on the IPv4 wildcard is the same listener.
      emit(
        'listeners.address',
        `listeners.${key}`,
        'missing',
        rs.process ?? key,
        undefined,
        `${rs.protocol}/${rs.port} listens on IPv4 only here (no IPv6 in this environment)`,
      );
      continue;
    }
    emit(
      presenceTopic(rs.process, ctx),
      `listeners.${key}`,
      'missing',
      rs.process ?? key,
      undefined,
      `nothing listens on ${key.replace('.', ' ')} here${rs.process ? ` (reference: ${rs.process})` : ''}`,
    );
  }
  for (const [key, as] of [...onlyAct].sort(([x], [y]) => x.localeCompare(y))) {
    emit(
      presenceTopic(as.process, ctx),
      `listeners.${key}`,
      'extra',
      undefined,
      as.process ?? key,
      `${as.process ?? 'something'} listens on ${key.replace('.', ' ')} only here`,
    );
  }

  const rUnix = new Map(r.unix.map((u) => [u.path, u] as const));
  const aUnix = new Map(a.unix.map((u) => [u.path, u] as const));
  const unixTopic = (path: string): DriftTopic => {
    if (path.startsWith('@') || path.startsWith('/run/user/')) return 'listeners.session';
    if (/^\/run\/(systemd|udev|dbus)\//.test(path)) return 'listeners.system';
    return 'listeners.socket';
  };
  for (const path of keysOf(Object.fromEntries(rUnix), Object.fromEntries(aUnix))) {
    const ru = rUnix.get(path);
    const au = aUnix.get(path);
    const at = `listeners.unix.${path}`;
    if (ru && !au) emit(unixTopic(path), at, 'missing', ru.process ?? path, undefined, `unix socket ${path} is missing here`);
    else if (!ru && au) emit(unixTopic(path), at, 'extra', undefined, au.process ?? path, `unix socket ${path} exists only here`);
    else if (ru && au) {
      const detail: DriftTopic = unixTopic(path) === 'listeners.socket' ? 'listeners.detail' : unixTopic(path);
      if (ru.mode && au.mode) compareValue(emit, detail, `${at}.mode`, `unix socket ${path} mode`, ru.mode, au.mode);
      if (ru.owner && au.owner) compareValue(emit, detail, `${at}.owner`, `unix socket ${path} owner`, ru.owner, au.owner);
      if (ru.group && au.group) compareValue(emit, detail, `${at}.group`, `unix socket ${path} group`, ru.group, au.group);
    }
  }
}

export const listenersParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit, { ctx }) => compareListeners(ref, act, emit, ctx) };
