/**
 * The one JUnit XML writer (check and parity reports; CI systems read it):
 * one <testsuites> with one <testsuite>, a <testcase> per thing judged, each
 * with at most a failure, a skip and captured output. Text is escaped for XML
 * 1.0 once, here.
 */
export interface JunitCase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
  skipped?: string;
  /** The case could not be judged at all (a host that could not be reached). */
  error?: string;
  /** Shown with the case: the reason of a warning, the details of drift. */
  systemOut?: string;
}

export interface JunitSuite {
  /** The <testsuites> name: the command. */
  name: string;
  /** The <testsuite> name: what was judged. */
  suite: string;
  cases: readonly JunitCase[];
}

/** XML 1.0 text: escapes markup and drops characters XML cannot carry at all. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- XML 1.0's character ranges include tab, newline and carriage return
      .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function testcase(c: JunitCase): string {
  let body = '';
  if (c.failure) body += `<failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${xmlEscape(c.failure.text)}</failure>`;
  if (c.skipped !== undefined) body += `<skipped message="${xmlEscape(c.skipped)}"/>`;
  if (c.error !== undefined) body += `<error message="${xmlEscape(c.error)}"/>`;
  if (c.systemOut !== undefined) body += `<system-out>${xmlEscape(c.systemOut)}</system-out>`;
  return `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}">${body}</testcase>`;
}

export function renderJunitXml(suite: JunitSuite): string {
  return renderJunitSuites(suite.name, [suite]);
}

/** Several <testsuite>s in one document (fleet parity: one per host). */
export function renderJunitSuites(name: string, suites: readonly Omit<JunitSuite, 'name'>[]): string {
  const countsOf = (cases: readonly JunitCase[]): string => {
    const failures = cases.filter((c) => c.failure).length;
    const errors = cases.filter((c) => c.error !== undefined).length;
    const skipped = cases.filter((c) => c.skipped !== undefined).length;
    return `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(name)}" ${countsOf(suites.flatMap((suite) => suite.cases))}>`,
    ...suites.flatMap((suite) => [`  <testsuite name="${xmlEscape(suite.suite)}" ${countsOf(suite.cases)}>`, ...suite.cases.map(testcase), '  </testsuite>']),
    '</testsuites>',
    '',
  ].join('\n');
}
