import { describe, expect, it } from 'vitest';
import { runCheck } from './fixtures.js';

describe('distinct-credentials', () => {
  it('passes when no fingerprint matches production', () => {
    expect(runCheck('distinct-credentials')).toMatchObject({ status: 'pass', message: expect.stringContaining('2 secret fingerprints compared') });
  });
  it('fails naming the shared variable, never the value', () => {
    const result = runCheck('distinct-credentials', (input) => {
      input.production!.env!['mysite']!.fingerprints['SECRET_KEY'] = 'fp:staging-secret-key';
    });
    expect(result.status).toBe('fail');
    expect(result.message).toContain('SECRET_KEY of mysite');
    expect(result.message).not.toContain('fp:staging-secret-key');
  });
  it('fails naming a shared secret file', () => {
    const result = runCheck('distinct-credentials', (input) => {
      input.production!.files!['/etc/mysite/secrets.env']!.fingerprint = 'fp:staging-secrets-file';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'same value as production: file /etc/mysite/secrets.env' });
  });
  it('finds a value reused under another name', () => {
    const result = runCheck('distinct-credentials', (input) => {
      input.production!.env!['mysite']!.fingerprints['DB_PASSWORD'] = 'fp:staging-secret-key';
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining("SECRET_KEY of mysite (production's DB_PASSWORD of mysite)") });
  });
  it('does not compare settings that are meant to be equal', () => {
    const result = runCheck('distinct-credentials');
    expect(result.message).not.toContain('DJANGO_SETTINGS_MODULE');
    expect(result.status).toBe('pass');
  });
  it('warns when an environment file could not be read', () => {
    const result = runCheck('distinct-credentials', (input) => {
      input.production!.errors['env:mysite'] = '/etc/mysite/env is not readable (collect as root)';
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('ops@prod.example.com env:mysite') });
  });
  it('warns without production facts, with the reason', () => {
    const result = runCheck('distinct-credentials', (input) => {
      delete input.production;
      input.productionUnavailable = 'ssh to prod.example.com failed';
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('ssh to prod.example.com failed') });
  });
  it('warns when there are no fingerprints to compare', () => {
    const result = runCheck('distinct-credentials', (input) => {
      delete input.facts.env;
      delete input.facts.files!['/etc/mysite/secrets.env']!.fingerprint;
    });
    expect(result.status).toBe('warn');
  });
});

describe('staging-parity', () => {
  it('passes without error-level drift', () => {
    const result = runCheck('staging-parity', (input) => {
      input.parity = { summary: { error: 0 }, drift: [{ path: 'platform.hostname', severity: 'info' }] };
    });
    expect(result.status).toBe('pass');
  });
  it('fails naming the drifting paths', () => {
    const result = runCheck('staging-parity', (input) => {
      input.parity = {
        summary: { error: 1 },
        drift: [
          { path: 'packages.deb.nginx', severity: 'error' },
          { path: 'resources.memory_bytes', severity: 'warning' },
        ],
      };
    });
    expect(result).toMatchObject({ status: 'fail', message: '1 error-level drift against production: packages.deb.nginx' });
  });
  it('warns without a parity result', () => {
    const result = runCheck('staging-parity', (input) => {
      delete input.parity;
    });
    expect(result.status).toBe('warn');
  });
});
