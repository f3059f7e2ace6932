import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderCollectorScript } from '../../../src/facts/collector-script.js';

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
});
