import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostMirrors } from '../../../src/box/mirror.js';
import { parseAptSourceFile } from '../../../src/core/apt-sources.js';
import { parseAptSourceFile as factsSources } from '../../../src/facts/apt-sources.js';

/** The one reader of apt sources, as both its users see it: the facts (archive names) and the box builders (mirrors). */
const ONE_LINE =
  'deb [arch=amd64 signed-by=/k.gpg] http://mirror.test/debian bookworm main contrib # trailing\n#deb http://mirror.test/debian sid main\ndeb-src http://mirror.test/debian bookworm main\n';
const DEB822 = [
  'Types: deb deb-src',
  'URIs: http://mirror.test/debian',
  '  http://other.test/debian',
  'Suites: bookworm bookworm-updates',
  'Components: main',
  'Signed-By:',
  ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
  ' URIs: http://forged.test/debian',
  ' .',
  ' -----END PGP PUBLIC KEY BLOCK-----',
  '',
  'Types: deb',
  'URIs: http://security.test/debian-security',
  'Suites: bookworm-security',
  'Components: main',
  '',
  'Enabled: no',
  'Types: deb',
  'URIs: http://disabled.test/debian-backports',
  'Suites: bookworm-backports',
].join('\n');

describe('parseAptSourceFile', () => {
  it('reads one-line files: options, comments and deb-src', () => {
    expect(parseAptSourceFile('/etc/apt/sources.list', ONE_LINE)).toEqual([
      { type: 'deb', uri: 'http://mirror.test/debian', suites: ['bookworm'], components: ['main', 'contrib'] },
      { type: 'deb-src', uri: 'http://mirror.test/debian', suites: ['bookworm'], components: ['main'] },
    ]);
  });

  it('reads deb822 files with folded fields, a key block that is no field, and a disabled stanza', () => {
    const uris = parseAptSourceFile('/etc/apt/sources.list.d/debian.sources', DEB822).map((s) => `${s.type} ${s.uri} ${s.suites.join(',')}`);
    expect(uris).toEqual([
      'deb http://mirror.test/debian bookworm,bookworm-updates',
      'deb http://other.test/debian bookworm,bookworm-updates',
      'deb-src http://mirror.test/debian bookworm,bookworm-updates',
      'deb-src http://other.test/debian bookworm,bookworm-updates',
      'deb http://security.test/debian-security bookworm-security',
    ]);
  });

  it('gives the facts archive names, never hosts', () => {
    const facts = factsSources('/etc/apt/sources.list.d/debian.sources', DEB822);
    expect(facts[0]).toEqual({ type: 'deb', archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] });
    expect(JSON.stringify(facts)).not.toContain('.test');
  });

  it("gives the box builders the host's mirror of each archive from both formats, binary sources first come first served", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devenv-apt-'));
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), 'deb-src http://src-only.test/debian bookworm main\n');
    writeFileSync(join(dir, 'sources.list.d', 'debian.sources'), DEB822);
    const mirrors = await hostMirrors(dir);
    expect(Object.fromEntries(mirrors)).toEqual({ debian: 'http://mirror.test/debian', 'debian-security': 'http://security.test/debian-security' });
  });
});
