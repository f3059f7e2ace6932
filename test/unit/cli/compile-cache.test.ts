import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * bin/devenv.js runs the bundle from V8's code cache. The cache may only ever
 * speed devenv up: written on first run, keyed by the bundle, replaced when the
 * bundle changes, and a damaged cache is ignored and rewritten.
 * Needs `npm run build` (npm test does it); required under CI.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist/bundle/devenv.cjs');

describe.runIf(existsSync(BUNDLE) || process.env.CI)('the code cache of the bundled CLI', () => {
  let home: string;
  let bundleDir: string;

  beforeEach(() => {
    // A copy of the files the entry point needs, so the real cache is not touched.
    home = mkdtempSync(join(tmpdir(), 'devenv-cache-test-'));
    mkdirSync(join(home, 'bin'));
    bundleDir = join(home, 'dist/bundle');
    mkdirSync(bundleDir, { recursive: true });
    copyFileSync(join(ROOT, 'bin/devenv.js'), join(home, 'bin/devenv.js'));
    copyFileSync(join(ROOT, 'bin/package.json'), join(home, 'bin/package.json'));
    copyFileSync(BUNDLE, join(bundleDir, 'devenv.cjs'));
    writeFileSync(join(home, 'package.json'), '{"type":"module"}\n');
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const version = (): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [join(home, 'bin/devenv.js'), '--version'], { encoding: 'utf8', timeout: 20_000 });
  const caches = (): string[] => readdirSync(bundleDir).filter((name) => name.endsWith('.v8cache'));

  it('is written by the first run, next to the bundle, and keyed by it', () => {
    expect(caches()).toEqual([]);
    const first = version();
    expect(first.stdout.trim()).toBe('0.1.0');
    expect(first.status).toBe(0);
    expect(caches()).toHaveLength(1);
    expect(caches()[0]).toMatch(/^devenv\.cjs\.\d+-\d+\.v8cache$/);
    expect(readFileSync(join(bundleDir, caches()[0]!)).length).toBeGreaterThan(1000);
  });

  it('takes in the functions of each command it has not seen, once', () => {
    const cacheFile = (): string => join(bundleDir, caches()[0]!);
    const commands = (): string[] => readFileSync(`${cacheFile()}.commands`, 'utf8').split('\n').filter(Boolean);
    const run = (...args: string[]): number | null =>
      spawnSync(process.execPath, [join(home, 'bin/devenv.js'), ...args], { encoding: 'utf8', timeout: 20_000 }).status;
    expect(run('--version')).toBe(0);
    expect(commands()).toEqual(['(none)']);
    const first = readFileSync(cacheFile());
    // A command seen before writes nothing.
    expect(run('--version')).toBe(0);
    expect(readFileSync(cacheFile()).equals(first)).toBe(true);
    // A new one writes the cache again, with more compiled functions in it.
    expect(run('box', '--help')).toBe(0);
    expect(commands()).toEqual(['(none)', 'box']);
    expect(readFileSync(cacheFile()).length).toBeGreaterThan(first.length);
    expect(caches()).toHaveLength(1);
  });

  it('is ignored when damaged, and rewritten', () => {
    version();
    const file = join(bundleDir, caches()[0]!);
    writeFileSync(file, 'not a code cache');
    const run = version();
    expect(run.stdout.trim()).toBe('0.1.0');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe('not a code cache');
  });

  it('is replaced when the bundle changes', () => {
    version();
    const before = caches();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(bundleDir, 'devenv.cjs'), later, later);
    expect(version().status).toBe(0);
    const after = caches();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it('a missing bundle says how to build it', () => {
    rmSync(join(bundleDir, 'devenv.cjs'));
    const run = version();
    expect(run.stderr).toMatch(/devenv\.cjs is missing: run `npm run build`/);
    expect(run.status).toBe(1);
  });
});
