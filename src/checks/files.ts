import type { FileFactsT } from '../facts/schema.js';
import type { Check, CheckInput } from './types.js';
import { fail, notApplicable, pass, warn } from './types.js';
import { formatMode, permissionBits } from './file-mode.js';
import { listSome } from './sections.js';

/**
 * The facts of each path that exists, and a reason for each that cannot be judged
 * (no facts — the collector stats only managed and listed files — or absent).
 */
function existingFiles(input: CheckInput, paths: readonly string[]): { files: [string, FileFactsT][]; unknown: string[] } {
  const files: [string, FileFactsT][] = [];
  const unknown: string[] = [];
  for (const path of paths) {
    // Without a profile, the secrets were found among the files no package owns (checks/infer.ts).
    const file =
      input.facts.files?.[path] ?? (input.facts.unowned_files?.[path] as FileFactsT | undefined) ?? (input.facts.conffiles?.[path] as FileFactsT | undefined);
    if (file === undefined) unknown.push(`no facts for ${path}`);
    else if (file.type === 'absent') unknown.push(`${path} does not exist`);
    else files.push([path, file]);
  }
  return { files, unknown };
}

export const secretsPermissions: Check = {
  id: 'secrets-permissions',
  title: 'Secret files are not world-readable and belong to root or the app',
  remediation: 'chown root:APP_GROUP and chmod 0640 (or 0600) each secret file',
  needs: ['files'],
  precheck(input) {
    return input.checklist.secrets.length === 0 ? notApplicable('the profile lists no secret files (checklist.secrets)') : undefined;
  },
  run(input) {
    const secrets = input.checklist.secrets;
    const owners = new Set(['root', ...(input.checklist.app_user ? [input.checklist.app_user] : [])]);
    const problems: string[] = [];
    const { files, unknown } = existingFiles(input, secrets);
    for (const [path, file] of files) {
      const bits = permissionBits(file.mode);
      if (bits === undefined) unknown.push(`the mode of ${path} is unknown`);
      else if ((bits & 0o007) !== 0) problems.push(`${path} is mode ${formatMode(bits)}, open to every user`);
      if (file.owner === undefined) unknown.push(`the owner of ${path} is unknown`);
      else if (!owners.has(file.owner)) problems.push(`${path} is owned by ${file.owner}, not ${[...owners].join(' or ')}`);
    }
    if (problems.length > 0) return fail(listSome(problems, 4));
    if (unknown.length > 0) return warn(`cannot judge: ${listSome(unknown, 4)}`);
    return pass(`${secrets.length} secret file${secrets.length > 1 ? 's' : ''} closed to other users and owned by ${[...owners].join(' or ')}`);
  },
};

export const codeNotWritable: Check = {
  id: 'code-not-writable',
  title: 'App code is not writable by the app user',
  remediation: 'chown -R root:root the code and remove group/other write (chmod -R go-w); give the app a separate writable data folder',
  needs: ['files', 'accounts'],
  precheck(input) {
    if (input.checklist.app_paths.length === 0) return notApplicable('the profile lists no app code paths (checklist.app_paths)');
    if (input.checklist.app_user === undefined)
      return warn('the profile names no checklist.app_user, so there is no user to judge write access for', 'set checklist.app_user');
    return undefined;
  },
  run(input) {
    const paths = input.checklist.app_paths;
    const name = input.checklist.app_user!;
    const { users, groups } = input.facts.accounts!;
    const user = users[name];
    if (!user) return warn(`the app user ${name} does not exist, so write access cannot be judged`);
    const userGroups = new Set(user.groups);
    for (const [group, facts] of Object.entries(groups)) {
      if (facts.gid === user.gid || facts.members.includes(name)) userGroups.add(group);
    }
    const problems: string[] = [];
    const { files, unknown } = existingFiles(input, paths);
    for (const [path, file] of files) {
      const bits = permissionBits(file.mode);
      if (file.owner === name) problems.push(`${path} is owned by ${name}`);
      if (bits === undefined || file.group === undefined) {
        unknown.push(`the mode or group of ${path} is unknown`);
        continue;
      }
      if ((bits & 0o020) !== 0 && userGroups.has(file.group)) problems.push(`${path} is group-writable by ${file.group}, a group of ${name}`);
      if ((bits & 0o002) !== 0) problems.push(`${path} is world-writable (${formatMode(bits)})`);
    }
    if (problems.length > 0) return fail(listSome(problems, 4));
    if (unknown.length > 0) return warn(`cannot judge: ${listSome(unknown, 4)}`);
    return pass(`${listSome(paths, 3)} not writable by ${name}`);
  },
};

interface SystemFileRule {
  path: string;
  /** Exactly this mode, or at most these bits. */
  mode: { exact: number } | { atMost: number };
  /** Judged only when the facts have it (not every base system has it). */
  optional: boolean;
}

const SYSTEM_FILES: SystemFileRule[] = [
  { path: '/etc/passwd', mode: { exact: 0o644 }, optional: false },
  { path: '/etc/shadow', mode: { atMost: 0o640 }, optional: false },
  { path: '/etc/group', mode: { exact: 0o644 }, optional: true },
  { path: '/etc/gshadow', mode: { atMost: 0o640 }, optional: true },
];

export const systemFilePerms: Check = {
  id: 'system-file-perms',
  title: 'Account databases have safe permissions and belong to root',
  remediation: 'chown root /etc/passwd /etc/shadow; chmod 0644 /etc/passwd /etc/group; chmod 0640 /etc/shadow /etc/gshadow',
  needs: ['files'],
  run(input) {
    const problems: string[] = [];
    const unknown: string[] = [];
    const judged: string[] = [];
    for (const rule of SYSTEM_FILES) {
      const file = input.facts.files![rule.path];
      if (file === undefined || file.type === 'absent') {
        if (!rule.optional) unknown.push(file === undefined ? `no facts for ${rule.path}` : `${rule.path} does not exist`);
        continue;
      }
      const bits = permissionBits(file.mode);
      if (bits === undefined) unknown.push(`the mode of ${rule.path} is unknown`);
      else if ('exact' in rule.mode && bits !== rule.mode.exact) problems.push(`${rule.path} is mode ${formatMode(bits)}, not ${formatMode(rule.mode.exact)}`);
      else if ('atMost' in rule.mode && (bits & ~rule.mode.atMost) !== 0)
        problems.push(`${rule.path} is mode ${formatMode(bits)}, more than ${formatMode(rule.mode.atMost)}`);
      if (file.owner !== undefined && file.owner !== 'root') problems.push(`${rule.path} is owned by ${file.owner}, not root`);
      else if (file.owner === undefined) unknown.push(`the owner of ${rule.path} is unknown`);
      judged.push(rule.path);
    }
    if (problems.length > 0) return fail(problems.join('; '));
    if (unknown.length > 0) return warn(`cannot judge: ${unknown.join('; ')}`);
    return pass(`${judged.join(', ')} have safe modes and belong to root`);
  },
};

/**
 * The managed files that must carry the header. Only files whose format has
 * comments are listed (declaredStateFromManifests); JSON is written without a
 * header. Secrets are left out: the collector never reads their content, only
 * fingerprints it.
 */
function managedWithHeader(input: CheckInput): string[] {
  const secrets = new Set(input.checklist.secrets);
  return (input.declared?.managedFiles ?? []).filter((path) => !secrets.has(path));
}

export const managedHeader: Check = {
  id: 'managed-header',
  title: 'Every file devenv manages carries its header',
  remediation:
    're-provision (devenv provision) so devenv rewrites the file with its "managed by devenv" header, and make local changes in the manifest instead',
  needs: ['files'],
  precheck(input) {
    if (managedWithHeader(input).length > 0) return undefined;
    return notApplicable(
      input.declared ? 'the manifests manage no file that can carry a header' : 'no manifests were given, so there are no managed files to look at',
    );
  },
  run(input) {
    const managed = managedWithHeader(input);
    const missingHeader: string[] = [];
    const unknown: string[] = [];
    for (const path of managed) {
      const file = input.facts.files![path];
      if (file === undefined) unknown.push(`no facts for ${path}`);
      else if (file.type === 'absent') unknown.push(`${path} does not exist (not provisioned yet?)`);
      else if (file.devenv_header === false) missingHeader.push(path);
      else if (file.devenv_header === undefined) unknown.push(`the header of ${path} was not read`);
    }
    if (missingHeader.length > 0) return fail(`without the devenv header (edited by hand or by another tool?): ${listSome(missingHeader)}`);
    if (unknown.length > 0) return warn(`cannot judge: ${listSome(unknown, 4)}`);
    return pass(managed.length === 1 ? `the managed file ${managed[0]} carries the devenv header` : `${managed.length} managed files carry the devenv header`);
  },
};
