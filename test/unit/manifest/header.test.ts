import { describe, expect, it } from 'vitest';
import { commentStyleFor, MANAGED_HEADER_TEXT, withManagedHeader } from '../../../src/manifest/header.js';

const HASH = `# ${MANAGED_HEADER_TEXT}\n`;

describe('managed header', () => {
  it.each([
    ['/etc/mysite/gunicorn.conf.py'],
    ['/etc/app.cfg'],
    ['/etc/app.ini'],
    ['/etc/systemd/system/mysite.service'],
    ['/etc/app/config.yaml'],
    ['/etc/nginx/sites-available/mysite'],
    ['/etc/cron.d/backup'],
    ['/etc/mysite/secrets.env'],
  ])('puts a # header on %s', (path) => {
    expect(withManagedHeader('a = 1\n', path)).toBe(`${HASH}a = 1\n`);
  });

  it('leaves JSON and unknown formats alone', () => {
    expect(withManagedHeader('{"a": 1}\n', '/etc/app/config.json')).toBe('{"a": 1}\n');
    expect(withManagedHeader('data', '/srv/blob')).toBe('data');
    expect(commentStyleFor('/srv/app/logo.png')).toBeUndefined();
  });

  it('keeps a shebang on the first line', () => {
    expect(withManagedHeader('#!/bin/sh\necho hi\n', '/usr/local/bin/hello.sh')).toBe(`#!/bin/sh\n${HASH}echo hi\n`);
  });

  it('decides by the template name when the target name says nothing', () => {
    expect(withManagedHeader('x\n', '/srv/app/settings', 'templates/settings.py.j2')).toBe(`${HASH}x\n`);
    expect(withManagedHeader('{}\n', '/srv/app/settings', 'templates/settings.json.j2')).toBe('{}\n');
  });

  it('uses the format own comment syntax', () => {
    expect(withManagedHeader('<a/>\n', '/srv/app/site.xml')).toBe(`<!-- ${MANAGED_HEADER_TEXT} -->\n<a/>\n`);
    expect(withManagedHeader('select 1;\n', '/srv/app/init.sql')).toBe(`-- ${MANAGED_HEADER_TEXT}\nselect 1;\n`);
  });

  it('is not added twice', () => {
    const once = withManagedHeader('a\n', '/etc/a.conf');
    expect(withManagedHeader(once, '/etc/a.conf')).toBe(once);
  });
});

describe('plain text has no comment syntax', () => {
  it('writes a .txt file exactly as given, without a header line that would become content', async () => {
    const { commentStyleFor } = await import('../../../src/manifest/header.js');
    expect(commentStyleFor('/srv/app/greeting.txt')).toBeUndefined();
  });
});
