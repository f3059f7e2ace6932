import { describe, expect, it } from 'vitest';
import { checkRelease, debianArch, parsePackages, parseRelease, splitDeb } from '../../../src/box/debian-archive.js';

function ar(members: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const { name, data } of members) {
    const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

const deb = (data = Buffer.from('xz-bytes'), dataName = 'data.tar.xz') =>
  ar([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.xz', data: Buffer.from('odd') },
    { name: dataName, data },
  ]);

describe('splitDeb', () => {
  it('returns the control and data members untouched, with odd sizes padded', () => {
    const members = splitDeb(deb(Buffer.from('12345')));
    expect(members.control).toEqual({ name: 'control.tar.xz', data: Buffer.from('odd') });
    expect(members.data).toEqual({ name: 'data.tar.xz', data: Buffer.from('12345') });
  });

  it('reads GNU ar names ending in a slash, and data.tar.gz', () => {
    const members = splitDeb(
      ar([
        { name: 'debian-binary/', data: Buffer.from('2.0\n') },
        { name: 'control.tar.gz/', data: Buffer.from('c') },
        { name: 'data.tar.gz/', data: Buffer.from('d') },
      ]),
    );
    expect(members.data.name).toBe('data.tar.gz');
  });

  it('refuses what is not a .deb', () => {
    expect(() => splitDeb(Buffer.from('PK\x03\x04'), 'libc6')).toThrow(/^libc6 is not a valid \.deb: no ar header/);
    expect(() => splitDeb(deb().subarray(0, 100))).toThrow(/truncated/);
    expect(() => splitDeb(deb(Buffer.from('x'), 'data.tar.evil'))).toThrow(/no data\.tar third/);
    expect(() => splitDeb(ar([{ name: 'debian-binary', data: Buffer.from('3.0\n') }]))).toThrow(/debian-binary/);
  });
});

const RELEASE = `Origin: Debian
Label: Debian
Suite: oldstable
Codename: bookworm
Date: Sat, 11 Jul 2026 10:16:37 UTC
Valid-Until: Sat, 18 Jul 2026 10:16:37 UTC
Architectures: all amd64 arm64
MD5Sum:
 0123456789abcdef0123456789abcdef 1 main/binary-amd64/Packages.gz
SHA256:
 ${'a'.repeat(64)}  12084798 main/binary-amd64/Packages.gz
 ${'b'.repeat(64)}    450 main/binary-arm64/Release
`;

describe('parseRelease and checkRelease', () => {
  it('reads the suite, the validity and the SHA256 list (not MD5Sum)', () => {
    const release = parseRelease(RELEASE);
    expect(release.codename).toBe('bookworm');
    expect(release.suite).toBe('oldstable');
    expect(release.sha256.get('main/binary-amd64/Packages.gz')).toEqual({ sha256: 'a'.repeat(64), size: 12084798 });
    expect(release.sha256.size).toBe(2);
    expect(release.validUntil?.toISOString()).toBe('2026-07-18T10:16:37.000Z');
  });

  it('accepts the suite by codename or suite name while valid; refuses another or an expired one', () => {
    const release = parseRelease(RELEASE);
    const before = new Date('2026-07-12T00:00:00Z');
    expect(() => checkRelease(release, 'bookworm', before)).not.toThrow();
    expect(() => checkRelease(release, 'oldstable', before)).not.toThrow();
    expect(() => checkRelease(release, 'trixie', before)).toThrow(/it is the Release of bookworm/);
    expect(() => checkRelease(release, 'bookworm', new Date('2026-08-01T00:00:00Z'))).toThrow(/expired on 2026-07-18/);
  });
});

describe('parsePackages', () => {
  it('reads each stanza, with continuation lines', () => {
    const packages = parsePackages(`Package: libc6
Version: 2.36-9+deb12u14
Architecture: amd64
Depends: libgcc-s1
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb
Size: 2757936
SHA256: ${'c'.repeat(64)}
Description: GNU C Library
 Contains the standard libraries.

Package: debootstrap
Version: 1.0.128+nmu2+deb12u2
Architecture: all
Pre-Depends: x
Filename: pool/main/d/debootstrap/debootstrap_1.0.128+nmu2+deb12u2_all.deb
Size: 80000
SHA256: ${'d'.repeat(64)}

Package: broken
Version: 1
`);
    expect([...packages.keys()]).toEqual(['libc6', 'debootstrap']);
    expect(packages.get('libc6')).toMatchObject({ version: '2.36-9+deb12u14', size: 2757936, sha256: 'c'.repeat(64), depends: 'libgcc-s1' });
    expect(packages.get('debootstrap')?.preDepends).toBe('x');
  });
});

describe('debianArch', () => {
  it("maps an engine's Go architecture to Debian's", () => {
    expect(debianArch('amd64')).toBe('amd64');
    expect(debianArch('arm64')).toBe('arm64');
    expect(debianArch('ppc64le')).toBe('ppc64el');
    expect(debianArch('386')).toBe('i386');
    expect(debianArch('mips')).toBeUndefined();
    expect(debianArch(undefined)).toBeUndefined();
  });
});
