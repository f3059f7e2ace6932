import { z } from 'zod';
import type { ObservedGroup, ObservedState, ObservedUser } from '../observed-state.js';
import type { ResourcePlan } from '../operation.js';
import { declaredRefs, type ObservationQuery, type ResourceProvider } from '../provider.js';
import { refOf, type ResourceOf } from '../resource.js';
import { absolutePath, ACCOUNT_NAME, accountName, accountRef, relations } from '../schema.js';
import { commandsOperation, runCommands } from '../target-command.js';

/**
 * Users and groups through useradd/usermod/groupadd: each value is its own
 * argv element, and names were validated at load time, so none can be read
 * as an option. Both types read the one getent pass (so do files and venvs,
 * for their owners), so they share this file.
 */

export const GroupAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  gid: z.number().int().min(0).optional(),
  system: z.boolean().default(false),
  ...relations,
});

export const UserAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  uid: z.number().int().min(0).optional(),
  /** Primary group, by name or gid. */
  group: accountRef.optional(),
  groups: z.array(accountName).optional(),
  system: z.boolean().default(false),
  shell: absolutePath.optional(),
  home: absolutePath.optional(),
  managehome: z.boolean().default(false),
  comment: z
    .string()
    .regex(/^[^:\n\0]*$/, 'a comment cannot contain ":" or line breaks')
    .optional(),
  ...relations,
});

export type GroupAttrs = z.output<typeof GroupAttributes>;
export type UserAttrs = z.output<typeof UserAttributes>;
export type GroupResource = ResourceOf<'group', GroupAttrs>;
export type UserResource = ResourceOf<'user', UserAttrs>;

// ---- observe

const ACCOUNTS_SCRIPT = 'getent passwd && echo @@devenv-groups && getent group';

/** Every user and group of the target in one getent pass, whatever their number. */
export const accountsQuery: ObservationQuery = {
  key: 'accounts',
  build: (resources) => (resources.length > 0 ? { script: ACCOUNTS_SCRIPT } : undefined),
  read: (stdout, _resources, state) => {
    const [passwd = '', group = ''] = stdout('getent').split('@@devenv-groups\n');
    state.users = parsePasswd(passwd);
    state.groups = parseGroup(group);
  },
};

export function parsePasswd(text: string): Record<string, ObservedUser> {
  const users: Record<string, ObservedUser> = {};
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const [name, , uid, gid, comment, home, shell] = fields as [string, string, string, string, string, string, string];
    users[name] = { uid: Number(uid), gid: Number(gid), comment, home, shell };
  }
  return users;
}

export function parseGroup(text: string): Record<string, ObservedGroup> {
  const groups: Record<string, ObservedGroup> = {};
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4) continue;
    const [name, , gid, members] = fields as [string, string, string, string];
    groups[name] = { gid: Number(gid), members: members ? members.split(',') : [] };
  }
  return groups;
}

// ---- plan

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
    return current ? { changes: ['ensure: present → absent'], operation: commandsOperation([['groupdel', name]]) } : { changes: [] };
  }
  const gidTaken = attrs.gid !== undefined && current?.gid !== attrs.gid ? holderOf(observed.groups, attrs.gid, name, (g) => g.gid) : undefined;
  if (gidTaken) return { changes: [], problem: idTaken('gid', attrs.gid!, 'group', gidTaken) };
  if (!current) {
    const argv = ['groupadd', ...(attrs.system ? ['--system'] : []), ...(attrs.gid !== undefined ? ['--gid', String(attrs.gid)] : []), name];
    return { changes: ['ensure: absent → present'], operation: commandsOperation([argv]) };
  }
  if (attrs.gid !== undefined && current.gid !== attrs.gid) {
    return { changes: [`gid: ${current.gid} → ${attrs.gid}`], operation: commandsOperation([['groupmod', '--gid', String(attrs.gid), name]]) };
  }
  return { changes: [] };
}

export function planUser(resource: UserResource, observed: ObservedState): ResourcePlan {
  const { name, attrs } = resource;
  const current = observed.users[name];
  if (attrs.ensure === 'absent') {
    return current ? { changes: ['ensure: present → absent'], operation: commandsOperation([['userdel', name]]) } : { changes: [] };
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
    return { changes: ['ensure: absent → present'], operation: commandsOperation([argv]) };
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
  return { changes, operation: commandsOperation([argv]) };
}

function accountNameProblem(type: 'user' | 'group'): (name: string) => string | undefined {
  return (name) =>
    ACCOUNT_NAME.test(name)
      ? undefined
      : `"${name}" is not a valid ${type} name (lowercase letters, digits, "_" or "-", starting with a letter or "_", at most 32)`;
}

export const groupProvider: ResourceProvider<'group', GroupAttrs> = {
  type: 'group',
  attributes: GroupAttributes,
  nameProblem: accountNameProblem('group'),
  observe: { queries: [accountsQuery] },
  plan: (resource, observed) => planGroup(resource, observed),
  apply: (session, { changes }) => runCommands(session.target, changes[0]?.operation),
};

export const userProvider: ResourceProvider<'user', UserAttrs> = {
  type: 'user',
  attributes: UserAttributes,
  nameProblem: accountNameProblem('user'),
  // A user after its groups.
  impliedAfter: (resource, declared) =>
    declaredRefs(
      [...(resource.attrs.group ? [refOf('group', resource.attrs.group)] : []), ...(resource.attrs.groups ?? []).map((g) => refOf('group', g))],
      resource.ref,
      declared,
    ),
  observe: { queries: [accountsQuery] },
  plan: (resource, observed) => planUser(resource, observed),
  apply: (session, { changes }) => runCommands(session.target, changes[0]?.operation),
};
