import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsFileNames } from '../../../src/facts/facts-file-names.js';
import { expandHostSpecs, parseInventoryText } from '../../../src/facts/host-list.js';

describe('host lists: --against a,b, repeated, and inventory files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-hosts-'));
    await writeFile(join(dir, 'web3.json'), '{"schema": "devenv.facts/v1"}');
    await writeFile(join(dir, 'hosts.txt'), '# production\nops@web1\n  ssh://ops@web2:2222   # the second\n\nweb3.json\n');
    await writeFile(join(dir, 'hosts.yaml'), 'hosts:\n  - ops@web1\n  - ssh://ops@db1\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a plain inventory: one host per line, comments, facts files beside it', async () => {
    const entries = await expandHostSpecs(['hosts.txt'], dir);
    expect(entries.map((e) => e.spec)).toEqual(['ssh://ops@web1', 'ssh://ops@web2:2222', join(dir, 'web3.json')]);
    expect(entries[1]!.from).toMatch(/hosts\.txt:3$/);
  });

  it('a YAML inventory with hosts:, comma lists and repeats, duplicates dropped', async () => {
    const entries = await expandHostSpecs(['hosts.yaml', 'ssh://ops@web1,web3.json', 'ops@db2:2200'], dir);
    expect(entries.map((e) => e.spec)).toEqual(['ssh://ops@web1', 'ssh://ops@db1', join(dir, 'web3.json'), 'ssh://ops@db2:2200']);
  });

  it('bad entries are exit 2 with file:line:column, before any host is reached', async () => {
    expect(() => parseInventoryText('ops@web1\n  ops@-bad\n', join(dir, 'bad.txt'))).toThrow(/bad\.txt:2:3: .*is not an SSH destination/);
    expect(() => parseInventoryText('hosts:\n  - ops@web1\n  - 3\n', join(dir, 'bad.yaml'))).toThrow(/bad\.yaml:3:5: hosts\[1\]: must be a host/);
    expect(() => parseInventoryText('hosts: ops@web1\n', join(dir, 'bad.yaml'))).toThrow(/bad\.yaml:1:8: hosts: must be a list/);
    expect(() => parseInventoryText('hosts: []\nvars: {}\n', join(dir, 'bad.yaml'))).toThrow(/bad\.yaml:2:1: vars: unknown key/);
    expect(() => parseInventoryText('# nothing\n', join(dir, 'empty.txt'))).toThrow(/empty\.txt:1:1: the inventory lists no hosts/);
    await expect(expandHostSpecs(['nothere.json'], dir)).rejects.toThrow(/nothere\.json does not exist/);
    await expect(expandHostSpecs(['ops@web1,'], dir)).rejects.toThrow(/empty entry/);
  });

  it('one facts file per host, names that cannot collide or escape the folder', () => {
    expect(factsFileNames(['ssh://ops@127.0.0.1:2222', 'ssh://ops@web1', '/x/prod.facts.json', '/y/prod.json', 'env', 'ssh://[::1]:22', '/z/..json'])).toEqual([
      'ops@127.0.0.1_2222.facts.json',
      'ops@web1.facts.json',
      'prod.facts.json',
      'prod-2.facts.json',
      'env.facts.json',
      '___1__22.facts.json',
      '_.facts.json',
    ]);
  });
});
