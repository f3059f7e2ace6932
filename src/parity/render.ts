import type { Facts } from '../facts/schema.js';
import { AREAS, areaOf, type Drift, type DriftCategory, type ParityResult } from './compare.js';
import { SEVERITY_RANK, type Severity } from './severity.js';
import { renderJunitXml, type JunitCase } from '../core/junit.js';

/** Renders a parity result as text (terminal), devenv.parity/v1 JSON, JUnit XML (CI) or Markdown (a PR comment). */

export const PARITY_SCHEMA_ID = 'devenv.parity/v1';

export interface FactsOrigin {
  kind: string;
  name: string;
  source: string;
  collected_at: string;
}

export function originOf(facts: Facts): FactsOrigin {
  return { kind: facts.target.kind, name: facts.target.name, source: facts.source, collected_at: facts.collected_at };
}

export interface ParityDocument {
  schema: typeof PARITY_SCHEMA_ID;
  reference: FactsOrigin;
  actual: FactsOrigin;
  summary: ParityResult['summary'];
  drift: Drift[];
}

export function parityDocument(reference: Facts, actual: Facts, result: ParityResult): ParityDocument {
  return { schema: PARITY_SCHEMA_ID, reference: originOf(reference), actual: originOf(actual), summary: result.summary, drift: result.drift };
}

function groupByArea(drift: readonly Drift[]): Map<string, Drift[]> {
  const groups = new Map<string, Drift[]>();
  for (const area of AREAS) groups.set(area, []);
  for (const d of drift) {
    const area = areaOf(d.path);
    if (!groups.has(area)) groups.set(area, []);
    groups.get(area)!.push(d);
  }
  return groups;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function countLine(summary: ParityResult['summary']): string {
  return `${plural(summary.error, 'error')}, ${plural(summary.warning, 'warning')}, ${summary.info} info, ${summary.ignored} ignored`;
}

export interface TextOptions {
  /** Show every info line instead of a count per area. */
  verbose?: boolean;
  color?: boolean;
}

/** Drift of one kind and severity in one place (/etc/nginx, /opt/agent) together, in order of first appearance. */
function gathered(drift: readonly Drift[]): Drift[][] {
  const buckets = new Map<string, Drift[]>();
  const out: Drift[][] = [];
  for (const d of drift) {
    if (d.group === undefined) {
      out.push([d]);
      continue;
    }
    const key = `${d.severity}\0${d.kind}\0${d.category ?? ''}\0${d.group}`;
    const bucket = buckets.get(key);
    if (bucket) bucket.push(d);
    else {
      const created = [d];
      buckets.set(key, created);
      out.push(created);
    }
  }
  return out;
}

const NOUN: Record<DriftCategory, [string, string]> = {
  unowned: ['file no package owns', 'files no package owns'],
  conffile: ['package conffile', 'package conffiles'],
  tree: ['entry', 'entries'],
  crontab: ['crontab', 'crontabs'],
};

/** "production has 3 files no package owns in /etc/nginx that are missing here". */
export function groupHeading(category: DriftCategory | undefined, kind: Drift['kind'], group: string, n: number): string {
  const [one, many] = category ? NOUN[category] : ['difference', 'differences'];
  const things = `${n} ${n === 1 ? one : many}`;
  if (kind === 'missing') return `production has ${things} in ${group} that ${n === 1 ? 'is' : 'are'} missing here`;
  if (kind === 'extra') return `${things} in ${group} ${n === 1 ? 'exists' : 'exist'} only here`;
  return `${things} in ${group} differ${n === 1 ? 's' : ''} from production`;
}

const MARK: Record<Severity, string> = { error: '✗', warning: '!', info: 'i' };
const COLOR: Record<Severity, string> = { error: '31', warning: '33', info: '2' };

export function renderText(doc: ParityDocument, options: TextOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  lines.push(`parity: ${doc.reference.name} (${doc.reference.kind}, ${doc.reference.source}) → ${doc.actual.name} (${doc.actual.kind}, ${doc.actual.source})`);
  lines.push(`${countLine(doc.summary)}`);
  for (const [area, drift] of groupByArea(doc.drift)) {
    if (drift.length === 0) continue;
    const shown = options.verbose ? drift : drift.filter((d) => d.severity !== 'info');
    const info = drift.length - drift.filter((d) => d.severity !== 'info').length;
    const counts = (['error', 'warning', 'info'] as const)
      .map((s) => [s, drift.filter((d) => d.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => paint(COLOR[s], s === 'info' ? `${n} info` : plural(n, s)))
      .join(', ');
    lines.push('');
    lines.push(`${area}  ${counts}`);
    for (const bucket of gathered(shown)) {
      const first = bucket[0]!;
      if (bucket.length === 1) {
        lines.push(`  ${paint(COLOR[first.severity], MARK[first.severity])} ${first.message}  ${paint('2', first.path)}`);
        continue;
      }
      lines.push(`  ${paint(COLOR[first.severity], MARK[first.severity])} ${groupHeading(first.category, first.kind, first.group!, bucket.length)}`);
      // The heading says what they have in common: on one side only, the path is the whole story.
      for (const d of bucket) lines.push(d.kind === 'changed' ? `      ${d.message}  ${paint('2', d.path)}` : `      ${d.path}`);
    }
    if (!options.verbose && info > 0) lines.push(paint('2', `  (${info} info not shown: --verbose lists them)`));
  }
  if (doc.drift.length === 0) lines.push('', 'no drift');
  return `${lines.join('\n')}\n`;
}

export function renderJson(doc: ParityDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** One testcase per area: failed when it has drift at or above failOn, skipped when it was not compared. */
export function junitCases(doc: ParityDocument, failOn: Severity = 'error'): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const [area, drift] of groupByArea(doc.drift)) {
    const failing = drift.filter((d) => SEVERITY_RANK[d.severity] >= SEVERITY_RANK[failOn]);
    const notCompared = drift.find((d) => d.path === area);
    const details = drift.map((d) => `[${d.severity}] ${d.path}: ${d.message}`).join('\n');
    const base = { classname: 'devenv.parity', name: area };
    if (failing.length > 0)
      cases.push({ ...base, failure: { message: `${plural(failing.length, 'difference')} at ${failOn} or above`, type: 'drift', text: details } });
    else if (notCompared) cases.push({ ...base, skipped: notCompared.message, ...(drift.length > 1 ? { systemOut: details } : {}) });
    else cases.push({ ...base, ...(drift.length > 0 ? { systemOut: details } : {}) });
  }
  return cases;
}

export function renderJunit(doc: ParityDocument, failOn: Severity = 'error'): string {
  return renderJunitXml({ name: 'devenv parity', suite: `parity ${doc.reference.name} → ${doc.actual.name}`, cases: junitCases(doc, failOn) });
}

function cell(value: unknown): string {
  const text = value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
  const short = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

export function renderMarkdown(doc: ParityDocument): string {
  const lines: string[] = [];
  const status = doc.summary.error > 0 ? '❌' : doc.summary.warning > 0 ? '⚠️' : '✅';
  lines.push(`### ${status} devenv parity: \`${doc.reference.name}\` → \`${doc.actual.name}\``, '');
  lines.push('| errors | warnings | info | ignored |', '|---:|---:|---:|---:|');
  lines.push(`| ${doc.summary.error} | ${doc.summary.warning} | ${doc.summary.info} | ${doc.summary.ignored} |`, '');
  const info: Drift[] = [];
  for (const [area, drift] of groupByArea(doc.drift)) {
    const shown = drift.filter((d) => d.severity !== 'info');
    info.push(...drift.filter((d) => d.severity === 'info'));
    if (shown.length === 0) continue;
    lines.push(`#### ${area}`, '', '| | path | expected | actual | |', '|---|---|---|---|---|');
    for (const d of shown) {
      lines.push(
        `| ${d.severity === 'error' ? '🔴' : '🟡'} ${d.severity} | ${cell(d.path)} | ${cell(d.expected)} | ${cell(d.actual)} | ${d.message.replace(/\|/g, '\\|')} |`,
      );
    }
    lines.push('');
  }
  if (info.length > 0) {
    lines.push(`<details><summary>${info.length} info (differences expected between these two kinds of machine)</summary>`, '');
    for (const d of info) lines.push(`- ${cell(d.path)} ${d.message.replace(/</g, '&lt;')}`);
    lines.push('', '</details>', '');
  }
  if (doc.drift.length === 0) lines.push('No drift.', '');
  return lines.join('\n');
}
