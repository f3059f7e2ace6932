import { describe, expect, it } from 'vitest';
import { normalizePythonName } from '../../../src/checks/packages.js';
import { runCheck, sectionFailed } from './fixtures.js';

describe('no-build-tools', () => {
  it('passes when gcc is removed (rc does not count as installed)', () => {
    expect(runCheck('no-build-tools').status).toBe('pass');
  });
  it('fails naming each installed toolchain package', () => {
    const result = runCheck('no-build-tools', (input) => {
      const deb = input.facts.packages!.deb;
      deb['gcc-12'] = { version: '12.2.0-14', arch: 'amd64', status: 'ii' };
      deb['make'] = { version: '4.3-4.1', arch: 'amd64', status: 'ii' };
    });
    expect(result).toMatchObject({ status: 'fail', message: 'build tools installed: gcc-12, make' });
  });
  it('does not mistake similar names for compilers', () => {
    const result = runCheck('no-build-tools', (input) => {
      input.facts.packages!.deb['libgcc-s1'] = { version: '12.2.0-14', arch: 'amd64', status: 'ii' };
      input.facts.packages!.deb['gcc-12-base'] = { version: '12.2.0-14', arch: 'amd64', status: 'ii' };
    });
    expect(result.status).toBe('pass');
  });
  it('warns without package facts', () => {
    expect(runCheck('no-build-tools', (input) => sectionFailed(input, 'packages')).status).toBe('warn');
  });
});

describe('no-legacy-services', () => {
  it('passes on the hardened host', () => {
    expect(runCheck('no-legacy-services').status).toBe('pass');
  });
  it('fails for an installed telnetd package', () => {
    const result = runCheck('no-legacy-services', (input) => {
      input.facts.packages!.deb['telnetd'] = { version: '0.17+2.4-2', arch: 'amd64', status: 'ii' };
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('package telnetd') });
  });
  it('fails for an active xinetd service', () => {
    const result = runCheck('no-legacy-services', (input) => {
      input.facts.services!['xinetd'] = { enabled: 'enabled', active: 'active', user: 'root', restart: 'no' };
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('service xinetd') });
  });
  it('warns when services are missing', () => {
    expect(runCheck('no-legacy-services', (input) => sectionFailed(input, 'services')).status).toBe('warn');
  });
});

describe('security-updates', () => {
  it('passes when installed and enabled daily', () => {
    expect(runCheck('security-updates')).toMatchObject({ status: 'pass', message: expect.stringContaining('every day') });
  });
  it('fails when not installed', () => {
    const result = runCheck('security-updates', (input) => {
      input.facts.security_updates = { unattended_upgrades_installed: false };
    });
    expect(result).toMatchObject({ status: 'fail', message: 'unattended-upgrades is not installed' });
  });
  it('fails when periodic is "0"', () => {
    const result = runCheck('security-updates', (input) => {
      input.facts.security_updates!.periodic_unattended_upgrade = '0';
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('"0"') });
  });
  it('warns when the section is missing', () => {
    expect(runCheck('security-updates', (input) => sectionFailed(input, 'security_updates')).status).toBe('warn');
  });
});

describe('deps-pinned', () => {
  it('passes when every pin is installed as pinned (names compared as pip does)', () => {
    expect(runCheck('deps-pinned')).toMatchObject({ status: 'pass', message: expect.stringContaining('2 pip pins') });
    expect(normalizePythonName('Zope.Interface_x')).toBe('zope-interface-x');
  });
  it('fails when the installed version differs from the pin, naming both', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.facts.runtimes!.python!['/srv/mysite/venv']!.packages['django'] = '4.2.11';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'Django in /srv/mysite/venv is 4.2.11, pinned 4.2.16' });
  });
  it('fails for a pin that is not exact', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.declared!.pythonPins[1]!.ensure = 'latest';
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('gunicorn in /srv/mysite/venv is "latest"') });
  });
  it('fails when a pinned package is not installed', () => {
    const result = runCheck('deps-pinned', (input) => {
      delete input.facts.runtimes!.python!['/srv/mysite/venv']!.packages['gunicorn'];
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('gunicorn==22.0.0 is not installed') });
  });
  it('warns for packages installed without a pin', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.facts.runtimes!.python!['/srv/mysite/venv']!.packages['requests'] = '2.31.0';
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('requests') });
  });
  it('fails for a node app without a lockfile', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.facts.runtimes!.node = { '/srv/mysite/frontend': { packages: { react: '18.2.0' } } };
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('node app /srv/mysite/frontend has no lockfile') });
  });
  it('fails when an exact apt pin is not what is installed', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.facts.packages!.deb['nginx']!.version = '1.22.1-9+deb12u1';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'apt nginx is 1.22.1-9+deb12u1, pinned 1.22.1-9' });
  });
  it('does not judge apt packages declared "present"', () => {
    const result = runCheck('deps-pinned', (input) => {
      delete input.facts.packages!.deb['python3'];
    });
    expect(result.status).toBe('pass');
  });
  it('warns for venv packages when only apt is pinned', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.declared!.pythonPins = [];
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('installed in /srv/mysite/venv without a pin: django, gunicorn') });
  });
  it('warns when there is nothing to judge', () => {
    const result = runCheck('deps-pinned', (input) => {
      input.declared!.pythonPins = [];
      input.declared!.aptPins = [];
    });
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('/srv/mysite/venv') });
  });
  it('warns when runtimes could not be collected', () => {
    expect(runCheck('deps-pinned', (input) => sectionFailed(input, 'runtimes')).status).toBe('warn');
  });
});
