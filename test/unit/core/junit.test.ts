import { describe, expect, it } from 'vitest';
import { renderJunitXml, xmlEscape } from '../../../src/core/junit.js';

describe('renderJunitXml', () => {
  it('counts failures and skips on both levels and escapes every text once', () => {
    const xml = renderJunitXml({
      name: 'devenv check',
      suite: 'a <b> & "c"',
      cases: [
        { classname: 'x', name: 'one', failure: { message: 'm<', type: 'fail', text: 'fix &' }, systemOut: 'out' },
        { classname: 'x', name: 'two', skipped: "n/a: it's" },
        { classname: 'x', name: 'three' },
      ],
    });
    expect(xml).toContain('<testsuites name="devenv check" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<testsuite name="a &lt;b&gt; &amp; &quot;c&quot;" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<testcase classname="x" name="one"><failure message="m&lt;" type="fail">fix &amp;</failure><system-out>out</system-out></testcase>');
    expect(xml).toContain('<testcase classname="x" name="two"><skipped message="n/a: it&apos;s"/></testcase>');
    expect(xml).toContain('<testcase classname="x" name="three"></testcase>');
  });

  it('drops characters XML 1.0 cannot carry', () => {
    expect(xmlEscape('a\u0000b\u001bc\ufffed')).toBe('abcd');
  });
});
