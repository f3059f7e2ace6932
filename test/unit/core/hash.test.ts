import { describe, expect, it } from 'vitest';
import { hashOf, sha256, stableStringify } from '../../../src/core/hash.js';

describe('stableStringify', () => {
  it('sorts object keys at every depth', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('gives equal data the same text whatever the key order', () => {
    const one = { name: 'x', ports: [{ hostPort: 1, guestPort: 2 }], resources: { memory: 3, cpus: 2 } };
    const two = { resources: { cpus: 2, memory: 3 }, ports: [{ guestPort: 2, hostPort: 1 }], name: 'x' };
    expect(stableStringify(one)).toBe(stableStringify(two));
    expect(hashOf(one)).toBe(hashOf(two));
  });

  it('keeps array order, which is meaningful', () => {
    expect(stableStringify([2, 1])).not.toBe(stableStringify([1, 2]));
    expect(hashOf({ manifests: ['a', 'b'] })).not.toBe(hashOf({ manifests: ['b', 'a'] }));
  });

  it('drops undefined properties, as JSON does', () => {
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(hashOf({ a: 1, vagrant: undefined })).toBe(hashOf({ a: 1 }));
  });

  it('orders keys by code unit, not by locale', () => {
    expect(stableStringify({ b: 1, B: 2, a: 3, _: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"B":2,"_":4,"a":3,"b":1}');
  });

  it('writes scalars as JSON', () => {
    expect(stableStringify('a"b')).toBe('"a\\"b"');
    expect(stableStringify(1.5)).toBe('1.5');
    expect(stableStringify(null)).toBe('null');
    expect(stableStringify(true)).toBe('true');
  });
});

describe('hashOf', () => {
  it('is a short hex prefix of the sha256 of the stable text', () => {
    expect(hashOf({ a: 1 })).toBe(sha256('{"a":1}').slice(0, 16));
    expect(hashOf({ a: 1 }, 8)).toMatch(/^[0-9a-f]{8}$/);
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
