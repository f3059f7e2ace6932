import { posix, resolve as resolvePath } from 'node:path';
import { isArchiveUrl } from '../profile/schema.js';
import { OperationError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { BoxDefinition } from '../box/definition.js';
import type { LoadedLock } from '../lock/lock-file.js';
import type { ParsedProfile } from '../profile/parse.js';
import type { LoadedManifest } from './load.js';
import type { Target } from '../targets/target.js';
import { applyPlanSteps, planProblemsError, type ApplyResult, type ResourceOutcome } from './apply.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { catalogNeedsFacts, compileTemplates, renderDesiredContents, TemplateSet } from './desired-content.js';
import { provisionedMarkerChanges } from './provisioned-marker.js';
import { pendingRefreshChanges, writeRecords } from './pending-refresh.js';
import { observe } from './observe.js';
import type { ObservedState } from './observed-state.js';
import type { Plan } from './operation.js';
import { plan, type DesiredState } from './plan.js';
import { applyReport, planReport, type ApplyReport } from './report.js';
import { provisionManifests } from './locked-manifests.js';
import { offerOwnArchive } from './archive-offer.js';
import { OFFERED_SOURCE } from '../lock/environment-packages.js';
import { alignAptSources } from './apt-suites.js';

/** What provisioning with devenv's manifests reads of a loaded profile. */
export interface ManifestProfile extends ParsedProfile {
  box: BoxDefinition;
  manifests: LoadedManifest[];
  /** devenv.lock beside the profile, when there is one and the manifests were read. */
  lock?: LoadedLock;
  /** The manifests' templates, compiled while loading (their syntax checked before any engine). */
  templates?: TemplateSet;
}

export interface PlannedEnvironment {
  catalog: Catalog;
  desired: DesiredState;
  observed: ObservedState;
  plan: Plan;
}

/** Catalog, facts for templates, rendered files, observation and the pure plan: everything but changing the target. */
export async function planEnvironment(profile: ManifestProfile, target: Target, progress: Progress): Promise<PlannedEnvironment> {
  const catalog = buildCatalog(provisionManifests(profile));
  const templates = profile.templates ?? new TemplateSet();
  // Template facts come in the observation's own round trip; the templates compile
  // while it is in flight (most of a no-change run is waiting for the engine).
  const observed = await progress.step(`Observing ${catalog.ordered.length} resources`, async (update) => {
    // Promise.all: a failed observation is handled at once, not after the templates.
    const [state] = await Promise.all([
      observe(target, catalog, { templateFacts: catalogNeedsFacts(catalog), onStep: update }),
      compileTemplates(catalog, templates),
    ]);
    return state;
  });
  const contents = renderDesiredContents(catalog, { facts: observed.templateFacts ?? {}, vars: profile.data.vars }, templates);
  const desired: DesiredState = { catalog, contents };
  return { catalog, desired, observed, plan: plan(desired, observed) };
}

/** What `devenv plan` reports: the apply report shape, with what would change. */
export async function planEnvironmentReport(
  profile: ManifestProfile,
  target: Target,
  progress: Progress,
): Promise<{ report: ApplyReport; planned: PlannedEnvironment }> {
  const started = performance.now();
  const planned = await planEnvironment(profile, target, progress);
  // A pin the own archive holds is no problem: provision offers it before apt is asked.
  const { archivedPins } = await import('./archive-offer.js');
  const held = await archivedPins(planned.plan.problems.flatMap((p) => (p.ref.startsWith('apt:') ? [planned.catalog.byRef.get(p.ref)] : [])));
  const shown: Plan =
    held.size === 0
      ? planned.plan
      : {
          problems: planned.plan.problems.filter((p) => !held.has(p.ref)),
          changes: planned.plan.changes.map((change) => {
            const version = held.get(change.ref);
            if (version === undefined) return change;
            const installed = planned.observed.packages[change.ref.slice('apt:'.length)];
            const from = installed?.status?.[1] === 'i' ? installed.version : '(not installed)';
            return {
              ...change,
              changes: [`version: ${from} → ${version} (from the own archive)`],
              operation: { kind: 'apt', name: change.ref.slice('apt:'.length), install: `${change.ref.slice('apt:'.length)}=${version}` },
            };
          }),
        };
  return { report: planReport(target.describe().name, shown, performance.now() - started), planned };
}

/**
 * Applies the profile's manifests to a target (what `up` runs on first boot and
 * `provision` runs on demand). Resource failures are in the report; a plan
 * problem (an unavailable pin) throws before anything changes. With
 * `recordInputs`, a clean run writes that inputs hash as the provisioned marker.
 */
export async function provisionEnvironment(
  profile: ManifestProfile,
  target: Target,
  progress: Progress,
  options: { signal?: AbortSignal; recordInputs?: string } = {},
): Promise<ApplyReport> {
  const { signal } = options;
  const started = performance.now();
  // Exact versions the own archive holds are offered before apt is asked about them:
  // a version that has left the mirror, or a mirror out of reach, is then no problem.
  // Only in an environment devenv made: a host (staging, production) keeps its own apt sources.
  const ownEnvironment = target.describe().kind === 'docker' || target.describe().kind === 'vagrant';
  if (ownEnvironment) await alignAptSources(target, profile.data.apt.sources, progress);
  const archives = (profile.data.archives ?? []).map((archive) => (isArchiveUrl(archive) ? archive : resolvePath(profile.dir, archive)));
  const offered = ownEnvironment ? await offerOwnArchive(buildCatalog(provisionManifests(profile)), target, progress, archives) : undefined;
  let planned: PlannedEnvironment;
  let outcomes: ResourceOutcome[] | undefined;
  let finalRecord: string[] | undefined;
  try {
    planned = await planEnvironment(profile, target, progress);
    if (planned.plan.problems.length > 0) throw planProblemsError(planned.plan.problems);
    const applyOnce = (current: PlannedEnvironment, pendingOnTarget: readonly string[], stopAfterPackages: boolean): Promise<ApplyResult> =>
      applyPlanSteps(target, current.catalog, current.plan, {
        pendingOnTarget,
        stopAfterPackages,
        deferFinalRecord: true,
        installRecommends: profile.data.apt.install_recommends,
        ...(offered && offered.wheels > 0 ? { pipFindLinks: offered.findLinks } : {}),
        ...(signal ? { signal } : {}),
      });
    // A run stops after each package transaction that changed the system and plans the rest
    // anew on a fresh observation: the packages' own default site, units and started
    // services are then known before files are written and services touched (no refresh of
    // a configuration that cannot load yet, no enable of what the package enabled).
    let current = planned;
    let pendingOnTarget = planned.observed.pendingRefreshes;
    for (let pass = 1; ; pass++) {
      const stopAfterPackages = pass < MAX_PASSES;
      const title = pass === 1 ? 'Applying manifests' : 'Applying the rest, after the packages';
      const result = await progress.step(title, () => applyOnce(current, pendingOnTarget, stopAfterPackages));
      outcomes = outcomes ? mergeOutcomes(outcomes, result.outcomes) : result.outcomes;
      if (!result.stoppedAfterPackages) {
        finalRecord = result.record;
        break;
      }
      // Right after the packages: nothing left to look up in the apt lists, as a rule.
      const seen = await observe(target, planned.catalog, { earlyAvailability: false });
      // The next plan owes what this pass earned; the record on the target may hold more.
      pendingOnTarget = seen.pendingRefreshes;
      const observed = { ...seen, pendingRefreshes: result.owed ?? seen.pendingRefreshes };
      current = { ...planned, observed, plan: plan(planned.desired, observed) };
      if (current.plan.problems.length > 0) throw planProblemsError(current.plan.problems, true);
    }
  } finally {
    // The offered archive's apt source is devenv's scaffolding, not the environment's: it goes
    // once apt is done (parity would see it as an apt source and a file only here).
    if (offered && offered.debs > 0) await target.exec(['rm', '-f', '--', OFFERED_SOURCE]).catch(() => undefined);
  }
  const report = applyReport(target.describe().name, outcomes, performance.now() - started);
  const full = report.resources.find((r) => r.status === 'failed' && /No space left on device/i.test(r.error ?? ''));
  if (full) throw await diskFullError(target, full.ref);
  // A clean run records its inputs for the next `up` (a round trip saved when the target already says so).
  // The last word of the refresh record and the marker share one round trip. Until the
  // record is written it says more is owed than is: a crash now refreshes again, no less.
  const clean = report.summary.failed === 0 && report.summary.skipped === 0;
  const records = [
    ...(finalRecord ? pendingRefreshChanges(finalRecord) : []),
    ...(clean && options.recordInputs !== undefined && planned.observed.provisionedMarker !== options.recordInputs
      ? provisionedMarkerChanges(options.recordInputs)
      : []),
  ];
  if (records.length > 0) await writeRecords(target, records, `write devenv's records on ${target.describe().name}`);
  return report;
}

/**
 * A full disk is named as such, with the space df sees where it ran out: not a
 * resource's "No space left on device" among others. Nothing is recorded as provisioned.
 */
async function diskFullError(target: Target, ref: string): Promise<OperationError> {
  const where = ref.startsWith('file:') ? posix.dirname(ref.slice('file:'.length)) : '/';
  const df = await target.exec(['df', '-Pk', '--', where]).catch(() => undefined);
  const row = df?.stdout.trim().split('\n')[1]?.split(/\s+/);
  const space = row && row.length >= 6 ? `${row[5]} holds ${row[1]} KiB (${row[3]} KiB free now)` : `${where} is full`;
  return new OperationError(`${target.describe().name} ran out of disk space applying ${ref}: ${space}; nothing was recorded as provisioned`, {
    hint: 'free space in the environment (or give the engine more disk), then run again: it goes on from there',
  });
}

/** Passes of one run: each but the last may stop after a package transaction (one per apt phase). */
const MAX_PASSES = 4;

/** A resource's final word is the second pass's when it did something there, else the first pass's. */
export function mergeOutcomes(first: readonly ResourceOutcome[], second: readonly ResourceOutcome[]): ResourceOutcome[] {
  const later = new Map(second.map((o) => [o.ref, o]));
  return first.map((outcome) => {
    const next = later.get(outcome.ref);
    if (!next || next.status === 'unchanged') return outcome;
    const merged: ResourceOutcome = { ...next, changes: [...outcome.changes, ...next.changes] };
    if (next.diff === undefined && outcome.diff !== undefined) merged.diff = outcome.diff;
    if (next.status !== 'failed' && next.status !== 'skipped') delete merged.error;
    return merged;
  });
}
