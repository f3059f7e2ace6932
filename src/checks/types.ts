import type { Facts, FactsSection } from '../facts/schema.js';
import type { ProfileData } from '../profile/schema.js';
import type { CheckId } from '../core/checklist-ids.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'na';

/** The profile's `checklist` block, defaults applied. */
export type ChecklistConfig = ProfileData['checklist'];

/** A pip requirement as a manifest declares it: `pip: {django: {ensure: "4.2.16", venv: /srv/app/venv}}`. */
export interface DeclaredPythonPin {
  venv: string;
  name: string;
  /** As written: an exact version, or present | latest. */
  ensure: string;
}

/** An apt package as a manifest declares it: `apt: {nginx: {ensure: "1.22.1-9"}}`. */
export interface DeclaredAptPin {
  name: string;
  /** As written: an exact Debian version, or present | latest. */
  ensure: string;
}

/** What the profile's manifests say devenv manages; some checks compare facts against it. */
export interface DeclaredState {
  /** Files devenv writes (template/content), which must carry the managed header. */
  managedFiles: string[];
  /** Every path a file resource names (links and absent files too): what the collector stats. */
  filePaths: string[];
  pythonPins: DeclaredPythonPin[];
  aptPins: DeclaredAptPin[];
  /** Service names the manifests declare (systemd unit names, as written). */
  services: string[];
}

/**
 * The part of a parity result the checklist needs. Structural on purpose, so the
 * checklist does not depend on how parity computes its report.
 */
export interface ParityResultLike {
  summary: { error: number };
  drift: { path: string; severity: string }[];
}

export interface CheckTarget {
  kind?: string;
  name?: string;
  /** A container shares the host's kernel, clock and outer firewall: some checks are n/a there. */
  container: boolean;
}

export interface CheckInput {
  facts: Facts;
  checklist: ChecklistConfig;
  /** The profile's name; app services are often named after the project. */
  appName?: string;
  declared?: DeclaredState;
  /** Production facts, for distinct-credentials. */
  production?: Facts;
  /** Why there are no production facts (not configured, unreachable, this target is production). */
  productionUnavailable?: string;
  /** Parity of this target against production, for staging-parity. */
  parity?: ParityResultLike;
  target: CheckTarget;
}

/** What a check decides. Remediation defaults to the check's own line. */
export interface CheckOutcome {
  status: Exclude<CheckStatus, 'skip'>;
  message: string;
  remediation?: string;
}

export interface Check {
  id: CheckId;
  title: string;
  /** What to do when the check does not pass; a result may give a more specific line. */
  remediation: string;
  /**
   * The fact areas the verdict reads. When one is unavailable (not collected,
   * or an importer has no such data) the runner answers warn with the reason,
   * once for every check, and `run` is not called: it may take them as there.
   */
  needs?: readonly FactsSection[];
  /** The remediation of that warn, when the check knows a better one than its own (ssh: --sudo). */
  unavailableRemediation?: string;
  /** What is decided before any facts are read (the profile names no app user, a container cannot have this): an outcome ends the check. */
  precheck?(input: CheckInput): CheckOutcome | undefined;
  /** Pure: facts and configuration in, a verdict out. */
  run(input: CheckInput): CheckOutcome;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  message: string;
  remediation: string;
}

export const CHECK_REPORT_SCHEMA_ID = 'devenv.check/v1';

export interface CheckReport {
  schema: typeof CHECK_REPORT_SCHEMA_ID;
  target: { kind: string; name: string; container: boolean };
  summary: Record<CheckStatus, number>;
  results: CheckResult[];
}

export const pass = (message: string): CheckOutcome => ({ status: 'pass', message });
export const fail = (message: string, remediation?: string): CheckOutcome =>
  remediation === undefined ? { status: 'fail', message } : { status: 'fail', message, remediation };
export const warn = (message: string, remediation?: string): CheckOutcome =>
  remediation === undefined ? { status: 'warn', message } : { status: 'warn', message, remediation };
export const notApplicable = (message: string): CheckOutcome => ({ status: 'na', message });
