import type { ObservedState } from '../observed-state.js';
import type { Command, ResourcePlan } from '../operation.js';
import type { GroupResource, UserResource } from '../resource.js';

/**
 * Users and groups through useradd/usermod/groupadd: each value is its own
 * argv element, and names were validated at load time, so none can be read
 * as an option.
 */
/** The other account that already has this id in the environment, if any. */
function holderOf<T>(accounts: Record<string, T>, id: number, self: string, idOf: (account: T) => number): string | undefined {
  return Object.entries(accounts).find(([other, account]) => other !== self && idOf(account) === id)?.[0];
}

function idTaken(kind: 'uid' | 'gid', id: number, type: 'user' | 'group', holder: string): string {
  const vagrant = holder === 'vagrant' ? " (the Vagrant box's own user)" : '';
  return `${kind} ${id} is already taken in the environment by the ${type} "${holder}"${vagrant}, which the box or backend made: give this ${type} another ${kind}, or remove "${holder}" first`;
}

export function planGroup(resource: GroupResource, observed: ObservedState): ResourcePlan {
  const { name, attrs } = resource;
  const current = observed.groups[name];
  if (attrs.ensure === 'absent') {
    return current ? { changes: ['ensure: present → absent'], operation: commands([['groupdel', name]]) } : { changes: [] };
  }
  const gidTaken = attrs.gid !== undefined && current?.gid !== attrs.gid ? holderOf(observed.groups, attrs.gid, name, (g) => g.gid) : undefined;
  if (gidTaken) return { changes: [], problem: idTaken('gid', attrs.gid!, 'group', gidTaken) };
  if (!current) {
    const argv = ['groupadd', ...(attrs.system ? ['--system'] : []), ...(attrs.gid !== undefined ? ['--gid', String(attrs.gid)] : []), name];
    return { changes: ['ensure: absent → present'], operation: commands([argv]) };
  }
  if (attrs.gid !== undefined && current.gid !== attrs.gid) {
    return { changes: [`gid: ${current.gid} → ${attrs.gid}`], operation: commands([['groupmod', '--gid', String(attrs.gid), name]]) };
  }
  return { changes: [] };
}

export function planUser(resource: UserResource, observed: ObservedState): ResourcePlan {
  const { name, attrs } = resource;
  const current = observed.users[name];
  if (attrs.ensure === 'absent') {
    return current ? { changes: ['ensure: present → absent'], operation: commands([['userdel', name]]) } : { changes: [] };
  }
  // Found at plan time, before anything changes: useradd would stop halfway with "UID 1000 is not unique".
  const uidTaken = attrs.uid !== undefined && current?.uid !== attrs.uid ? holderOf(observed.users, attrs.uid, name, (u) => u.uid) : undefined;
  if (uidTaken) return { changes: [], problem: idTaken('uid', attrs.uid!, 'user', uidTaken) };
  // Debian's useradd makes a same-named group unless told which one; if that group exists (or is declared), use it.
  const primary = attrs.group ?? (observed.groups[name] ? name : undefined);
  if (!current) {
    const argv = ['useradd'];
    if (attrs.system) argv.push('--system');
    if (attrs.uid !== undefined) argv.push('--uid', String(attrs.uid));
    if (primary !== undefined) argv.push('--gid', primary);
    if (attrs.groups?.length) argv.push('--groups', attrs.groups.join(','));
    if (attrs.home !== undefined) argv.push('--home-dir', attrs.home);
    argv.push(attrs.managehome ? '--create-home' : '--no-create-home');
    if (attrs.shell !== undefined) argv.push('--shell', attrs.shell);
    if (attrs.comment !== undefined) argv.push('--comment', attrs.comment);
    argv.push(name);
    return { changes: ['ensure: absent → present'], operation: commands([argv]) };
  }
  const changes: string[] = [];
  const argv = ['usermod'];
  if (attrs.uid !== undefined && current.uid !== attrs.uid) {
    changes.push(`uid: ${current.uid} → ${attrs.uid}`);
    argv.push('--uid', String(attrs.uid));
  }
  if (attrs.group !== undefined) {
    const wantedGid = /^\d+$/.test(attrs.group) ? Number(attrs.group) : observed.groups[attrs.group]?.gid;
    if (wantedGid !== current.gid) {
      const currentName = Object.entries(observed.groups).find(([, g]) => g.gid === current.gid)?.[0] ?? String(current.gid);
      changes.push(`group: ${currentName} → ${attrs.group}`);
      argv.push('--gid', attrs.group);
    }
  }
  if (attrs.shell !== undefined && current.shell !== attrs.shell) {
    changes.push(`shell: ${current.shell} → ${attrs.shell}`);
    argv.push('--shell', attrs.shell);
  }
  if (attrs.home !== undefined && current.home !== attrs.home) {
    changes.push(`home: ${current.home} → ${attrs.home}`);
    argv.push('--home', attrs.home);
  }
  if (attrs.comment !== undefined && current.comment !== attrs.comment) {
    changes.push(`comment: ${JSON.stringify(current.comment)} → ${JSON.stringify(attrs.comment)}`);
    argv.push('--comment', attrs.comment);
  }
  // Membership is a minimum: listed groups are added, others are left alone.
  const missing = (attrs.groups ?? []).filter((group) => !observed.groups[group]?.members.includes(name));
  if (missing.length) {
    changes.push(`groups: add ${missing.join(', ')}`);
    argv.push('--append', '--groups', missing.join(','));
  }
  if (changes.length === 0) return { changes };
  argv.push(name);
  return { changes, operation: commands([argv]) };
}

function commands(argvs: string[][]): { kind: 'commands'; commands: Command[] } {
  return { kind: 'commands', commands: argvs.map((argv) => ({ argv })) };
}
