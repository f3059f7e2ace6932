import type { Facts } from '../../facts/schema.js';
import type { DriftTopic } from '../severity.js';
import type { CompareOptions, DriftKind } from '../drift.js';
import { compareValue, keysOf, type Emit, type ParityArea, type Place } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the files fact area: its comparer and the drift topics it names, with their severity. */

export const filesTopics = {
  'files.managed': always('error'),
  /** Checklist secrets: owner and mode only, never content. */
  'files.secret': always('warning'),
  /** passwd/group/shadow content: the accounts section reports what differs in them. */
  'files.account_db': always('info'),
  'files.other': always('warning'),
  /** Owner, group or mode of a changed conffile or of a file no package owns (secrets: all there is to compare). */
  'files.meta': always('warning'),
} satisfies Rules;

const ACCOUNT_DATABASES = new Set(['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow']);

function compareFiles(ref: Facts, act: Facts, emit: Emit, options: CompareOptions): void {
  const r = ref.files;
  const a = act.files;
  if (!r || !a) return;
  const managed = new Set(options.managedPaths);
  const secrets = new Set([...options.secretPaths, '/etc/shadow']);
  for (const path of keysOf(r, a)) {
    const rf = r[path] ?? { type: 'absent' as const };
    const af = a[path] ?? { type: 'absent' as const };
    const at = `files.${path}`;
    const isManaged = managed.has(path);
    const isSecret = secrets.has(path);
    const presence: DriftTopic = isManaged ? 'files.managed' : isSecret ? 'files.secret' : ACCOUNT_DATABASES.has(path) ? 'files.account_db' : 'files.other';
    if (rf.type !== af.type) {
      const kind: DriftKind = af.type === 'absent' ? 'missing' : rf.type === 'absent' ? 'extra' : 'changed';
      emit(
        presence,
        at,
        kind,
        rf.type,
        af.type,
        kind === 'missing'
          ? `file ${path} is missing here`
          : kind === 'extra'
            ? `file ${path} exists only here`
            : `file ${path}: expected a ${rf.type}, got a ${af.type}`,
      );
      continue;
    }
    if (rf.type === 'absent') continue;
    // Secrets: who may read them, never what they hold.
    const meta: DriftTopic = isManaged ? 'files.managed' : isSecret ? 'files.secret' : 'files.other';
    compareValue(emit, meta, `${at}.mode`, `file ${path} mode`, rf.mode, af.mode);
    compareValue(emit, meta, `${at}.owner`, `file ${path} owner`, rf.owner, af.owner);
    compareValue(emit, meta, `${at}.group`, `file ${path} group`, rf.group, af.group);
    if (isSecret) continue;
    if (rf.type === 'link') compareValue(emit, presence, `${at}.link_target`, `link ${path}`, rf.link_target, af.link_target);
    // Content without Puppet/Ansible/Salt/devenv headers: the same file managed by another tool is the same file.
    const rs = rf.sha256_unmanaged ?? rf.sha256;
    const as = af.sha256_unmanaged ?? af.sha256;
    if (rs && as && rs !== as) {
      emit(presence, `${at}.sha256`, 'changed', rs, as, `file ${path} content differs (configuration-management headers ignored)`);
    }
  }
}

export type SystemFile = NonNullable<Facts['unowned_files']>[string];

/** Paths the files section compares on both sides already: not reported twice. */
export function comparedByFiles(ref: Facts, act: Facts): Set<string> {
  return new Set(Object.keys(ref.files ?? {}).filter((path) => act.files?.[path] !== undefined));
}

/** Owner, group, mode and (links) target of a file both sides have: what there is to compare of a secret. */
export function compareFileMeta(emit: Emit, at: string, label: string, group: Place, r: SystemFile, a: SystemFile): void {
  for (const key of ['owner', 'group', 'mode'] as const) {
    if (r[key] !== undefined && a[key] !== undefined && r[key] !== a[key]) {
      emit('files.meta', `${at}.${key}`, 'changed', r[key], a[key], `${label} ${key}: expected ${r[key]}, got ${a[key]}`, group);
    }
  }
}

export const filesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit, { options }) => compareFiles(ref, act, emit, options) };
