import { UsageError } from '../core/errors.js';
import { closest } from '../profile/yaml-source.js';
import { CHECK_CATALOG } from './catalog.js';
import { CHECK_IDS, type CheckId } from '../core/checklist-ids.js';
import { firstUnavailable } from './sections.js';
import { CHECK_REPORT_SCHEMA_ID, warn, type Check, type CheckInput, type CheckOutcome, type CheckReport, type CheckResult, type CheckStatus } from './types.js';

export interface RunChecklistOptions {
  /** Run only these IDs (in catalog order); unknown IDs are a usage error. */
  only?: readonly string[];
  /** The checks to run; the full catalog unless a test passes its own. */
  catalog?: readonly Check[];
}

/** Validates --only before anything is collected, so a typo fails fast with a suggestion. */
export function parseOnlyIds(only: readonly string[]): CheckId[] {
  const known: readonly string[] = CHECK_IDS;
  const ids: CheckId[] = [];
  for (const raw of only
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)) {
    if (!known.includes(raw)) {
      const suggestion = closest(raw, CHECK_IDS);
      throw new UsageError(`unknown check "${raw}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
        hint: `check IDs: ${CHECK_IDS.join(', ')}`,
      });
    }
    if (!ids.includes(raw as CheckId)) ids.push(raw as CheckId);
  }
  return ids;
}

/** A needed fact area that is unavailable must never read as "nothing wrong": warn, with why. */
function unavailableOutcome(check: Check, input: CheckInput): CheckOutcome | undefined {
  const reason = firstUnavailable(input.facts, check.needs ?? []);
  if (reason === undefined) return undefined;
  return check.unavailableRemediation === undefined ? warn(reason) : warn(reason, check.unavailableRemediation);
}

function runOne(check: Check, input: CheckInput): CheckResult {
  const skipReason = input.checklist.skip[check.id];
  if (skipReason !== undefined) {
    return {
      id: check.id,
      title: check.title,
      status: 'skip',
      message: `skipped by the profile: ${skipReason}`,
      remediation: `remove ${check.id} from checklist.skip to run it`,
    };
  }
  try {
    const outcome = check.precheck?.(input) ?? unavailableOutcome(check, input) ?? check.run(input);
    return { id: check.id, title: check.title, status: outcome.status, message: outcome.message, remediation: outcome.remediation ?? check.remediation };
  } catch (error) {
    // A bug in one check must not hide the other results, nor read as a pass.
    const detail = error instanceof Error ? error.message : String(error);
    return {
      id: check.id,
      title: check.title,
      status: 'warn',
      message: `the check crashed (a bug in devenv): ${detail}`,
      remediation: 'report this with the facts (devenv facts -o facts.json)',
    };
  }
}

/** Runs the checklist over facts. Pure: the report depends only on the input. */
export function runChecklist(input: CheckInput, options: RunChecklistOptions = {}): CheckReport {
  const catalog = options.catalog ?? CHECK_CATALOG;
  const only = options.only && options.only.length > 0 ? new Set<string>(parseOnlyIds(options.only)) : undefined;
  const results = catalog.filter((check) => only === undefined || only.has(check.id)).map((check) => runOne(check, input));
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0, na: 0 };
  for (const result of results) summary[result.status]++;
  const facts = input.facts.target;
  return {
    schema: CHECK_REPORT_SCHEMA_ID,
    target: { kind: input.target.kind ?? facts.kind, name: input.target.name ?? facts.name, container: input.target.container },
    summary,
    results,
  };
}

/** True when any check failed: the command exits 1. */
export function checklistFailed(report: CheckReport): boolean {
  return report.summary.fail > 0;
}
