import type { FleetParityDocument, FleetHost } from './fleet.js';
import { renderJunitSuites } from '../core/junit.js';
import { junitCases, plural, renderMarkdown, renderText, type TextOptions } from './render.js';

/** devenv.fleet-parity/v1 as text, JSON, JUnit (one testsuite per host) and Markdown; each host's part is its one-host report. */

const STATUS_WORD: Record<FleetHost['status'], string> = { clean: 'clean', drift: 'DRIFT', failed: 'FAILED' };

/** A host as its row names it: with `machines:`, the machine first. */
function labelOf(host: FleetHost): string {
  return host.machine ? `${host.machine}: ${host.host}` : host.host;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** Every host's report, then one summary table: the last thing on a terminal is the answer. */
export function renderFleetText(doc: FleetParityDocument, options: TextOptions = {}): string {
  const parts: string[] = [];
  for (const host of doc.hosts) {
    if (host.parity) parts.push(renderText(host.parity, options));
    else parts.push(`parity: ${labelOf(host)} → ${doc.actual.name}\ncould not collect facts: ${host.error ?? 'unknown error'}\n`);
  }
  const width = Math.max(4, ...doc.hosts.map((h) => [...labelOf(h)].length));
  const rows = [`${pad('host', width)}  status  errors  warnings  info  seconds`];
  for (const host of doc.hosts) {
    const s = host.parity?.summary;
    const cells = s ? [String(s.error), String(s.warning), String(s.info)] : ['—', '—', '—'];
    rows.push(
      `${pad(labelOf(host), width)}  ${pad(STATUS_WORD[host.status], 6)}  ${pad(cells[0]!, 6)}  ${pad(cells[1]!, 8)}  ${pad(cells[2]!, 4)}  ${host.seconds.toFixed(1)}`,
    );
  }
  const { summary } = doc;
  const verdict = [
    `fleet parity: ${plural(summary.hosts, 'host')} against ${doc.actual.name}`,
    `${summary.drift} drift at ${doc.fail_on} or above, ${summary.clean} clean${summary.failed ? `, ${summary.failed} could not be collected` : ''}`,
  ].join(': ');
  return `${parts.join('\n')}\n${verdict}\n${rows.join('\n')}\n`;
}

export function renderFleetJson(doc: FleetParityDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function renderFleetJunit(doc: FleetParityDocument): string {
  // One testsuite per host; a host that could not be collected is one case in error.
  return renderJunitSuites(
    'devenv fleet parity',
    doc.hosts.map((host) => ({
      suite: `parity ${labelOf(host)} → ${doc.actual.name}`,
      cases: host.parity
        ? junitCases(host.parity, doc.fail_on)
        : [{ classname: 'devenv.parity', name: 'facts', error: host.error ?? 'could not collect facts' }],
    })),
  );
}

export function renderFleetMarkdown(doc: FleetParityDocument): string {
  const { summary } = doc;
  const status = summary.failed > 0 || summary.drift > 0 ? '❌' : '✅';
  const lines = [
    `## ${status} devenv fleet parity: ${plural(summary.hosts, 'host')} → \`${doc.actual.name}\``,
    '',
    '| host | status | errors | warnings | info |',
    '|---|---|---:|---:|---:|',
  ];
  for (const host of doc.hosts) {
    const s = host.parity?.summary;
    lines.push(`| \`${labelOf(host).replace(/`/g, "'")}\` | ${host.status} | ${s?.error ?? '—'} | ${s?.warning ?? '—'} | ${s?.info ?? '—'} |`);
  }
  lines.push('');
  for (const host of doc.hosts) {
    if (host.parity) lines.push(renderMarkdown(host.parity));
    else lines.push(`### ❌ \`${labelOf(host).replace(/`/g, "'")}\`: could not collect facts`, '', host.error ?? '', '');
  }
  return lines.join('\n');
}
