import type { Severity } from './severity.js';

/** What parity reports: one difference between the reference (production) and the actual side. */

export type DriftKind = 'missing' | 'extra' | 'changed';

export interface Drift {
  /** Dotted path into the facts: packages.deb.nginx, services.nginx.active, files./etc/x.sha256 */
  path: string;
  kind: DriftKind;
  expected: unknown;
  actual: unknown;
  severity: Severity;
  message: string;
  /** Where a person looks for it (/etc/nginx, /opt/agent): the text report gathers drift of one kind there. */
  group?: string;
  /** What kind of thing drifted, for that heading: a file no package owns, a changed conffile, a tree entry, a crontab. */
  category?: DriftCategory;
}

export type DriftCategory = 'unowned' | 'conffile' | 'tree' | 'crontab';

export interface ParitySummary {
  error: number;
  warning: number;
  info: number;
  ignored: number;
}

export interface ParityResult {
  summary: ParitySummary;
  drift: Drift[];
}

export interface CompareOptions {
  /** parity.ignore globs on drift paths. */
  ignore: string[];
  /** Users the profile declares (manifest `user:` resources, checklist.app_user): compared strictly. */
  declaredUsers: string[];
  /** Groups the profile declares; users' own names count too. */
  declaredGroups?: string[];
  /** Checklist secrets: compared by owner and mode only. */
  secretPaths: string[];
  /** Files the manifests manage: content, mode and owner must match. */
  managedPaths: string[];
}
