import { describe, expect, it } from 'vitest';
import { compareFacts } from '../../../src/parity/compare.js';
import { parityDocument, renderJson, renderJunit, renderMarkdown, renderText } from '../../../src/parity/render.js';
import { OPTIONS, containerFacts, hostFacts } from './fixtures.js';

function planted() {
  const reference = hostFacts();
  const actual = containerFacts();
  actual.packages!.deb['nginx']!.version = '1.22.1-9+deb12u1';
  actual.ssh!['x11forwarding'] = 'yes';
  actual.files!['/etc/nginx/sites-available/mysite']!.sha256_unmanaged = 'x<&>"';
  return parityDocument(reference, actual, compareFacts(reference, actual, { ...OPTIONS, ignore: ['kernel.*'] }));
}

describe('parity renderers', () => {
  const doc = planted();

  it('JSON is one devenv.parity/v1 document', () => {
    const json = JSON.parse(renderJson(doc));
    expect(json).toMatchObject({
      schema: 'devenv.parity/v1',
      reference: { name: 'ops@web1', source: 'devenv' },
      actual: { name: 'mysite', kind: 'docker' },
      summary: { error: 2, ignored: 1 },
    });
    expect(json.drift[0]).toEqual({
      path: expect.any(String),
      kind: expect.any(String),
      expected: expect.anything(),
      actual: expect.anything(),
      severity: expect.any(String),
      message: expect.any(String),
    });
  });

  it('text groups by area, errors first, and folds info unless verbose', () => {
    const text = renderText(doc);
    expect(text).toContain('2 errors, 1 warning');
    expect(text).toMatch(/\npackages {2}1 error\n {2}✗ package nginx: expected 1\.22\.1-9, got 1\.22\.1-9\+deb12u1 {2}packages\.deb\.nginx\n/);
    expect(text).toContain('info not shown');
    expect(text).not.toContain('platform.hostname');
    expect(renderText(doc, { verbose: true })).toContain('platform.hostname');
    expect(text).not.toContain('\u001b[');
  });

  it('JUnit has one testcase per area, failing ones carrying the drift, escaped', () => {
    const xml = renderJunit(doc);
    expect(xml.match(/<testcase /g)).toHaveLength(18);
    expect(xml).toMatch(/<testcase classname="devenv.parity" name="packages"><failure message="1 difference at error or above"/);
    expect(xml).toMatch(/<testcase classname="devenv.parity" name="ssh"><system-out>/);
    expect(xml).toMatch(/<testcase classname="devenv.parity" name="locale"><\/testcase>/);
    expect(xml).toContain('failures="2"');
    expect(xml).not.toContain('x<&>');
    expect(renderJunit(doc, 'warning')).toContain('failures="3"');
  });

  it('Markdown has a summary table, a table per area with findings, and info folded', () => {
    const md = renderMarkdown(doc);
    expect(md).toContain('### ❌ devenv parity: `ops@web1` → `mysite`');
    expect(md).toContain('| 2 | 1 |');
    expect(md).toContain('#### packages');
    expect(md).toContain('<details><summary>');
  });

  it('says so when there is no drift', () => {
    const clean = parityDocument(hostFacts(), hostFacts(), compareFacts(hostFacts(), hostFacts(), OPTIONS));
    expect(renderText(clean)).toContain('no drift');
    expect(renderMarkdown(clean)).toContain('### ✅');
  });
});
