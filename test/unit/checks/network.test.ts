import { describe, expect, it } from 'vitest';
import { addressScope } from '../../../src/checks/addresses.js';
import { runCheck, sectionFailed } from './fixtures.js';

describe('address scopes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.0.0.53%lo', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'wildcard'],
    ['[::]', 'wildcard'],
    ['*', 'wildcard'],
    ['10.1.2.3', 'private'],
    ['172.20.0.5', 'private'],
    ['172.32.0.5', 'public'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['203.0.113.7', 'public'],
    ['2001:db8::1', 'public'],
  ])('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
  });
});

describe('listeners-allowed', () => {
  it('passes with only 22, 80, 443 exposed', () => {
    expect(runCheck('listeners-allowed')).toMatchObject({ status: 'pass', message: expect.stringContaining('allowed ports 22, 80, 443') });
  });
  it('fails naming the port, address and process', () => {
    const result = runCheck('listeners-allowed', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '0.0.0.0', port: 8000, process: 'gunicorn', pid: 200, user: 'mysite' });
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('tcp 0.0.0.0:8000 (gunicorn, user mysite)') });
  });
  it('fails for IPv6 wildcard listeners', () => {
    const result = runCheck('listeners-allowed', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'udp', address: '::', port: 161, process: 'snmpd' });
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('udp [::]:161 (snmpd)') });
  });
  it('warns when listeners are missing', () => {
    expect(runCheck('listeners-allowed', (input) => sectionFailed(input, 'listeners', 'ss not found')).message).toContain('ss not found');
  });
});

describe('app-unix-socket', () => {
  it('passes when the app listens on a unix socket', () => {
    expect(runCheck('app-unix-socket')).toMatchObject({ status: 'pass', message: expect.stringContaining('/run/mysite/gunicorn.sock') });
  });
  it('passes on loopback TCP', () => {
    const result = runCheck('app-unix-socket', (input) => {
      input.facts.listeners!.unix = [];
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '127.0.0.1', port: 8000, process: 'gunicorn', pid: 200, user: 'mysite' });
    });
    expect(result).toMatchObject({ status: 'pass', message: expect.stringContaining('127.0.0.1:8000') });
  });
  it('fails when the app binds a public address, found by pid even without a user', () => {
    const result = runCheck('app-unix-socket', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '0.0.0.0', port: 8000, process: 'gunicorn', pid: 201 });
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('0.0.0.0:8000') });
  });
  it('warns, not passes, when a public listener has no process to attribute it to', () => {
    const result = runCheck('app-unix-socket', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '0.0.0.0', port: 8080 });
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('tcp 0.0.0.0:8080') });
  });
  it('warns when the app has no listener', () => {
    const result = runCheck('app-unix-socket', (input) => {
      input.facts.listeners!.unix = [];
    });
    expect(result.status).toBe('warn');
  });
});

describe('datastores-local', () => {
  it('passes for postgres on loopback', () => {
    expect(runCheck('datastores-local')).toMatchObject({ status: 'pass', message: expect.stringContaining('127.0.0.1:5432') });
  });
  it('passes for a private address', () => {
    const result = runCheck('datastores-local', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '10.0.0.5', port: 6379, process: 'redis-server' });
    });
    expect(result.status).toBe('pass');
  });
  it('fails for redis on all addresses, naming it', () => {
    const result = runCheck('datastores-local', (input) => {
      input.facts.listeners!.sockets.push({ protocol: 'tcp', address: '0.0.0.0', port: 6379, process: 'redis-server', user: 'redis' });
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('tcp 0.0.0.0:6379 (redis-server, user redis)') });
  });
  it('warns without listeners', () => {
    expect(runCheck('datastores-local', (input) => sectionFailed(input, 'listeners')).status).toBe('warn');
  });
});

describe('firewall-default-deny', () => {
  it('passes with an nftables drop policy', () => {
    expect(runCheck('firewall-default-deny')).toMatchObject({ status: 'pass', message: 'nftables inbound default policy is drop' });
  });
  it('fails with an accept policy', () => {
    const result = runCheck('firewall-default-deny', (input) => {
      input.facts.firewall!.default_input = 'accept';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'nftables inbound default policy is accept' });
  });
  it('fails without any firewall', () => {
    const result = runCheck('firewall-default-deny', (input) => {
      input.facts.firewall = { backend: 'none', default_input: 'unknown', readable: false };
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('no firewall') });
  });
  it('warns when the ruleset is unreadable', () => {
    const result = runCheck('firewall-default-deny', (input) => {
      input.facts.firewall!.readable = false;
    });
    expect(result).toMatchObject({ status: 'warn', remediation: expect.stringContaining('--sudo') });
  });
  it('is n/a in a container, saying why', () => {
    const result = runCheck('firewall-default-deny', (input) => {
      input.target.container = true;
    });
    expect(result).toMatchObject({ status: 'na', message: expect.stringContaining('container') });
  });
});

describe('fail2ban-sshd', () => {
  it('passes with an sshd jail', () => {
    expect(runCheck('fail2ban-sshd').status).toBe('pass');
  });
  it('fails without the sshd jail, listing the jails', () => {
    const result = runCheck('fail2ban-sshd', (input) => {
      input.facts.fail2ban!.jails = ['nginx-http-auth'];
    });
    expect(result).toMatchObject({ status: 'fail', message: 'fail2ban has no sshd jail (jails: nginx-http-auth)' });
  });
  it('fails when not running', () => {
    const result = runCheck('fail2ban-sshd', (input) => {
      input.facts.fail2ban!.active = false;
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('not running') });
  });
  it('warns when missing', () => {
    expect(runCheck('fail2ban-sshd', (input) => sectionFailed(input, 'fail2ban')).status).toBe('warn');
  });
});
