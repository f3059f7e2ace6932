import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parsePortMapping, parseSize, parseSyncFolder, ProfileSchema, SSH_DESTINATION } from '../../../src/profile/schema.js';
import { closest, formatFieldPath, oneLine, parseYamlSource, positionOf, validateSource } from '../../../src/profile/yaml-source.js';

describe('parsePortMapping', () => {
  it.each([
    ['8080:80', { hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' }],
    ['0.0.0.0:8080:80', { hostIp: '0.0.0.0', hostPort: 8080, guestPort: 80, protocol: 'tcp' }],
    ['192.168.1.5:53:53/udp', { hostIp: '192.168.1.5', hostPort: 53, guestPort: 53, protocol: 'udp' }],
    ['[::1]:8443:443', { hostIp: '::1', hostPort: 8443, guestPort: 443, protocol: 'tcp' }],
  ])('%s', (text, expected) => {
    expect(parsePortMapping(text)).toEqual(expected);
  });

  it.each([
    ['99999:80', 'out of range'],
    ['0:80', 'out of range'],
    ['80', 'not a port mapping'],
    ['abc:80', 'not a port mapping'],
    ['300.1.1.1:80:80', 'not an IP address'],
    ['8080:80/sctp', 'not a port mapping'],
    ['', 'not a port mapping'],
  ])('rejects %j', (text, phrase) => {
    const result = parsePortMapping(text);
    expect(typeof result).toBe('string');
    expect(result).toContain(phrase);
  });
});

describe('parseSyncFolder', () => {
  it('reads host, guest and :ro', () => {
    expect(parseSyncFolder('./:/srv/app')).toEqual({ host: './', guest: '/srv/app', readOnly: false });
    expect(parseSyncFolder('data:/srv/data:ro')).toEqual({ host: 'data', guest: '/srv/data', readOnly: true });
    expect(parseSyncFolder('data:/srv/data:rw')).toEqual({ host: 'data', guest: '/srv/data', readOnly: false });
  });

  it.each([
    ['./:srv/app', 'must be absolute'],
    ['./:/', 'is not allowed'],
    ['./:/srv/../etc', 'is not allowed'],
    ['./', 'not a synced folder'],
    [':/srv', 'not a synced folder'],
    ['a:b:c:d', 'not a synced folder'],
  ])('rejects %j', (text, phrase) => {
    expect(parseSyncFolder(text)).toContain(phrase);
  });
});

describe('parseSize', () => {
  it.each([
    ['2GiB', 2 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2g', 2e9],
    ['1 TiB', 1024 ** 4],
  ])('%s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('rejects words and too little memory', () => {
    expect(parseSize('lots')).toContain('is not a size');
    expect(parseSize('2 parsecs')).toContain('is not a size');
    expect(parseSize('1MiB')).toContain('too little memory');
  });
});

describe('SSH_DESTINATION', () => {
  it.each(['ops@prod.example.com', 'ssh://ops@prod.example.com:2222', 'prod', 'ops@[2001:db8::1]:22', 'deploy_1@10.0.0.5'])('accepts %s', (value) => {
    expect(SSH_DESTINATION.test(value)).toBe(true);
  });

  it.each([
    '-oProxyCommand=touch /tmp/pwned',
    'ssh://-oProxyCommand=x',
    '-lroot@host',
    'ops@-oProxyCommand=x',
    'host; rm -rf /',
    'host && reboot',
    '$(reboot)@host',
    '`reboot`',
    'ops@host\n-oProxyCommand=x',
    'ops@host name',
    '',
  ])('rejects %j', (value) => {
    expect(SSH_DESTINATION.test(value)).toBe(false);
  });
});

describe('ProfileSchema', () => {
  it('accepts a memory given as a number of bytes, and rejects too few', () => {
    expect(ProfileSchema.parse({ name: 'x', box: 'debian-12', resources: { memory: 1024 ** 3 } }).resources.memory).toBe(1024 ** 3);
    expect(ProfileSchema.safeParse({ name: 'x', box: 'debian-12', resources: { memory: 1000 } }).success).toBe(false);
  });

  it('needs exactly one of production.ssh and production.facts', () => {
    expect(ProfileSchema.safeParse({ name: 'x', box: 'b', production: { ssh: 'a@b' } }).success).toBe(true);
    expect(ProfileSchema.safeParse({ name: 'x', box: 'b', production: { facts: 'f.json' } }).success).toBe(true);
    expect(ProfileSchema.safeParse({ name: 'x', box: 'b', production: { sudo: true } }).success).toBe(false);
    expect(ProfileSchema.safeParse({ name: 'x', box: 'b', production: { ssh: 'a@b', facts: 'f.json' } }).success).toBe(false);
  });
});

describe('yaml-source helpers', () => {
  it('formats field paths as a reader writes them', () => {
    expect(formatFieldPath(['checklist', 'skip', 'firewall-default-deny'])).toBe('checklist.skip.firewall-default-deny');
    expect(formatFieldPath(['ports', 1])).toBe('ports[1]');
    expect(formatFieldPath(['vars', 'a b'])).toBe('vars["a b"]');
    expect(formatFieldPath([])).toBe('');
  });

  it('suggests the closest known word, and nothing for far-off words', () => {
    expect(closest('prots', ['name', 'ports', 'box'])).toBe('ports');
    expect(closest('Backend', ['backend', 'box'])).toBe('backend');
    expect(closest('zzzzzzzz', ['name', 'ports', 'box'])).toBeUndefined();
  });

  it('keeps messages on one line', () => {
    expect(oneLine('a\nb\r\tc\u0000d\u2028')).toBe('a\\nb\\r\\tc\\u0000d\\u2028');
  });

  it('points at keys, values, and the mapping that lacks a key', () => {
    const source = parseYamlSource('name: x\nresources:\n  cpus: 2\nempty:\n', '/tmp/p.yaml');
    expect(positionOf(source, ['resources', 'cpus'])).toMatchObject({ line: 3, column: 9 });
    expect(positionOf(source, ['resources', 'cpus'], 'key')).toMatchObject({ line: 3, column: 3 });
    expect(positionOf(source, ['resources', 'memory'])).toMatchObject({ line: 3, column: 3 });
    expect(positionOf(source, ['empty'])).toMatchObject({ line: 4, column: 1 });
  });

  it('follows aliases to the node they stand for', () => {
    const source = parseYamlSource('base: &b { cpus: 2 }\nresources: *b\n', '/tmp/p.yaml');
    expect(positionOf(source, ['resources', 'cpus'])).toMatchObject({ line: 1, column: 18 });
  });

  it('validates a part of a document with a path prefix', () => {
    const source = parseYamlSource('outer:\n  profile:\n    name: 42\n    box: b\n', '/tmp/p.yaml');
    const error = (() => {
      try {
        validateSource(source, ProfileSchema, ['outer', 'profile']);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/:3:11: outer\.profile\.name: expected a string, got number 42$/);
  });
});

describe('messages for shapes', () => {
  function messageFor(text: string): string {
    try {
      validateSource(parseYamlSource(text, '/tmp/p.yaml'), ProfileSchema);
    } catch (error) {
      return (error as Error).message;
    }
    return 'no error';
  }

  it('calls YAML mappings and lists by their YAML names', () => {
    expect(messageFor('name: x\nbox: b\nvars: [a]\n')).toMatch(/:3:7: vars: expected a mapping, got a list$/);
    expect(messageFor('name: x\nbox: b\nchecklist: { skip: [ssh-limits] }\n')).toMatch(/checklist\.skip: expected a mapping, got a list$/);
    expect(messageFor('name: x\nbox: b\nports:\n')).toMatch(/:3:1: ports: expected a list, got null/);
  });

  it('suggests the value meant, or lists the allowed ones', () => {
    expect(messageFor('name: x\nbox: b\nbackend: Docker\n')).toMatch(/:3:10: backend: unknown value "Docker" \(did you mean "docker"\?\)$/);
    expect(messageFor('name: x\nbox: b\nzzzzzzzzzz: 1\n')).toMatch(/:3:1: zzzzzzzzzz: unknown key "zzzzzzzzzz" \(expected one of: \$schema, name, box, /);
  });

  it('escapes control characters in keys, so the message stays one line', () => {
    expect(messageFor('"name\\nx": 1\nbox: b\n')).toBe('/tmp/p.yaml:1:1: ["name\\nx"]: unknown key "name\\nx" (did you mean "name"?)');
  });
});
