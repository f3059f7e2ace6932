import type { Check, CheckInput, CheckOutcome } from './types.js';
import { fail, pass, warn } from './types.js';
import { appProcesses, describeProcess, hasAppIdentity, resolveAppIdentity } from './app-identity.js';
import { listSome } from './sections.js';

const NOLOGIN_SHELLS = new Set(['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false']);
/** Accounts shared by many daemons: an app using one of them does not have its "own" user. */
const SHARED_ACCOUNTS = new Set(['root', 'nobody', 'daemon', 'www-data', 'bin', 'sys']);
/** Debian's SYS_UID_MAX: regular login accounts start at 1000. */
const SYSTEM_UID_MAX = 999;
/** Groups that grant root or root-equivalent access (docker/lxd sockets, adm reads all logs). */
export const PRIVILEGED_GROUPS = ['sudo', 'adm', 'docker', 'wheel', 'admin', 'lxd', 'root'];

const NO_APP_USER = 'the profile names no checklist.app_user, so there is no app user to judge';
const SET_APP_USER = 'set checklist.app_user in devenv.yaml to the account the app runs as';

/** Checks about the app user say so first when the profile names none. */
function needsAppUser(input: CheckInput): CheckOutcome | undefined {
  return input.checklist.app_user === undefined ? warn(NO_APP_USER, SET_APP_USER) : undefined;
}

export const appUser: Check = {
  id: 'app-user',
  title: 'The app has its own system user without a login shell',
  remediation: 'create a system user for the app (user: {NAME: {system: true, shell: /usr/sbin/nologin}}) and name it in checklist.app_user',
  needs: ['accounts'],
  precheck: needsAppUser,
  run(input) {
    const name = input.checklist.app_user!;
    const user = input.facts.accounts!.users[name];
    if (!user) return fail(`the app user ${name} does not exist`);
    const problems: string[] = [];
    if (user.uid === 0) problems.push(`${name} has uid 0`);
    else if (user.uid > SYSTEM_UID_MAX) problems.push(`${name} has uid ${user.uid}, not a system uid (≤ ${SYSTEM_UID_MAX})`);
    if (SHARED_ACCOUNTS.has(name)) problems.push(`${name} is an account shared with other daemons`);
    if (!NOLOGIN_SHELLS.has(user.shell)) problems.push(`${name} has the login shell ${user.shell}`);
    if (problems.length > 0) return fail(problems.join('; '));
    return pass(`${name} is a system user (uid ${user.uid}) with shell ${user.shell}`);
  },
};

export const appNotRoot: Check = {
  id: 'app-not-root',
  title: 'App services and processes never run as root',
  remediation: "set User= (and Group=) to the app user in the app's systemd unit; bind privileged ports through a proxy or a socket unit",
  needs: ['services', 'processes'],
  precheck(input) {
    return hasAppIdentity(input) ? undefined : warn('the profile names neither checklist.app_user nor checklist.app_services', SET_APP_USER);
  },
  run(input) {
    const app = resolveAppIdentity(input);
    const problems: string[] = [];
    for (const missing of app.missingServices) problems.push(`app service ${missing} is not on the target`);
    if (app.services.length === 0 && app.missingServices.length === 0) {
      return warn(
        `no service runs as ${app.user ?? '(no app user)'} or is named after ${input.appName ?? app.user ?? 'the app'}`,
        "list the app's units in checklist.app_services",
      );
    }
    for (const service of app.services) {
      if (service.facts.user === 'root') problems.push(`service ${service.name} runs as root`);
      else if (app.user !== undefined && service.facts.user !== app.user)
        problems.push(`service ${service.name} runs as ${service.facts.user}, not ${app.user}`);
    }
    const rootProcesses = appProcesses(input.facts, app).filter((process) => process.user === 'root');
    if (rootProcesses.length > 0) problems.push(`root processes in the app: ${listSome(rootProcesses.map(describeProcess))}`);
    if (problems.length > 0) return fail(problems.join('; '));
    const users = [...new Set(app.services.map((service) => service.facts.user))];
    return pass(`${listSome(app.services.map((service) => service.name))} run${app.services.length === 1 ? 's' : ''} as ${listSome(users)}`);
  },
};

export const appUserUnprivileged: Check = {
  id: 'app-user-unprivileged',
  title: 'The app user is in no privileged group',
  remediation: 'remove the app user from sudo, adm, docker, wheel and similar groups (gpasswd -d USER GROUP)',
  needs: ['accounts'],
  precheck: needsAppUser,
  run(input) {
    const name = input.checklist.app_user!;
    const { users, groups } = input.facts.accounts!;
    const user = users[name];
    if (!user) return warn(`the app user ${name} does not exist, so its groups cannot be judged`);
    const memberOf = new Set(user.groups);
    for (const [group, facts] of Object.entries(groups)) {
      if (facts.members.includes(name) || facts.gid === user.gid) memberOf.add(group);
    }
    const privileged = PRIVILEGED_GROUPS.filter((group) => memberOf.has(group));
    if (privileged.length > 0) return fail(`${name} is in the privileged group${privileged.length > 1 ? 's' : ''} ${privileged.join(', ')}`);
    return pass(`${name} is in ${memberOf.size > 0 ? [...memberOf].sort().join(', ') : 'no group'}, none privileged`);
  },
};

export const singleUid0: Check = {
  id: 'single-uid0',
  title: 'root is the only account with uid 0',
  remediation: 'give every other uid-0 account its own uid, or remove it (and use sudo for administration)',
  needs: ['accounts'],
  run(input: CheckInput) {
    const others = Object.entries(input.facts.accounts!.users)
      .filter(([name, user]) => user.uid === 0 && name !== 'root')
      .map(([name]) => name)
      .sort();
    if (others.length > 0) return fail(`besides root, uid 0 is held by ${others.join(', ')}`);
    return pass('only root has uid 0');
  },
};
