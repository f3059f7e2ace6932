import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_SECTIONS, FIRST_SECTIONS, renderCollectorScript } from '../../../src/facts/collector-script.js';

const base = { marker: '@@devenv-0123456789abcdef', fingerprintKey: 'k', managedPaths: [], secretPaths: [] };

describe('renderCollectorScript', () => {
  it('is valid POSIX sh', () => {
    const script = renderCollectorScript({ ...base, managedPaths: ['/etc/a b', "/etc/it's"], secretPaths: ['/etc/$(reboot)'] });
    const check = spawnSync('sh', ['-n'], { input: script });
    expect(check.status, String(check.stderr)).toBe(0);
  });

  it('carries hostile inputs as quoted data: nothing in a path or the key runs', () => {
    const key = `k'; touch /tmp/devenv-pwned; echo '`;
    const script = renderCollectorScript({ ...base, fingerprintKey: key, managedPaths: ['/etc/$(id)', '/etc/`id`'], secretPaths: ["/etc/'x'"] });
    // Only the preamble: evaluate it and print the variables back.
    const preamble = script.slice(0, script.indexOf('\n{'));
    const echoed = execFileSync('sh', ['-c', `${preamble}\nprintf '%s|%s|%s' "$K" "$MANAGED" "$SECRETS"`], { encoding: 'utf8' });
    expect(echoed).toBe(`${key}|/etc/$(id)\n/etc/\`id\`|/etc/'x'`);
  });

  it('never puts the key in a command line: only the printf builtin sees it', () => {
    const script = renderCollectorScript({ ...base, fingerprintKey: 'SECRETKEY' });
    const uses = script.split('\n').filter((line) => line.includes('$K'));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/printf '%s(%s)?' "\$K"/);
  });

  it('rejects paths that would break the newline-separated lists', () => {
    expect(() => renderCollectorScript({ ...base, managedPaths: ['/etc/a\nb'] })).toThrow(/newlines/);
    expect(() => renderCollectorScript({ ...base, secretPaths: ['relative/path'] })).toThrow(/absolute/);
    expect(() => renderCollectorScript({ ...base, marker: "x'; id; '" })).toThrow(/marker/);
  });

  it('runs the whole body with stdin from /dev/null, so no command eats the script', () => {
    const script = renderCollectorScript(base);
    expect(script.trimEnd().endsWith('} </dev/null')).toBe(true);
    expect(script).not.toContain('\\${');
  });

  it('runs every section once, the lanes side by side, and prints each section whole (begin … end, nothing of another inside)', () => {
    const marker = '@@devenv-0123456789abcdef';
    const run = spawnSync('sh', ['-s'], { input: renderCollectorScript({ ...base, marker }), encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
    const open: string[] = [];
    const ended: string[] = [];
    for (const line of run.stdout.split('\n')) {
      const [mark, verb, name] = line.split(' ');
      if (mark !== marker) continue;
      if (verb === 'begin') {
        expect(open, `${name} began inside ${open[0]}`).toEqual([]);
        open.push(name!);
      } else if (verb === 'end') {
        expect(open).toEqual([name]);
        open.pop();
        ended.push(name!);
      }
    }
    expect(open).toEqual([]);
    expect([...ended].sort()).toEqual([...COLLECTOR_SECTIONS].sort());
    expect(ended.slice(0, FIRST_SECTIONS.length)).toEqual([...FIRST_SECTIONS]);
  });

  it('hashes a file without its configuration-management header, so a unit written by devenv matches production’s', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'devenv-unmanaged-'));
    try {
      const body = '[Service]\nExecStart=/bin/true\n';
      await writeFile(join(dir, 'plain.service'), body);
      await writeFile(join(dir, 'devenv.service'), `# managed by devenv — do not edit by hand\n${body}`);
      await writeFile(join(dir, 'puppet.service'), `; This file is managed by Puppet. DO NOT EDIT.\n${body}`);
      const script = renderCollectorScript(base);
      // The helper definitions only, then the function on each file.
      const helpers = script.slice(script.indexOf('CM_HEADER='), script.indexOf('\n', script.indexOf('unmanaged_sha256()')));
      const hashes = ['plain', 'devenv', 'puppet'].map((n) =>
        execFileSync('sh', ['-c', `${helpers}\nunmanaged_sha256 "$1"`, 'sh', join(dir, `${n}.service`)], { encoding: 'utf8' }).trim(),
      );
      expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(new Set(hashes).size).toBe(1);
      expect(script).toMatch(/grep -Eil "\$CM_HEADER" \$files/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
