import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The built CLI on malformed profiles: exit 2, one line on stderr that starts
 * with file:line:column, no stack trace, and no engine needed (the profile is
 * refused before Docker is touched). Needs `npm run build` (npm test does it).
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/devenv.js', import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL('../../../dist/bundle/devenv.cjs', import.meta.url)));

function devenv(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock', NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CASES = [
  {
    file: 'test/fixtures/profiles/bad/unknown-top-level-key/devenv.yaml',
    where: 'test/fixtures/profiles/bad/unknown-top-level-key/devenv.yaml:3:1: prots: unknown key "prots" (did you mean "ports"?)',
  },
  { file: 'test/fixtures/profiles/bad/port-out-of-range/devenv.yaml', where: 'test/fixtures/profiles/bad/port-out-of-range/devenv.yaml:5:5: ports[1]: ' },
  { file: 'test/fixtures/profiles/bad/yaml-tab-indent/devenv.yaml', where: 'test/fixtures/profiles/bad/yaml-tab-indent/devenv.yaml:4:1: ' },
  {
    file: 'test/fixtures/profiles/bad/production-ssh-proxycommand/devenv.yaml',
    where: 'test/fixtures/profiles/bad/production-ssh-proxycommand/devenv.yaml:4:8: production.ssh: ',
  },
];

// Without a build these skip on a laptop (run `npm run build`); under CI they are required.
describe.runIf(BUILT || process.env.CI)('devenv status on a malformed profile (built CLI)', () => {
  it.each(CASES)('$file', ({ file, where }) => {
    const { status, stdout, stderr } = devenv(['-p', file, 'status']);
    expect(stderr.startsWith(where), `stderr was: ${stderr}`).toBe(true);
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });

  it('a broken manifest stops plan (exit 2, its file:line) but never locks you out of status or exec', () => {
    const profile = 'test/fixtures/profiles/bad/manifest-yaml-syntax/devenv.yaml';
    const plan = devenv(['-p', profile, 'plan']);
    expect(plan.stderr).toMatch(/^test\/fixtures\/profiles\/bad\/manifest-yaml-syntax\/manifests\/base\.yaml:3:1: /);
    expect(plan.status).toBe(2);
    // status and exec read no manifest: they get as far as the (absent) engine, exit 3.
    for (const args of [['status'], ['exec', 'true']]) {
      const other = devenv(['-p', profile, ...args]);
      expect(other.stderr, args.join(' ')).toMatch(/^devenv: the Docker engine is not reachable/);
      expect(other.status, args.join(' ')).toBe(3);
    }
  });

  it('a template syntax error stops up and plan with no engine reachable: exit 2 at the template’s own line, not exit 3', () => {
    const profile = 'test/fixtures/profiles/bad/template-unclosed-tag/devenv.yaml';
    for (const command of ['up', 'plan', 'provision']) {
      const { status, stderr } = devenv(['-p', profile, command]);
      expect(stderr, command).toMatch(
        /^test\/fixtures\/profiles\/bad\/template-unclosed-tag\/manifests\/templates\/app\.conf\.j2:2:11: template syntax error: /,
      );
      expect(stderr.trimEnd().split('\n'), command).toHaveLength(1);
      expect(status, command).toBe(2);
    }
  });

  it('devenv sync on a profile with no synced folders: exit 2 in one line, no engine needed', () => {
    const { status, stderr } = devenv(['-p', 'profiles/mysite/devenv.yaml', 'sync']);
    expect(stderr).toMatch(/^devenv: profiles\/mysite\/devenv\.yaml has no synced folders \(sync:\) to copy\n$/);
    expect(status).toBe(2);
  });

  it('a machine the profile does not have is one line, exit 2, before the engine is touched', () => {
    const machines = 'test/fixtures/profiles/good/machines/devenv.yaml';
    for (const args of [
      ['exec', '-m', 'nope', '--', 'true'],
      ['shell', '-m', 'nope'],
      ['up', 'nope'],
      ['halt', 'web', 'nope'],
      ['destroy', 'nope', '--force'],
      ['plan', '-m', 'nope'],
      ['provision', '-m', 'nope'],
    ]) {
      const { status, stderr } = devenv(['-p', machines, ...args]);
      expect(stderr, args.join(' ')).toBe('devenv: there is no machine "nope" in the profile (machines: db, web)\n');
      expect(status, args.join(' ')).toBe(2);
    }
    const unnamed = devenv(['-p', machines, 'exec', '--', 'true']);
    expect(unnamed.stderr).toMatch(/^devenv: the profile has several machines: say which one with -m MACHINE \(db, web\)\n/);
    expect(unnamed.status).toBe(2);
    // A one-machine profile has no machines to name.
    const one = devenv(['-p', 'profiles/mysite/devenv.yaml', 'exec', '-m', 'web', '--', 'true']);
    expect(one.stderr).toMatch(/^devenv: the profile has no machines: block, so there is no machine "web"/);
    expect(one.status).toBe(2);
    // A command that works on one environment only says so at machines:.
    const check = devenv(['-p', machines, 'check']);
    expect(check.stderr).toMatch(/^test\/fixtures\/profiles\/good\/machines\/devenv\.yaml:4:1: machines: the profile has several machines \(web, db\)/);
    expect(check.status).toBe(2);
  });

  it('a missing profile is exit 2 too, without a stack', () => {
    const { status, stderr } = devenv(['-p', 'test/fixtures/profiles/bad/no-such-case.yaml', 'status']);
    expect(stderr).toMatch(/^devenv: no profile at test\/fixtures\/profiles\/bad\/no-such-case\.yaml\n/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(status).toBe(2);
  });
});
