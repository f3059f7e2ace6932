import type { Facts } from '../../facts/schema.js';
import { isMachinePackage, isVagrantAccessPackage } from '../classify.js';
import type { DriftTopic, SeverityContext } from '../severity.js';
import { compareValue, keysOf, type Emit, type ParityArea } from './area.js';
import { SEVERITY_RANK, always, unlessMachineKindDiffers, unlessVagrantMachine, type Rules } from './rules.js';

/** Parity of the packages fact area: its comparer and the drift topics it names, with their severity. */

export const packagesTopics = {
  'packages.set': always('error'),
  'packages.version': always('error'),
  /** arch or dpkg status (held, half-installed) of a package both sides have. */
  'packages.other': always('warning'),
  /** A kernel, boot, device, network-plumbing or guest-agent package on one side of a VM/container pair (a container runs its host's kernel, its engine sets up its network). */
  'packages.machine': unlessMachineKindDiffers('error'),
  /** sshd, sudo or rsync on one side where a side is a Vagrant machine: Vagrant's way in, which its box carries. */
  'packages.vagrant': unlessVagrantMachine('error'),
} satisfies Rules;

type Deb = NonNullable<Facts['packages']>['deb'];

/** The topic of a package one side has and the other lacks, by what it is. */
function ownTopic(name: string): DriftTopic {
  if (isMachinePackage(name)) return 'packages.machine';
  if (isVagrantAccessPackage(name)) return 'packages.vagrant';
  return 'packages.set';
}

/**
 * The packages only one side has, each with its topic. What apt installed as a
 * dependency (not marked manual) came with that side's own extra packages: it
 * takes the most severe of their topics, so a library the kernel or sshd pulled
 * in reads as they do, and one beside an application package stays an error.
 */
function oneSided(own: Deb, other: Deb, ctx: SeverityContext): { name: string; topic: DriftTopic; cause?: string[] }[] {
  const names = Object.keys(own).filter((name) => !other[name]);
  const chosen = names.filter((name) => own[name]!.manual !== false);
  const severity = (topic: DriftTopic): number => SEVERITY_RANK[packagesTopics[topic as keyof typeof packagesTopics](ctx)];
  const causeTopic = chosen
    .map(ownTopic)
    .reduce<DriftTopic | undefined>((worst, topic) => (worst === undefined || severity(topic) > severity(worst) ? topic : worst), undefined);
  return names.map((name) => {
    const topic = ownTopic(name);
    if (own[name]!.manual !== false || topic !== 'packages.set' || causeTopic === undefined) return { name, topic };
    return { name, topic: causeTopic, cause: chosen };
  });
}

function because(cause: string[] | undefined): string {
  if (!cause) return '';
  const shown = cause.slice(0, 4).join(', ');
  return ` (a dependency of what only this side has: ${shown}${cause.length > 4 ? ', …' : ''})`;
}

function comparePackages(ref: Facts, act: Facts, emit: Emit, ctx: SeverityContext): void {
  const r = ref.packages?.deb;
  const a = act.packages?.deb;
  if (!r || !a) return;
  const missing = new Map(oneSided(r, a, ctx).map((p) => [p.name, p]));
  const extra = new Map(oneSided(a, r, ctx).map((p) => [p.name, p]));
  for (const name of keysOf(r, a)) {
    const rp = r[name];
    const ap = a[name];
    const path = `packages.deb.${name}`;
    const gone = missing.get(name);
    const added = extra.get(name);
    if (rp && gone)
      emit(
        gone.topic,
        path,
        'missing',
        rp.version,
        undefined,
        `package ${name} ${rp.version} is not installed here${because(gone.cause).replace('only this side', 'only the reference')}`,
      );
    else if (ap && added)
      emit(added.topic, path, 'extra', undefined, ap.version, `package ${name} ${ap.version} is installed only here${because(added.cause)}`);
    else if (rp && ap) {
      if (rp.version !== ap.version)
        emit('packages.version', path, 'changed', rp.version, ap.version, `package ${name}: expected ${rp.version}, got ${ap.version}`);
      compareValue(emit, 'packages.other', `${path}.arch`, `package ${name} architecture`, rp.arch, ap.arch);
      compareValue(emit, 'packages.other', `${path}.status`, `package ${name} dpkg status`, rp.status, ap.status);
    }
  }
}

export const packagesParity: ParityArea = { report: 'own', errorLevel: true, compare: (ref, act, emit, { ctx }) => comparePackages(ref, act, emit, ctx) };
