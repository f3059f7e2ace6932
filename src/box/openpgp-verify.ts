// One file over 300 lines on purpose: the trust root and the minimal OpenPGP reader that checks it
// (packets, keys, signatures), kept together so the whole of what is trusted can be audited in one read.
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { OperationError } from '../core/errors.js';

/**
 * The trust root of a box built in the engine: the primary keys that sign
 * Debian's archive, pinned by fingerprint. They are the keys of the
 * debian-archive-keyring package (/usr/share/keyrings/debian-archive-*.gpg),
 * as published by Debian's FTP masters on https://ftp-master.debian.org/keys.html;
 * check a new one there (and with `gpg --show-keys` on the package's file)
 * before adding it. Key material comes from the keyring package itself: a v4
 * fingerprint is a hash of the key, so the pin authenticates it.
 */
export const PINNED_DEBIAN_ARCHIVE_KEYS: readonly { fingerprint: string; name: string }[] = [
  { fingerprint: '1F89983E0081FDE018F3CC9673A4F27B8DD47936', name: 'Debian Archive Automatic Signing Key (11/bullseye)' },
  { fingerprint: 'A4285295FC7B1A81600062A9605C66F00D6C9793', name: 'Debian Stable Release Key (11/bullseye)' },
  { fingerprint: 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8', name: 'Debian Archive Automatic Signing Key (12/bookworm)' },
  { fingerprint: '4D64FEC119C2029067D6E791F8D2585B8783D481', name: 'Debian Stable Release Key (12/bookworm)' },
  { fingerprint: '04B54C3CDCA79751B16BC6B5225629DF75B188BD', name: 'Debian Archive Automatic Signing Key (13/trixie)' },
  { fingerprint: '41587F7DB8C774BCCF131416762F67A0B2C39DE4', name: 'Debian Stable Release Key (13/trixie)' },
];

/*
 * A subset of OpenPGP (RFC 4880, RFC 4880bis for EdDSA): v4 keys and v4
 * signatures, RSA and Ed25519, SHA-2 only. Enough to check a clearsigned
 * InRelease; anything else is not trusted (never "verified by default").
 */

interface Packet {
  tag: number;
  body: Buffer;
}

export interface PublicKey {
  fingerprint: string;
  keyId: string;
  algorithm: number;
  /** undefined: an algorithm this module does not verify (such a key signs nothing here). */
  key: KeyObject | undefined;
  /** The fingerprint of the pinned primary key this key is, or belongs to. */
  primary: string;
  /** Creation time, seconds since the epoch. */
  created: number;
  /** Expiry, seconds since the epoch; undefined: none. */
  expires: number | undefined;
  body: Buffer;
}

interface Signature {
  type: number;
  algorithm: number;
  hash: number;
  issuer: string | undefined;
  created: number | undefined;
  keyExpiry: number | undefined;
  keyFlags: number | undefined;
  /** An unknown critical subpacket: RFC 4880 says such a signature is invalid. */
  unknownCritical: boolean;
  trailer: Buffer;
  values: Buffer[];
}

const HASHES: Record<number, string> = { 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };
const RSA = 1;
const EDDSA = 22;
const ED25519_OID = Buffer.from('2b06010401da470f01', 'hex');
/** Hashed subpackets this check understands (creation, expiry, key expiry, issuer, key flags, fingerprint, and ones that only inform). */
const KNOWN_SUBPACKETS = new Set([2, 3, 9, 11, 16, 21, 22, 23, 25, 27, 28, 30, 33]);

function fail(what: string): never {
  throw new OperationError(`malformed OpenPGP data: ${what}`);
}

function need(buf: Buffer, end: number, what: string): void {
  if (end > buf.length) fail(`${what} runs past its end`);
}

export function parsePackets(buf: Buffer): Packet[] {
  const out: Packet[] = [];
  let i = 0;
  while (i < buf.length) {
    const header = buf[i++]!;
    if (!(header & 0x80)) fail('bad packet header');
    let tag: number;
    let length: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      need(buf, i + 1, 'packet length');
      const first = buf[i++]!;
      if (first < 192) length = first;
      else if (first < 224) {
        need(buf, i + 1, 'packet length');
        length = ((first - 192) << 8) + buf[i++]! + 192;
      } else if (first === 255) {
        need(buf, i + 4, 'packet length');
        length = buf.readUInt32BE(i);
        i += 4;
      } else fail('partial body lengths are not supported');
    } else {
      tag = (header >> 2) & 0x0f;
      const type = header & 3;
      const size = type === 0 ? 1 : type === 1 ? 2 : type === 2 ? 4 : fail('indeterminate packet lengths are not supported');
      need(buf, i + size, 'packet length');
      length = size === 1 ? buf[i]! : size === 2 ? buf.readUInt16BE(i) : buf.readUInt32BE(i);
      i += size;
    }
    need(buf, i + length, 'packet');
    out.push({ tag, body: buf.subarray(i, i + length) });
    i += length;
  }
  return out;
}

function readMpi(buf: Buffer, at: number): [Buffer, number] {
  need(buf, at + 2, 'MPI');
  const bytes = (buf.readUInt16BE(at) + 7) >> 3;
  need(buf, at + 2 + bytes, 'MPI');
  return [buf.subarray(at + 2, at + 2 + bytes), at + 2 + bytes];
}

function keyHashPrefix(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x99, body.length >> 8, body.length & 0xff]), body]);
}

function parseKey(body: Buffer): Omit<PublicKey, 'primary' | 'expires'> {
  if (body[0] !== 4) fail('only v4 keys are supported');
  need(body, 6, 'key');
  const created = body.readUInt32BE(1);
  const algorithm = body[5]!;
  const fingerprint = createHash('sha1').update(keyHashPrefix(body)).digest('hex').toUpperCase();
  let key: KeyObject | undefined;
  if (algorithm === RSA) {
    const [n, next] = readMpi(body, 6);
    const [e] = readMpi(body, next);
    key = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
  } else if (algorithm === EDDSA) {
    const oidLength = body[6] ?? 0;
    const oid = body.subarray(7, 7 + oidLength);
    const [point] = readMpi(body, 7 + oidLength);
    if (oid.equals(ED25519_OID) && point.length === 33 && point[0] === 0x40) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: point.subarray(1).toString('base64url') }, format: 'jwk' });
    }
  }
  return { fingerprint, keyId: fingerprint.slice(-16), algorithm, key, created, body };
}

function subpackets(area: Buffer): { type: number; critical: boolean; data: Buffer }[] {
  const out: { type: number; critical: boolean; data: Buffer }[] = [];
  let i = 0;
  while (i < area.length) {
    let length = area[i++]!;
    if (length >= 192 && length < 255) {
      need(area, i + 1, 'subpacket length');
      length = ((length - 192) << 8) + area[i++]! + 192;
    } else if (length === 255) {
      need(area, i + 4, 'subpacket length');
      length = area.readUInt32BE(i);
      i += 4;
    }
    if (length === 0) fail('empty subpacket');
    need(area, i + length, 'subpacket');
    out.push({ type: area[i]! & 0x7f, critical: (area[i]! & 0x80) !== 0, data: area.subarray(i + 1, i + length) });
    i += length;
  }
  return out;
}

function parseSignature(body: Buffer): Signature {
  if (body[0] !== 4) fail('only v4 signatures are supported');
  need(body, 6, 'signature');
  const hashedLength = body.readUInt16BE(4);
  need(body, 8 + hashedLength, 'signature');
  const hashedArea = body.subarray(6, 6 + hashedLength);
  const unhashedLength = body.readUInt16BE(6 + hashedLength);
  const valuesAt = 8 + hashedLength + unhashedLength + 2; // after the two "left 16 bits" of the digest
  need(body, valuesAt, 'signature');
  const hashed = subpackets(hashedArea);
  const unhashed = subpackets(body.subarray(8 + hashedLength, 8 + hashedLength + unhashedLength));
  const algorithm = body[2]!;
  const values: Buffer[] = [];
  let at = valuesAt;
  for (let n = algorithm === EDDSA ? 2 : 1; n > 0; n--) {
    const [value, next] = readMpi(body, at);
    values.push(value);
    at = next;
  }
  const find = (type: number) => hashed.find((s) => s.type === type)?.data;
  const issuerFingerprint = [...hashed, ...unhashed].find((s) => s.type === 33)?.data.subarray(1);
  const issuerId = [...hashed, ...unhashed].find((s) => s.type === 16)?.data;
  const hashedPart = body.subarray(0, 6 + hashedLength);
  const trailerLength = Buffer.alloc(4);
  trailerLength.writeUInt32BE(hashedPart.length);
  const created = find(2);
  const keyExpiry = find(9);
  return {
    type: body[1]!,
    algorithm,
    hash: body[3]!,
    // The issuer only picks the key to try: a wrong one makes the check fail, never pass.
    issuer: issuerFingerprint ? issuerFingerprint.toString('hex').toUpperCase().slice(-16) : issuerId?.toString('hex').toUpperCase(),
    created: created && created.length >= 4 ? created.readUInt32BE(0) : undefined,
    keyExpiry: keyExpiry && keyExpiry.length >= 4 ? keyExpiry.readUInt32BE(0) : undefined,
    keyFlags: find(27)?.[0],
    unknownCritical: hashed.some((s) => s.critical && !KNOWN_SUBPACKETS.has(s.type)),
    trailer: Buffer.concat([hashedPart, Buffer.from([4, 0xff]), trailerLength]),
    values,
  };
}

/** Whether `signature` by `key` is good over `data` (SHA-2, RSA or Ed25519). */
function signatureHolds(key: PublicKey, signature: Signature, data: Buffer): boolean {
  const hash = HASHES[signature.hash];
  if (!hash || !key.key || signature.unknownCritical || signature.algorithm !== key.algorithm) return false;
  const signed = Buffer.concat([data, signature.trailer]);
  try {
    if (key.algorithm === RSA) return cryptoVerify(hash, signed, key.key, signature.values[0]!);
    if (key.algorithm === EDDSA) {
      // OpenPGP's EdDSA signs the digest; r and s are MPIs (leading zeros dropped).
      const digest = createHash(hash).update(signed).digest();
      const pad = (value: Buffer) => (value.length > 32 ? fail('EdDSA value too long') : Buffer.concat([Buffer.alloc(32 - value.length), value]));
      return cryptoVerify(null, digest, key.key, Buffer.concat([pad(signature.values[0]!), pad(signature.values[1]!)]));
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    return false;
  }
  return false;
}

/**
 * The keys that may sign, from binary keyrings: the pinned primary keys and
 * their subkeys bound to them by a good binding signature that allows signing.
 * Everything else in the keyrings is ignored.
 */
export function trustedSigningKeys(
  keyrings: readonly Buffer[],
  pinned: readonly string[] = PINNED_DEBIAN_ARCHIVE_KEYS.map((k) => k.fingerprint),
): Map<string, PublicKey> {
  const pins = new Set(pinned.map((f) => f.replace(/\s/g, '').toUpperCase()));
  const trusted = new Map<string, PublicKey>();
  const revoked = new Set<string>();
  for (const keyring of keyrings) {
    let primary: PublicKey | undefined;
    let subkey: Omit<PublicKey, 'primary' | 'expires'> | undefined;
    let userId: Buffer | undefined;
    for (const packet of parsePackets(keyring)) {
      if (packet.tag === 6) {
        const key = parseKey(packet.body);
        subkey = undefined;
        userId = undefined;
        primary = pins.has(key.fingerprint) ? { ...key, primary: key.fingerprint, expires: undefined } : undefined;
        if (primary) trusted.set(primary.keyId, primary);
        continue;
      }
      if (!primary) continue;
      if (packet.tag === 13) {
        userId = packet.body;
        subkey = undefined;
      } else if (packet.tag === 14) {
        subkey = parseKey(packet.body);
        userId = undefined;
      } else if (packet.tag === 2) {
        const signature = parseSignature(packet.body);
        if (signature.issuer !== primary.keyId) continue;
        const primaryPart = keyHashPrefix(primary.body);
        if (signature.type === 0x20 && signatureHolds(primary, signature, primaryPart)) {
          revoked.add(primary.fingerprint);
        } else if (userId && signature.type >= 0x10 && signature.type <= 0x13 && signature.keyExpiry !== undefined) {
          // The self-signature on a user id sets the primary key's expiry.
          const length = Buffer.alloc(4);
          length.writeUInt32BE(userId.length);
          if (signatureHolds(primary, signature, Buffer.concat([primaryPart, Buffer.from([0xb4]), length, userId]))) {
            const expires = primary.created + signature.keyExpiry;
            primary.expires = primary.expires === undefined ? expires : Math.max(primary.expires, expires);
          }
        } else if (subkey && (signature.type === 0x18 || signature.type === 0x28)) {
          if (!signatureHolds(primary, signature, Buffer.concat([primaryPart, keyHashPrefix(subkey.body)]))) continue;
          if (signature.type === 0x28) revoked.add(subkey.fingerprint);
          else if (signature.keyFlags === undefined || (signature.keyFlags & 0x02) !== 0) {
            trusted.set(subkey.keyId, {
              ...subkey,
              primary: primary.fingerprint,
              expires: signature.keyExpiry ? subkey.created + signature.keyExpiry : undefined,
            });
          }
        }
      }
    }
  }
  for (const [keyId, key] of trusted) if (revoked.has(key.fingerprint) || revoked.has(key.primary)) trusted.delete(keyId);
  return trusted;
}

export interface VerifiedText {
  /** The signed text, exactly as signed (dash-escaping undone, lines ending in \n). Parse only this. */
  text: string;
  /** Fingerprints of the pinned primary keys whose (sub)keys made a good signature. */
  signers: string[];
}

/**
 * Checks a clearsigned file (InRelease) against the trusted keys: at least one
 * good signature, made while its key was valid. Throws an OperationError naming
 * `what` otherwise. Returns the signed text, which is all the caller may read.
 */
export function verifyClearsigned(data: Buffer, trusted: ReadonlyMap<string, PublicKey>, what: string, now = new Date()): VerifiedText {
  const source = data.toString('utf8');
  const match =
    /^-----BEGIN PGP SIGNED MESSAGE-----\r?\n(?:Hash: [A-Za-z0-9, ]+\r?\n)*\r?\n([\s\S]*?)\r?\n-----BEGIN PGP SIGNATURE-----\r?\n([\s\S]*?)-----END PGP SIGNATURE-----/.exec(
      source,
    );
  if (!match) throw new OperationError(`${what} failed verification: not a clearsigned file`);
  // RFC 4880 7.1: undo dash-escaping; trailing whitespace is not signed; <CR><LF> line ends.
  const lines = match[1]!.split(/\r?\n/).map((line) => line.replace(/^- /, '').replace(/[ \t\r]+$/, ''));
  const signedText = Buffer.from(lines.join('\r\n'), 'utf8');
  const armor = match[2]!.split(/\r?\n/).map((line) => line.trim());
  const blank = armor.indexOf('');
  if (blank < 0) throw new OperationError(`${what} failed verification: bad signature armor`);
  const base64 = armor
    .slice(blank + 1)
    .filter((line) => line && !line.startsWith('='))
    .join('');
  let packets: Packet[];
  try {
    packets = parsePackets(Buffer.from(base64, 'base64'));
  } catch (error) {
    throw new OperationError(`${what} failed verification: ${(error as Error).message}`);
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const signers = new Set<string>();
  const tried: string[] = [];
  for (const packet of packets) {
    if (packet.tag !== 2) continue;
    let signature: Signature;
    try {
      signature = parseSignature(packet.body);
    } catch {
      continue;
    }
    const key = signature.issuer ? trusted.get(signature.issuer) : undefined;
    tried.push(signature.issuer ?? 'no issuer');
    if (!key || signature.type !== 0x01 || signature.created === undefined) continue;
    const primary = trusted.get(key.primary.slice(-16));
    const expired = (expires: number | undefined) => expires !== undefined && (signature.created! > expires || nowSeconds > expires);
    if (expired(key.expires) || expired(primary?.expires) || signature.created > nowSeconds + 86_400) continue;
    if (signatureHolds(key, signature, signedText)) signers.add(key.primary);
  }
  if (signers.size === 0) {
    throw new OperationError(`${what} failed verification: no good signature by a pinned Debian archive key (signatures by ${tried.join(', ') || 'none'})`);
  }
  return { text: `${lines.join('\n')}\n`, signers: [...signers] };
}
