import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../../../src/core/errors.js';
import { exportArchive, importArchive, parseWheelIndex } from '../../../src/lock/archive-dir.js';
import { ArchiveStore } from '../../../src/lock/archive-store.js';

/**
 * A team's archive served over HTTP (`archives: [https://…]`, `devenv archive import URL`): the folder
 * `archive export` writes, behind a plain static file server on 127.0.0.1. Only what the store lacks
 * is downloaded, every file is checked against its index, and a server that does not answer is an
 * OperationError naming it.
 */

let root: string;
let served: string;
let server: Server;
let base: string;
const requests: string[] = [];

const control = (name: string, version: string): string =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: devenv tests <tests@localhost>\nDescription: served\n`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devenv-served-archive-'));
  const team = new ArchiveStore(join(root, 'team-store'));
  await team.addDeb(Buffer.from('not really a deb, but content-addressed all the same: alpha'), {
    name: 'alpha',
    version: '1.0-1',
    arch: 'all',
    control: control('alpha', '1.0-1'),
  });
  await team.addDeb(Buffer.from('beta 2.0 bytes'), { name: 'beta', version: '2.0-1', arch: 'all', control: control('beta', '2.0-1') });
  await team.addWheel(Buffer.from('wheel bytes'), 'demo_pkg-1.2.3-py3-none-any.whl');
  served = join(root, 'served');
  await exportArchive(team, served);
  server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    requests.push(path);
    readFile(join(served, path)).then(
      (data) => response.end(data),
      () => {
        response.statusCode = 404;
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('an exported archive served over HTTP', () => {
  it('imports every .deb and wheel, each checked against the index, and reads only the index the second time', async () => {
    const store = new ArchiveStore(join(root, 'store-a'));
    expect(await importArchive(store, base)).toEqual({ debs: 2, wheels: 1 });
    const names = [...(await new ArchiveStore(store.root).listDebs()).values()].map((deb) => `${deb.name} ${deb.version}`).sort();
    expect(names).toEqual(['alpha 1.0-1', 'beta 2.0-1']);
    expect([...(await new ArchiveStore(store.root).listWheels()).values()].map((wheel) => wheel.file)).toEqual(['demo_pkg-1.2.3-py3-none-any.whl']);

    requests.length = 0;
    expect(await importArchive(new ArchiveStore(store.root), base.replace(/\/$/, ''))).toEqual({ debs: 2, wheels: 1 });
    expect(requests.sort()).toEqual(['Packages', 'wheels/index.html']);
  });

  it('refuses a file that does not match its index, naming it', async () => {
    const pool = join(served, 'pool', 'beta_2.0-1_all.deb');
    const original = await readFile(pool);
    await writeFile(pool, 'tampered');
    try {
      const error = await importArchive(new ArchiveStore(join(root, 'store-b')), base).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationError);
      expect((error as Error).message).toContain('pool/beta_2.0-1_all.deb does not match the sha256 its Packages index gives');
    } finally {
      await writeFile(pool, original);
    }
  });

  it('says which server does not answer, and what is not an archive', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await importArchive(new ArchiveStore(join(root, 'store-c')), `http://127.0.0.1:${port}/team/`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OperationError);
    expect((refused as Error).message).toBe(`cannot read the archive at http://127.0.0.1:${port}/team/: ECONNREFUSED`);

    const empty = await importArchive(new ArchiveStore(join(root, 'store-c')), `${base}nothing-here/`).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(OperationError);
    expect((empty as Error).message).toContain('is not an archive written by `devenv archive export`');
  });
});

describe('an exported archive in a folder', () => {
  it('does not read again the .debs the store already holds', async () => {
    const store = new ArchiveStore(join(root, 'store-d'));
    expect(await importArchive(store, served)).toEqual({ debs: 2, wheels: 1 });
    // Held already: the second import must not even open the pool file (here: gone).
    const pool = join(served, 'pool', 'alpha_1.0-1_all.deb');
    const original = await readFile(pool);
    await rm(pool);
    try {
      expect(await importArchive(new ArchiveStore(store.root), served)).toEqual({ debs: 2, wheels: 1 });
      expect(existsSync(store.debPath([...(await store.listDebs()).values()].find((deb) => deb.name === 'alpha')!.sha256))).toBe(true);
    } finally {
      await writeFile(pool, original);
    }
  });

  it('reads the find-links page export writes', () => {
    expect(
      parseWheelIndex(
        '<a href="demo_pkg-1.2.3-py3-none-any.whl#sha256=' + 'a'.repeat(64) + '">x</a><br>\n<a href="bad%E0%A4%A.whl#sha256=' + 'b'.repeat(64) + '">y</a>',
      ),
    ).toEqual([{ file: 'demo_pkg-1.2.3-py3-none-any.whl', sha256: 'a'.repeat(64) }]);
  });
});
