import type { CheckReport, CheckResult, CheckStatus } from './types.js';
import { renderJunitXml, type JunitCase } from '../core/junit.js';

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-', na: '○' };
const LABELS: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', skip: 'skip', na: 'n/a' };
/** ANSI colours per status, used only when the caller says the terminal wants colour. */
const COLOURS: Record<CheckStatus, string> = { pass: '32', fail: '31', warn: '33', skip: '2', na: '2' };

export interface TextRenderOptions {
  color?: boolean;
}

function summaryParts(report: CheckReport): string[] {
  const { pass, fail, warn, skip, na } = report.summary;
  return [`${pass} passed`, `${fail} failed`, `${warn} warned`, `${skip} skipped`, `${na} n/a`];
}

/** One line per check; why and what to do for everything that is not a pass; a summary. */
export function renderCheckText(report: CheckReport, options: TextRenderOptions = {}): string {
  const paint = (status: CheckStatus, text: string): string => (options.color ? `\u001b[${COLOURS[status]}m${text}\u001b[0m` : text);
  const width = Math.max(0, ...report.results.map((result) => result.id.length));
  const lines = [`Hardened checklist for ${report.target.name}${report.target.container ? ' (container)' : ''}`];
  for (const result of report.results) {
    lines.push(`${paint(result.status, `${MARKS[result.status]} ${LABELS[result.status].padEnd(4)}`)} ${result.id.padEnd(width)}  ${result.message}`);
    if (result.status !== 'pass' && result.status !== 'skip' && result.status !== 'na' && result.remediation) {
      lines.push(`${' '.repeat(7 + width)}  → ${result.remediation}`);
    }
  }
  lines.push('', `${summaryParts(report).join(', ')}${report.summary.na > 0 ? ' (n/a is not a pass)' : ''}`);
  return `${lines.join('\n')}\n`;
}

export function renderCheckJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function junitCase(result: CheckResult): JunitCase {
  const base = { classname: 'devenv.check', name: result.id };
  const title = `${result.title}: ${result.message}`;
  switch (result.status) {
    case 'fail':
      return { ...base, failure: { message: result.message, type: 'fail', text: result.remediation }, systemOut: title };
    case 'skip':
    case 'na':
      return { ...base, skipped: `${result.status === 'na' ? 'n/a' : 'skipped'}: ${result.message}` };
    case 'warn':
      // JUnit has no warning state; a warn passes the build but its reason stays visible.
      return { ...base, systemOut: `warning: ${result.message} → ${result.remediation}` };
    case 'pass':
      return { ...base, systemOut: title };
  }
}

/** One testcase per check: fail → failure, skip and n/a → skipped with the reason. */
export function renderCheckJunit(report: CheckReport): string {
  return renderJunitXml({ name: 'devenv check', suite: `devenv check ${report.target.name}`, cases: report.results.map(junitCase) });
}

/** Markdown table cells: no pipes or newlines may break the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

const MARKDOWN_STATUS: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', warn: '⚠️ warn', skip: '⏭️ skip', na: '➖ n/a' };

/** A table for a pull-request comment, failures first so they are read. */
export function renderCheckMarkdown(report: CheckReport): string {
  const order: CheckStatus[] = ['fail', 'warn', 'pass', 'skip', 'na'];
  const rows = [...report.results].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  const lines = [
    `### devenv check — ${cell(report.target.name)}`,
    '',
    summaryParts(report).join(' · '),
    '',
    '| Status | Check | Result | Remediation |',
    '|---|---|---|---|',
    ...rows.map(
      (result) =>
        `| ${MARKDOWN_STATUS[result.status]} | \`${result.id}\` | ${cell(result.message)} | ${result.status === 'pass' ? '' : cell(result.remediation)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** One line for `devenv up` to end with: counts, and the failing IDs so they can be looked up. */
export function checklistSummaryLine(report: CheckReport): string {
  const failed = report.results.filter((result) => result.status === 'fail').map((result) => result.id);
  const counts = summaryParts(report).join(', ');
  if (failed.length === 0) return `checklist: ${counts}`;
  const shown = failed.length > 4 ? `${failed.slice(0, 4).join(', ')}, …` : failed.join(', ');
  return `checklist: ${counts} (${shown}) — run \`devenv check\` for details`;
}
