import { describe, expect, it } from 'vitest';
import { checklistSummaryLine, renderCheckJson, renderCheckJunit, renderCheckMarkdown, renderCheckText } from '../../../src/checks/render.js';
import { runChecklist } from '../../../src/checks/runner.js';
import { hardenedInput } from './fixtures.js';

function mixedReport() {
  return runChecklist(
    hardenedInput((input) => {
      input.target.container = true;
      input.facts.ssh!['permitrootlogin'] = 'yes';
      input.facts.files!['/etc/mysite/secrets.env']!.mode = '644';
      input.checklist.skip = { 'fail2ban-sshd': 'the <edge> proxy & "WAF" | ban' };
      delete input.parity;
    }),
  );
}

describe('text', () => {
  it('prints a line per check with a mark, remediation for failures, and the summary', () => {
    const text = renderCheckText(mixedReport());
    expect(text).toContain('✗ FAIL ssh-no-root-login');
    expect(text).toContain('sshd has permitrootlogin yes');
    expect(text).toContain('→ set "PermitRootLogin no"');
    expect(text).toContain('- skip fail2ban-sshd');
    expect(text).toContain('○ n/a  time-sync');
    expect(text.trimEnd().split('\n').at(-1)).toBe('21 passed, 2 failed, 1 warned, 1 skipped, 3 n/a (n/a is not a pass)');
    expect(text).not.toContain('\u001b[');
    expect(renderCheckText(mixedReport(), { color: true })).toContain('\u001b[31m');
  });
});

describe('json', () => {
  it('is one devenv.check/v1 document', () => {
    const parsed = JSON.parse(renderCheckJson(mixedReport())) as { schema: string; results: unknown[] };
    expect(parsed.schema).toBe('devenv.check/v1');
    expect(parsed.results).toHaveLength(28);
  });
});

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(\w+);/g, (_, name: string) => {
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity &${name};`);
    return value;
  });
}

/** A strict little XML reader: enough to prove the report is well-formed (balanced tags, quoted attributes, no raw < or &). */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [] };
  const stack: XmlElement[] = [root];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, attributeText, selfClosing, text] = match;
    const parent = stack.at(-1)!;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`raw & in text: ${text}`);
      continue;
    }
    if (closing) {
      if (parent.name !== name) throw new Error(`</${name}> closes <${parent.name}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of (attributeText ?? '').matchAll(/([\w.-]+)="([^"]*)"/g)) attributes[key!] = decode(value!);
    const element: XmlElement = { name: name!, attributes, children: [] };
    parent.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (consumed !== body.length) throw new Error(`unparsable XML at ${consumed}: ${body.slice(consumed, consumed + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  return root;
}

describe('junit', () => {
  it('is well-formed with one testcase per check, failures and skips with reasons', () => {
    const xml = renderCheckJunit(mixedReport());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const document = parseXml(xml);
    expect(document.children.map((e) => e.name)).toEqual(['testsuites']);
    const suite = document.children[0]!.children[0]!;
    expect(suite.name).toBe('testsuite');
    expect(suite.attributes).toMatchObject({ tests: '28', failures: '2', skipped: '4', errors: '0' });
    const cases = suite.children;
    expect(cases.every((c) => c.name === 'testcase')).toBe(true);
    expect(cases).toHaveLength(28);
    const child = (id: string, name: string) => cases.find((c) => c.attributes['name'] === id)!.children.find((e) => e.name === name);
    expect(child('ssh-no-root-login', 'failure')?.attributes['message']).toBe('sshd has permitrootlogin yes');
    expect(child('fail2ban-sshd', 'skipped')?.attributes['message']).toBe('skipped: skipped by the profile: the <edge> proxy & "WAF" | ban');
    expect(child('time-sync', 'skipped')?.attributes['message']).toMatch(/^n\/a: /);
    expect(child('app-user', 'failure')).toBeUndefined();
    expect(child('app-user', 'skipped')).toBeUndefined();
  });

  it('the reader rejects malformed XML (so the test above can fail)', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a b=c></a>')).toThrow();
  });
});

describe('markdown', () => {
  it('is a table with failures first and escaped cells', () => {
    const markdown = renderCheckMarkdown(mixedReport());
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    expect(rows[0]).toBe('| Status | Check | Result | Remediation |');
    const body = rows.slice(1);
    expect(body).toHaveLength(28);
    expect(body[0]).toMatch(/^\| ❌ fail \| `ssh-no-root-login` \|/);
    // Every row has exactly the table's 5 unescaped pipes.
    for (const row of body) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(6);
    expect(markdown).toContain('the &lt;edge> proxy & "WAF" \\| ban');
  });
});

describe('checklistSummaryLine', () => {
  it('is one line naming the failed IDs', () => {
    const line = checklistSummaryLine(mixedReport());
    expect(line).not.toContain('\n');
    expect(line).toBe('checklist: 21 passed, 2 failed, 1 warned, 1 skipped, 3 n/a (ssh-no-root-login, secrets-permissions) — run `devenv check` for details');
  });
  it('has no hint when nothing failed', () => {
    expect(checklistSummaryLine(runChecklist(hardenedInput()))).toBe('checklist: 28 passed, 0 failed, 0 warned, 0 skipped, 0 n/a');
  });
});
