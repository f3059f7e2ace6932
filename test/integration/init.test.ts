import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, devenv } from './cli.js';

const PTY_DRIVE = fileURLToPath(new URL('../fixtures/pty-drive.py', import.meta.url));
const ENTER = '\r';
const DOWN = '\u001b[B';

describe('devenv init (as a person would)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-init-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('asks its questions in a terminal and writes a profile that loads', async () => {
    await writeFile(join(dir, 'package.json'), '{"name":"shop"}\n');
    const answers = [
      { expect: 'Environment name', send: `\u0015shop${ENTER}` },
      { expect: 'Application kind', send: ENTER },
      { expect: 'Base system', send: `${DOWN}${ENTER}` },
      { expect: 'Backend', send: ENTER },
      { expect: 'Host port', send: `\u0015${'9090'}${ENTER}` },
      { expect: 'App user', send: `\u0015shopper${ENTER}` },
    ];
    const script = join(dir, 'answers.json');
    await writeFile(script, JSON.stringify(answers));
    const result = await execa('python3', [PTY_DRIVE, script, '--', 'node', CLI, 'init'], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toContain('found package.json');
    const profile = parse(await readFile(join(dir, 'devenv.yaml'), 'utf8'));
    expect(profile).toMatchObject({ name: 'shop', box: 'debian-13', backend: 'docker', ports: ['9090:80'], checklist: { app_user: 'shopper' } });
    const app = parse(await readFile(join(dir, 'manifests/shop.yaml'), 'utf8'));
    expect(app.user.shopper).toMatchObject({ system: true, shell: '/usr/sbin/nologin' });
    expect(app.apt).toHaveProperty('nodejs');
    // The written profile validates (status would fail with exit 2 on a bad one before touching an engine).
    const check = await devenv(['doctor', '--json'], { cwd: dir });
    const items: { item: string; ok: boolean; optional?: boolean }[] = JSON.parse(check.stdout).items;
    expect(items.find((i) => i.item === 'profile')).toMatchObject({ ok: true });
    // Every required item holds on this machine (the free-disk probe once failed only in the bundle).
    expect(items.filter((i) => !i.ok && !i.optional)).toEqual([]);
  });

  it('--yes takes the detected defaults and flags; refuses to overwrite without --force; bad flags exit 2', async () => {
    await writeFile(join(dir, 'requirements.txt'), 'gunicorn==20.1.0\n');
    const first = await devenv(['init', '--yes', '--name', 'blog', '--port', '8081'], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const profile = parse(await readFile(join(dir, 'devenv.yaml'), 'utf8'));
    expect(profile).toMatchObject({ name: 'blog', box: 'debian-12', ports: ['8081:80'] });
    expect(parse(await readFile(join(dir, 'manifests/blog.yaml'), 'utf8')).venv).toHaveProperty('/srv/blog/venv');

    const again = await devenv(['init', '--yes'], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already exist.*nothing written/);
    expect((await devenv(['init', '--yes', '--force', '--name', 'blog'], { cwd: dir })).exitCode).toBe(0);

    for (const bad of [
      ['--port', 'http'],
      ['--name', 'Bad Name'],
      ['--box', 'ubuntu-99'],
      ['--backend', 'lxc'],
      ['--app-user', 'root;id'],
    ]) {
      const result = await devenv(['init', '--yes', '--force', ...bad], { cwd: dir });
      expect(result.exitCode, bad.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')[0]).toMatch(new RegExp(`^devenv: ${bad[0]}`));
    }
  });
});
