import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OperationError } from '../../../src/core/errors.js';
import { PINNED_DEBIAN_ARCHIVE_KEYS, trustedSigningKeys, verifyClearsigned } from '../../../src/box/openpgp-verify.js';
import { parseRelease } from '../../../src/box/debian-archive.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/debian-archive/${name}`, import.meta.url));
const keyrings = ['debian-archive-bookworm-automatic.gpg', 'debian-archive-bookworm-stable.gpg', 'debian-archive-trixie-automatic.gpg'].map(fixture);
// The fixture was signed on 2026-07-11; its keys are checked as of the day after.
const signedDay = new Date('2026-07-12T00:00:00Z');

const BOOKWORM_AUTOMATIC = 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8';
const BOOKWORM_STABLE = '4D64FEC119C2029067D6E791F8D2585B8783D481';
const TRIXIE_AUTOMATIC = '04B54C3CDCA79751B16BC6B5225629DF75B188BD';

describe('trustedSigningKeys', () => {
  it('keeps the pinned primary keys and their signing subkeys bound to them', () => {
    const keys = trustedSigningKeys(keyrings);
    const byFingerprint = new Map([...keys.values()].map((k) => [k.fingerprint, k]));
    expect(byFingerprint.get(BOOKWORM_AUTOMATIC)?.primary).toBe(BOOKWORM_AUTOMATIC);
    // the subkey that signs bookworm's InRelease (gpgv: "using RSA key 4CB5…E131")
    expect(byFingerprint.get('4CB50190207B4758A3F73A796ED0E7B82643E131')?.primary).toBe(BOOKWORM_AUTOMATIC);
    expect(byFingerprint.get(BOOKWORM_STABLE)?.algorithm).toBe(22);
    expect(byFingerprint.get(BOOKWORM_STABLE)?.key).toBeDefined();
  });

  it('ignores keys that are not pinned', () => {
    const keys = trustedSigningKeys(keyrings, [TRIXIE_AUTOMATIC]);
    expect(new Set([...keys.values()].map((k) => k.primary))).toEqual(new Set([TRIXIE_AUTOMATIC]));
  });

  it('pins the keys of the suites devenv builds, each once', () => {
    const fingerprints = PINNED_DEBIAN_ARCHIVE_KEYS.map((k) => k.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    for (const f of fingerprints) expect(f).toMatch(/^[0-9A-F]{40}$/);
    expect(fingerprints).toEqual(expect.arrayContaining([BOOKWORM_AUTOMATIC, BOOKWORM_STABLE, TRIXIE_AUTOMATIC]));
  });
});

describe('verifyClearsigned', () => {
  it("accepts Debian's InRelease: RSA signatures by subkeys and the Ed25519 release key", () => {
    const verified = verifyClearsigned(fixture('bookworm-InRelease'), trustedSigningKeys(keyrings), 'InRelease of bookworm', signedDay);
    expect(new Set(verified.signers)).toEqual(new Set([BOOKWORM_AUTOMATIC, TRIXIE_AUTOMATIC, BOOKWORM_STABLE]));
    const release = parseRelease(verified.text);
    expect(release.codename).toBe('bookworm');
    expect(release.sha256.get('main/binary-amd64/Packages.gz')?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts one good signature alone (the Ed25519 one)', () => {
    const verified = verifyClearsigned(fixture('bookworm-InRelease'), trustedSigningKeys(keyrings, [BOOKWORM_STABLE]), 'InRelease', signedDay);
    expect(verified.signers).toEqual([BOOKWORM_STABLE]);
  });

  it('refuses a tampered InRelease, naming what failed', () => {
    const run = () => verifyClearsigned(fixture('bookworm-InRelease.tampered'), trustedSigningKeys(keyrings), 'InRelease of bookworm', signedDay);
    expect(run).toThrow(OperationError);
    expect(run).toThrow(/^InRelease of bookworm failed verification: no good signature by a pinned Debian archive key/);
  });

  it('refuses a good signature by a key that is not pinned', () => {
    const someoneElse = trustedSigningKeys(keyrings, ['0000000000000000000000000000000000000000']);
    expect(() => verifyClearsigned(fixture('bookworm-InRelease'), someoneElse, 'InRelease', signedDay)).toThrow(/failed verification/);
  });

  it('refuses text added outside the signed part, and unsigned files', () => {
    const original = fixture('bookworm-InRelease').toString('utf8');
    const verified = verifyClearsigned(Buffer.from(`${original}\nSHA256:\n 00 1 evil\n`), trustedSigningKeys(keyrings), 'InRelease', signedDay);
    expect(verified.text).not.toContain('evil');
    expect(() => verifyClearsigned(Buffer.from('Origin: Debian\nSHA256:\n'), trustedSigningKeys(keyrings), 'InRelease', signedDay)).toThrow(
      /not a clearsigned file/,
    );
  });

  it('refuses a signature made after its key expired', () => {
    expect(() => verifyClearsigned(fixture('bookworm-InRelease'), trustedSigningKeys(keyrings), 'InRelease', new Date('2040-01-01T00:00:00Z'))).toThrow(
      /failed verification/,
    );
  });
});
