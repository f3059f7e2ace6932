import { describe, expect, it } from 'vitest';
import { renderBoxSources } from '../../../src/manifest/apt-suites.js';
import { aptSourcesLikeProduction } from '../../../src/init/from-facts.js';
import type { Facts } from '../../../src/facts/schema.js';

const BOX_FILE = `# managed by devenv — the apt sources of box debian-12
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const BOX = [
  { archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
  { archive: 'debian-security', suites: ['bookworm-security'], components: ['main'] },
];

describe("production's apt suites over the box's mirror", () => {
  it('rewrites the box file with the wanted suites, each archive keeping its URI and keyring', () => {
    const text = renderBoxSources(BOX_FILE, [{ archive: 'debian', suites: ['bookworm'], components: ['main', 'contrib'] }]);
    expect(text).toBe(`# managed by devenv — the apt sources of box debian-12
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`);
    // The box's own suites give the file back unchanged: nothing to write.
    expect(renderBoxSources(BOX_FILE, BOX)).toBe(BOX_FILE);
    expect(() => renderBoxSources(BOX_FILE, [{ archive: 'ubuntu', suites: ['noble'], components: ['main'] }])).toThrow(
      /does not serve \(it serves debian, debian-security\)/,
    );
  });

  it('reads an archive from a snapshot when the profile gives its URL, still with the box keyring, its old Valid-Until accepted', () => {
    const url = 'http://snapshot.invalid/archive/debian-security/20261101T000000Z/';
    const text = renderBoxSources(BOX_FILE, [BOX[0]!, { archive: 'debian-security', suites: ['bookworm-security'], components: ['main'], url }]);
    expect(text).toBe(`# managed by devenv — the apt sources of box debian-12
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${url}
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
Check-Valid-Until: no
`);
  });

  it('init --from keeps production’s suites only where they differ from the box’s', () => {
    const facts = (sources: NonNullable<Facts['apt_sources']>): Facts => ({ apt_sources: sources }) as unknown as Facts;
    const without = facts([
      { type: 'deb', archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { type: 'deb-src', archive: 'debian', suites: ['bookworm'], components: ['main'] },
    ]);
    expect(aptSourcesLikeProduction(without, BOX)).toEqual([{ archive: 'debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] }]);
    const same = facts([
      { type: 'deb', archive: 'debian-security', suites: ['bookworm-security'], components: ['main'] },
      { type: 'deb', archive: 'debian', suites: ['bookworm-updates', 'bookworm'], components: ['main'] },
    ]);
    expect(aptSourcesLikeProduction(same, BOX)).toBeUndefined();
    // Third-party archives are not the box's to reproduce (they show as parity drift).
    expect(aptSourcesLikeProduction(facts([{ type: 'deb', archive: 'nodesource', suites: ['nodistro'], components: ['main'] }]), BOX)).toBeUndefined();
  });
});
