import { describe, expect, it } from 'vitest';
import { parseAptPolicy, parseDpkgQuery, parseGroup, parsePasswd, parseStatOutput, parseSystemctlShow, parseVenvListing } from '../../../src/manifest/observe.js';
import { parseTemplateFacts } from '../../../src/manifest/template-facts.js';

describe('observation parsers', () => {
  it('reads dpkg-query lines', () => {
    expect(parseDpkgQuery('tzdata\t2024a-0+deb12u1\tii \nnis\t3.17\trc \n')).toEqual({
      tzdata: { version: '2024a-0+deb12u1', status: 'ii' },
      nis: { version: '3.17', status: 'rc' },
    });
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

  it('reads the stat pass by argument order', () => {
    const content = Buffer.from('hello\n').toString('base64');
    const link = Buffer.from('/etc/nginx/sites-available/default\n').toString('base64');
    const out = [`file\t644\troot\troot\t0\t0\t6\tabc123\t${content}`, 'absent', `link\t777\troot\troot\t0\t0\t34\t${link}\t`, 'directory\t750\troot\tmysite\t0\t999\t4096\t\t'].join('\n');
    expect(parseStatOutput(out, ['/a', '/b', '/c', '/d'])).toEqual({
      '/a': { kind: 'file', mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, size: 6, sha256: 'abc123', content: 'hello\n' },
      '/b': { kind: 'absent' },
      '/c': { kind: 'link', mode: '0777', owner: 'root', group: 'root', uid: 0, gid: 0, size: 34, linkTarget: '/etc/nginx/sites-available/default' },
      '/d': { kind: 'directory', mode: '0750', owner: 'root', group: 'mysite', uid: 0, gid: 999, size: 4096 },
    });
  });

  it('reads getent passwd and group', () => {
    expect(parsePasswd('mysite:x:999:999::/srv/mysite:/usr/sbin/nologin\n')).toEqual({ mysite: { uid: 999, gid: 999, comment: '', home: '/srv/mysite', shell: '/usr/sbin/nologin' } });
    expect(parseGroup('adm:x:4:syslog,ops\nmysite:x:999:\n')).toEqual({ adm: { gid: 4, members: ['syslog', 'ops'] }, mysite: { gid: 999, members: [] } });
  });

  it('reads systemctl show blocks in unit order', () => {
    const out = 'Id=nginx.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\nId=ghost.service\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\n';
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
