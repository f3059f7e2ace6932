import type { Facts } from '../../facts/schema.js';
import { isMachineUnit, isSessionUnit, isTimeSyncUnit, isVagrantAccessUnit } from '../classify.js';
import type { DriftTopic, SeverityContext } from '../severity.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { always, unlessMachineKindDiffers, unlessVagrantMachine, type Rules } from './rules.js';

/** Parity of the services fact area: its comparer and the drift topics it names, with their severity. */

export const servicesTopics = {
  'services.state': always('error'),
  'services.definition': always('warning'),
  /** A unit whose start conditions failed on one side of a container/host pair: inactive by design. */
  'services.condition': unlessMachineKindDiffers('error'),
  /** Login sessions (user@UID) exist where someone is logged in. */
  'services.session': always('info'),
  /** Hardware and boot units (getty, udev, fsck, modprobe…) that containers skip by design. */
  'services.machine': unlessMachineKindDiffers('error'),
  /** sshd (and rsync's unit) on one side where a side is a Vagrant machine: Vagrant's way in. */
  'services.vagrant': unlessVagrantMachine('error'),
} satisfies Rules;

function serviceTopic(name: string, fallback: DriftTopic): DriftTopic {
  if (isSessionUnit(name)) return 'services.session';
  if (isTimeSyncUnit(name)) return 'time.sync';
  if (isMachineUnit(name)) return 'services.machine';
  if (isVagrantAccessUnit(name)) return 'services.vagrant';
  return fallback;
}

function compareServices(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.services;
  const a = act.services;
  if (!r || !a) return;
  for (const name of keysOf(r, a)) {
    const rs = r[name];
    const as = a[name];
    const path = `services.${name}`;
    if (rs && !as) {
      emit(serviceTopic(name, 'services.state'), path, 'missing', `${rs.enabled}/${rs.active}`, undefined, `service ${name} does not exist here`);
      continue;
    }
    if (!rs && as) {
      emit(serviceTopic(name, 'services.state'), path, 'extra', undefined, `${as.enabled}/${as.active}`, `service ${name} exists only here`);
      continue;
    }
    if (!rs || !as) continue;
    // A unit whose start conditions failed on one side (ConditionVirtualization=!container…) is inactive by design there.
    const byDesign = (rs.condition_failed || as.condition_failed) && (ctx.actualIsContainer || ctx.virtualizationDiffers);
    const state: DriftTopic = byDesign ? 'services.condition' : serviceTopic(name, 'services.state');
    compareValue(emit, state, `${path}.enabled`, `service ${name} enabled`, rs.enabled, as.enabled);
    compareValue(emit, state, `${path}.active`, `service ${name} state`, rs.active, as.active);
    compareValue(emit, serviceTopic(name, 'services.state'), `${path}.user`, `service ${name} user`, rs.user, as.user);
    compareValue(emit, serviceTopic(name, 'services.state'), `${path}.restart`, `service ${name} restart policy`, rs.restart, as.restart);
    if (rs.unit_sha256 && as.unit_sha256) {
      compareValue(emit, serviceTopic(name, 'services.definition'), `${path}.unit_sha256`, `service ${name} unit file`, rs.unit_sha256, as.unit_sha256);
    }
  }
}

export const servicesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit, { ctx }) => compareServices(ref, act, emit, ctx) };
