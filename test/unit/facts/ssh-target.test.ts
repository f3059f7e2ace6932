import { describe, expect, it } from 'vitest';
import { ExitCode, OperationError, UsageError } from '../../../src/core/errors.js';
import { SshTarget, formatSshDestination, parseSshDestination } from '../../../src/targets/ssh-target.js';

describe('parseSshDestination', () => {
  it.each([
    ['ops@prod.example.com', { user: 'ops', host: 'prod.example.com' }],
    ['ssh://ops@prod.example.com:2222', { user: 'ops', host: 'prod.example.com', port: 2222 }],
    ['prod', { host: 'prod' }],
    ['deploy_1@10.0.0.5:22', { user: 'deploy_1', host: '10.0.0.5', port: 22 }],
    ['ssh://root@[2001:db8::1]:22', { user: 'root', host: '2001:db8::1', port: 22 }],
  ])('reads %s', (text, expected) => {
    expect(parseSshDestination(text)).toEqual(expected);
  });

  it.each([
    '-oProxyCommand=touch /tmp/pwned',
    'ssh://-oProxyCommand=id',
    'ops@-oProxyCommand=id',
    '-p22 host',
    'ops@host;id',
    'ops@host id',
    '$(id)@host',
    '`id`@host',
    'ops@host:99999',
    'ops@host:0',
    'ops@host:22/path',
    'ops@host\n-oProxyCommand=id',
    'ops@',
    '',
    'ssh://',
    'file:///etc/passwd',
    '@host',
    'ops@host@evil',
    '-ops@host',
  ])('rejects %j as a usage error (exit 2) before ssh sees it', (text) => {
    let thrown: unknown;
    try {
      parseSshDestination(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(ExitCode.usage);
    expect((thrown as UsageError).message).not.toContain('\n');
  });

  it('formats back, bracketing IPv6', () => {
    expect(formatSshDestination({ user: 'root', host: '2001:db8::1', port: 2222 })).toBe('root@[2001:db8::1]:2222');
    expect(formatSshDestination({ host: 'prod' })).toBe('prod');
  });
});

describe('SshTarget.remoteCommand', () => {
  const target = new SshTarget('ops@prod', { sudo: true });

  it('quotes every argument, so the remote shell sees the same argv', () => {
    expect(target.remoteCommand(['echo', "it's", '$(id)', 'a b'])).toBe(`echo 'it'\\''s' '$(id)' 'a b'`);
  });

  it('runs root commands through non-interactive sudo, other users with -u', () => {
    expect(target.remoteCommand(['sh', '-s'], { user: 'root' })).toBe('sudo -n -- sh -s');
    expect(target.remoteCommand(['id'], { user: 'www-data' })).toBe('sudo -n -H -u www-data -- id');
    expect(target.remoteCommand(['id'], { user: 'ops' })).toBe('id');
  });

  it('passes env and cwd as arguments, never spliced into a script', () => {
    const line = target.remoteCommand(['ls'], { env: { A: "x'y" }, cwd: '/srv/my app' });
    expect(line).toBe(`sh -c 'cd "$1" && shift && exec "$@"' devenv-cd '/srv/my app' env 'A=x'\\''y' ls`);
    expect(() => target.remoteCommand(['ls'], { env: { 'A;id': '1' } })).toThrow(OperationError);
  });

  it('refuses to become root without sudo, with a hint', () => {
    const plain = new SshTarget('ops@prod');
    expect(plain.canRunAsRoot()).toBe(false);
    expect(() => plain.remoteCommand(['id'], { user: 'root' })).toThrow(/needs sudo/);
    expect(new SshTarget('root@prod').canRunAsRoot()).toBe(true);
    expect(new SshTarget('root@prod').remoteCommand(['id'], { user: 'root' })).toBe('id');
  });

  it('describes itself as an ssh target, not a container', () => {
    expect(new SshTarget('ssh://ops@prod:2222').describe()).toEqual({ kind: 'ssh', name: 'ops@prod:2222', container: false });
  });
});
