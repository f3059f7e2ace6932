import type { Facts } from '../../facts/schema.js';
import type { DriftTopic, SeverityContext } from '../severity.js';
import { compareValue, keysOf, type Emit, type ParityArea, type Place } from './area.js';
import { always, type Rules } from './rules.js';

/** Parity of the cron fact area: its comparer and the drift topics it names, with their severity. */

export const cronTopics = {
  /** A user's crontab: its jobs differ. */
  'cron.crontab': always('error'),
  /** A timer's state or definition. */
  'cron.timer': always('error'),
} satisfies Rules;

function compareCron(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.cron;
  const a = act.cron;
  if (!r || !a) return;
  if (r.crontabs && a.crontabs) {
    for (const user of keysOf(r.crontabs, a.crontabs)) {
      const rc = r.crontabs[user];
      const ac = a.crontabs[user];
      const path = `files./var/spool/cron/crontabs/${user}`;
      const place: Place = { group: '/var/spool/cron/crontabs', category: 'crontab' };
      if (rc && !ac)
        emit(
          'cron.crontab',
          path,
          'missing',
          `${rc.jobs} jobs`,
          undefined,
          `production has a crontab for ${user} (${rc.jobs} jobs); there is none here`,
          place,
        );
      else if (!rc && ac) emit('cron.crontab', path, 'extra', undefined, `${ac.jobs} jobs`, `a crontab for ${user} (${ac.jobs} jobs) exists only here`, place);
      else if (rc && ac && rc.sha256 !== ac.sha256)
        emit(
          'cron.crontab',
          `${path}.sha256`,
          'changed',
          `${rc.jobs} jobs`,
          `${ac.jobs} jobs`,
          `crontab of ${user} differs (${rc.jobs} jobs there, ${ac.jobs} here)`,
          place,
        );
    }
  }
  if (r.timers && a.timers) {
    for (const name of keysOf(r.timers, a.timers)) {
      const rt = r.timers[name];
      const at = a.timers[name];
      const path = `services.${name}.timer`;
      if (rt && !at) {
        emit('cron.timer', path, 'missing', `${rt.enabled}/${rt.active}`, undefined, `timer ${name} does not exist here`);
        continue;
      }
      if (!rt && at) {
        emit('cron.timer', path, 'extra', undefined, `${at.enabled}/${at.active}`, `timer ${name} exists only here`);
        continue;
      }
      if (!rt || !at) continue;
      const byDesign = (rt.condition_failed || at.condition_failed) && (ctx.actualIsContainer || ctx.virtualizationDiffers);
      const state: DriftTopic = byDesign ? 'services.condition' : 'cron.timer';
      compareValue(emit, state, `${path}.enabled`, `timer ${name} enabled`, rt.enabled, at.enabled);
      compareValue(emit, state, `${path}.active`, `timer ${name} state`, rt.active, at.active);
      if (rt.unit_sha256 && at.unit_sha256) compareValue(emit, 'cron.timer', `${path}.unit_sha256`, `timer ${name} unit file`, rt.unit_sha256, at.unit_sha256);
    }
  }
}

export const cronParity: ParityArea = { report: 'files', errorLevel: true, compare: (ref, act, emit, { ctx }) => compareCron(ref, act, emit, ctx) };
