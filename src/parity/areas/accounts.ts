import type { Facts } from '../../facts/schema.js';
import { PRIVILEGED_GROUPS } from '../system-files.js';
import type { DriftTopic } from '../severity.js';
import type { CompareOptions } from '../drift.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the accounts fact area: its comparer and the drift topics it names, with their severity. */

export const accountsTopics = {
  'accounts.declared': always('error'),
  'accounts.declared.detail': always('warning'),
  'accounts.undeclared': always('warning'),
  'accounts.undeclared.detail': always('info'),
  /** Membership of a group that grants root or reads secrets (sudo, adm, docker…), whoever the user. */
  'accounts.privileged_membership': always('error'),
} satisfies Rules;

function compareAccounts(ref: Facts, act: Facts, emit: Emit, options: CompareOptions): void {
  const r = ref.accounts;
  const a = act.accounts;
  if (!r || !a) return;
  const declaredUsers = new Set(options.declaredUsers);
  const declaredGroups = new Set([...(options.declaredGroups ?? []), ...options.declaredUsers]);
  for (const name of keysOf(r.users, a.users)) {
    const ru = r.users[name];
    const au = a.users[name];
    const declared = declaredUsers.has(name);
    const strict: DriftTopic = declared ? 'accounts.declared' : 'accounts.undeclared';
    const detail: DriftTopic = declared ? 'accounts.declared.detail' : 'accounts.undeclared.detail';
    const path = `accounts.users.${name}`;
    if (ru && !au) {
      emit(strict, path, 'missing', { uid: ru.uid, shell: ru.shell }, undefined, `user ${name} does not exist here`);
      continue;
    }
    if (!ru && au) {
      emit(strict, path, 'extra', undefined, { uid: au.uid, shell: au.shell }, `user ${name} exists only here`);
      continue;
    }
    if (!ru || !au) continue;
    compareValue(emit, strict, `${path}.uid`, `user ${name} uid`, ru.uid, au.uid);
    compareValue(emit, strict, `${path}.gid`, `user ${name} gid`, ru.gid, au.gid);
    compareValue(emit, strict, `${path}.shell`, `user ${name} shell`, ru.shell, au.shell);
    compareValue(emit, detail, `${path}.home`, `user ${name} home`, ru.home, au.home);
    // Group membership grants privileges (sudo, adm, docker): strict for declared users, and for anyone in a privileged group.
    const membership = new Set([...ru.groups, ...au.groups].filter((g) => ru.groups.includes(g) !== au.groups.includes(g)));
    const privileged = [...membership].some((g) => PRIVILEGED_GROUPS.has(g));
    compareValue(
      emit,
      declared ? 'accounts.declared' : privileged ? 'accounts.privileged_membership' : 'accounts.undeclared',
      `${path}.groups`,
      `user ${name} groups`,
      [...ru.groups].sort(),
      [...au.groups].sort(),
    );
  }
  for (const name of keysOf(r.groups, a.groups)) {
    const rg = r.groups[name];
    const ag = a.groups[name];
    const topic: DriftTopic = declaredGroups.has(name) ? 'accounts.declared' : 'accounts.undeclared';
    const path = `accounts.groups.${name}`;
    if (rg && !ag) emit(topic, path, 'missing', { gid: rg.gid }, undefined, `group ${name} does not exist here`);
    else if (!rg && ag) emit(topic, path, 'extra', undefined, { gid: ag.gid }, `group ${name} exists only here`);
    else if (rg && ag) compareValue(emit, topic, `${path}.gid`, `group ${name} gid`, rg.gid, ag.gid);
  }
}

export const accountsParity: ParityArea = {
  report: 'own',
  errorLevel: true,
  compare: (ref, act, emit, { options }) => compareAccounts(ref, act, emit, options),
};
