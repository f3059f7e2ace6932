import { describe, expect, it } from 'vitest';
import { archiveOf, parseDeb822Sources, parseOneLineSources } from '../../../src/facts/apt-sources.js';

describe('apt sources', () => {
  it.each([
    ['http://deb.example.org/debian', 'debian'],
    ['https://deb.example.org/debian/', 'debian'],
    ['http://security.example.org/debian-security', 'debian-security'],
    ['mirror+file:///etc/apt/mirrors/debian-security.list', 'debian-security'],
    ['http://archive.example.com/ubuntu', 'ubuntu'],
    ['http://mirror.example.net/', '/'],
    // A snapshot archive: the archive as it was at a time; its name is the segment before the time.
    ['http://snapshot.example.org/archive/debian-security/20261101T000000Z/', 'debian-security'],
    ['http://snapshot.example.org/archive/debian/20261101T000000Z', 'debian'],
  ])('names the archive of %s without its host', (uri, archive) => {
    expect(archiveOf(uri)).toBe(archive);
  });

  it('reads one-line sources with options and comments', () => {
    expect(
      parseOneLineSources(
        'deb [arch=amd64] http://h/debian bookworm main non-free-firmware # trailing\n#deb http://h/debian sid main\ndeb-src http://h/debian bookworm main\n',
      ),
    ).toEqual([
      { type: 'deb', archive: 'debian', suites: ['bookworm'], components: ['main', 'non-free-firmware'] },
      { type: 'deb-src', archive: 'debian', suites: ['bookworm'], components: ['main'] },
    ]);
  });

  it('reads deb822 stanzas, one entry per type and URI, skipping disabled ones', () => {
    const text =
      'Types: deb\nURIs: http://a/debian http://b/debian\nSuites: bookworm\nComponents: main\n\nEnabled: no\nTypes: deb\nURIs: http://c/debian\nSuites: sid\nComponents: main\n';
    expect(parseDeb822Sources(text)).toHaveLength(2);
    expect(parseDeb822Sources(text)[0]).toEqual({ type: 'deb', archive: 'debian', suites: ['bookworm'], components: ['main'] });
  });
});
