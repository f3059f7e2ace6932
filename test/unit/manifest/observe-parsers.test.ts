import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseStatOutput } from '../../../src/manifest/observe.js';
import { parseGroup, parsePasswd } from '../../../src/manifest/resources/account.js';
import { parseAptPolicy, parseArchitectures, parseDpkgQuery } from '../../../src/manifest/resources/apt.js';
import { parseVenvListing } from '../../../src/manifest/resources/python.js';
import { parseSystemctlShow } from '../../../src/manifest/resources/service.js';
import { parseTemplateFacts } from '../../../src/manifest/template-facts.js';

describe('observation parsers', () => {
  it('reads dpkg-query lines', () => {
    expect(parseDpkgQuery('tzdata\t2024a-0+deb12u1\tii \nnis\t3.17\trc \n')).toEqual({
      tzdata: { version: '2024a-0+deb12u1', status: 'ii' },
      nis: { version: '3.17', status: 'rc' },
    });
  });

  it('reads dpkg-query lines with architectures: a foreign one qualifies the name, the native one and all do not', () => {
    const text = '@amd64\n@i386\nlibc6\t2.36-9\tii \tamd64\nlibc6\t2.36-9\tii \ti386\ntzdata\t2024a\tii \tall\n';
    expect(parseDpkgQuery(text)).toEqual({
      libc6: { version: '2.36-9', status: 'ii' },
      'libc6:i386': { version: '2.36-9', status: 'ii' },
      tzdata: { version: '2024a', status: 'ii' },
    });
    expect(parseArchitectures(text)).toEqual({ native: 'amd64', foreign: ['i386'] });
    expect(parseArchitectures('tzdata\t2024a\tii \n')).toBeUndefined();
  });

  it("keeps apt-cache policy's name of a foreign architecture's package", () => {
    const text = ['libc6:i386:', '  Installed: (none)', '  Candidate: 2.36-9', '  Version table:', '     2.36-9 500', '        500 file:/x ./ Packages'].join(
      '\n',
    );
    expect(parseAptPolicy(text)).toEqual({ 'libc6:i386': { candidate: '2.36-9', versions: ['2.36-9'] } });
  });

  it('reads apt-cache policy, counting only versions a repository offers', () => {
    const text = [
      'nginx:',
      '  Installed: 1.22.1-9+deb12u8',
      '  Candidate: 1.22.1-9+deb12u11',
      '  Version table:',
      '     1.22.1-9+deb12u11 500',
      '        500 http://mirror/debian-security bookworm-security/main amd64 Packages',
      '     1.22.1-9+deb12u9 500',
      '        500 http://mirror/debian bookworm/main amd64 Packages',
      ' *** 1.22.1-9+deb12u8 100',
      '        100 /var/lib/dpkg/status',
      'ghost:',
      '  Installed: (none)',
      '  Candidate: (none)',
      '  Version table:',
    ].join('\n');
    expect(parseAptPolicy(text)).toEqual({
      nginx: { candidate: '1.22.1-9+deb12u11', versions: ['1.22.1-9+deb12u11', '1.22.1-9+deb12u9'] },
      ghost: { versions: [] },
    });
  });

  it('reads the stat pass: find records, sha256sum lines, contents split by size', () => {
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const record = (...fields: string[]): string => fields.map((f) => `${f}\0`).join('');
    const out =
      record('f', '644', 'root', 'root', '0', '0', '6', '/a', '') +
      record('l', '777', 'root', 'root', '0', '0', '34', '/c', '/etc/nginx/sites-available/default') +
      record('d', '750', 'root', 'mysite', '0', '999', '4096', '/d', '') +
      record('f', '600', 'mysite', 'mysite', '999', '999', '3', '/e\\f', '') +
      `@@sha256\n${sha('hello\n')}  /a\n\\${sha('abc')}  /e\\\\f\n@@content\n${Buffer.from('hello\nabc').toString('base64')}\n`;
    const entries = ['/a', '/b', '/c', '/d', '/e\\f'].map((path) => ({ path, readContent: true }));
    expect(parseStatOutput(out, entries)).toEqual({
      '/a': { kind: 'file', mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, size: 6, sha256: sha('hello\n'), content: 'hello\n' },
      '/b': { kind: 'absent' },
      '/c': { kind: 'link', mode: '0777', owner: 'root', group: 'root', uid: 0, gid: 0, size: 34, linkTarget: '/etc/nginx/sites-available/default' },
      '/d': { kind: 'directory', mode: '0750', owner: 'root', group: 'mysite', uid: 0, gid: 999, size: 4096 },
      '/e\\f': { kind: 'file', mode: '0600', owner: 'mysite', group: 'mysite', uid: 999, gid: 999, size: 3, sha256: sha('abc'), content: 'abc' },
    });
  });

  it('drops a content whose bytes do not match the hash (the file changed between reads), keeps the rest', () => {
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const out =
      'f\x00644\x00root\x00root\x000\x000\x002\x00/a\x00\x00f\x00644\x00root\x00root\x000\x000\x002\x00/b\x00\x00' +
      `@@sha256\n${sha('aa')}  /a\n${sha('bb')}  /b\n@@content\n${Buffer.from('aaXX').toString('base64')}\n`;
    const files = parseStatOutput(out, [
      { path: '/a', readContent: true },
      { path: '/b', readContent: true },
    ]);
    expect(files['/a']?.content).toBe('aa');
    expect(files['/b']?.content).toBeUndefined();
    expect(files['/b']?.sha256).toBe(sha('bb'));
  });

  it('reads no content when the total size does not add up, and none for files over the limit', () => {
    const out = 'f\x00644\x00root\x00root\x000\x000\x0010\x00/big\x00\x00@@sha256\n@@content\n\n';
    expect(parseStatOutput(out, [{ path: '/big', readContent: true }], 5)['/big']).toEqual({
      kind: 'file',
      mode: '0644',
      owner: 'root',
      group: 'root',
      uid: 0,
      gid: 0,
      size: 10,
    });
  });

  it('reads getent passwd and group', () => {
    expect(parsePasswd('mysite:x:999:999::/srv/mysite:/usr/sbin/nologin\n')).toEqual({
      mysite: { uid: 999, gid: 999, comment: '', home: '/srv/mysite', shell: '/usr/sbin/nologin' },
    });
    expect(parseGroup('adm:x:4:syslog,ops\nmysite:x:999:\n')).toEqual({ adm: { gid: 4, members: ['syslog', 'ops'] }, mysite: { gid: 999, members: [] } });
  });

  it('reads systemctl show blocks in unit order', () => {
    const out =
      'Id=nginx.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\nId=ghost.service\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\n';
    expect(parseSystemctlShow(out, ['nginx.service', 'ghost.service'])).toEqual({
      'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' },
      'ghost.service': { loadState: 'not-found', activeState: 'inactive', unitFileState: '' },
    });
  });

  it('reads dist-info folder names with normalized names', () => {
    const out = 'V 1 yes\nD Django-4.2.16.dist-info\nD zope.interface-6.0.dist-info\nD pip-23.0.1.dist-info\nV 2 no\n';
    expect(parseVenvListing(out, ['/srv/a', '/srv/b'])).toEqual({
      '/srv/a': { exists: true, packages: { django: '4.2.16', 'zope-interface': '6.0', pip: '23.0.1' } },
      '/srv/b': { exists: false, packages: {} },
    });
  });

  it('reads the template facts', () => {
    const facts = parseTemplateFacts('4\nMemTotal:        2048000 kB\n@@os\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n@@host\nweb1\n');
    expect(facts).toEqual({
      processors: { count: 4 },
      memory: { total_bytes: 2048000 * 1024, total_mib: 2000 },
      os: { id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: '' },
      hostname: 'web1',
    });
  });
});
