import type { Facts } from '../../facts/schema.js';
import { compareValue, type Emit, type ParityArea } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the platform fact area: its comparer and the drift topics it names, with their severity. */

export const platformTopics = {
  'platform.os': always('error'),
  'platform.major_version': always('error'),
  'platform.point_release': always('warning'),
  'platform.arch': always('error'),
  /** hostname, machine-id: two machines always differ. */
  'platform.identity': always('info'),
  /** A container runs its host's kernel. */
  'platform.kernel': always('info'),
  'platform.virtualization': always('info'),
  'platform.pid1': always('warning'),
} satisfies Rules;

function majorOf(version: string): string {
  return version.split('.')[0] ?? version;
}

function comparePlatform(ref: Facts, act: Facts, emit: Emit): void {
  const r = ref.platform;
  const a = act.platform;
  if (!r || !a) return;
  compareValue(emit, 'platform.os', 'platform.os.id', 'OS', r.os.id, a.os.id);
  if (majorOf(r.os.version_id) !== majorOf(a.os.version_id)) {
    compareValue(emit, 'platform.major_version', 'platform.os.version_id', 'OS version', r.os.version_id, a.os.version_id);
  } else {
    compareValue(emit, 'platform.point_release', 'platform.os.version_id', 'OS release', r.os.version_id, a.os.version_id);
  }
  if (r.os.codename && a.os.codename && majorOf(r.os.version_id) === majorOf(a.os.version_id)) {
    compareValue(emit, 'platform.major_version', 'platform.os.codename', 'OS codename', r.os.codename, a.os.codename);
  }
  compareValue(emit, 'platform.arch', 'platform.arch', 'architecture', r.arch, a.arch);
  compareValue(emit, 'platform.kernel', 'platform.kernel', 'kernel', r.kernel, a.kernel);
  compareValue(emit, 'platform.identity', 'platform.hostname', 'hostname', r.hostname, a.hostname);
  if (r.machine_id && a.machine_id) compareValue(emit, 'platform.identity', 'platform.machine_id', 'machine-id', r.machine_id, a.machine_id);
  compareValue(
    emit,
    'platform.virtualization',
    'platform.virtualization',
    'virtualization',
    `${r.virtualization.kind}/${r.virtualization.tech}`,
    `${a.virtualization.kind}/${a.virtualization.tech}`,
  );
  if (r.pid1 && a.pid1) compareValue(emit, 'platform.pid1', 'platform.pid1', 'PID 1', r.pid1, a.pid1);
}

export const platformParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit) => comparePlatform(ref, act, emit) };
