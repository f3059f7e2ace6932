import { describe, expect, it } from 'vitest';
import { declaredStateFromManifests } from '../../../src/checks/declared.js';

describe('declaredStateFromManifests', () => {
  it('collects written files, pip pins and services; not links, folders or absent files', () => {
    const declared = declaredStateFromManifests([
      {
        resources: {
          file: {
            '/etc/nginx/sites-available/mysite': { template: 'templates/nginx-site.j2', mode: '0644' },
            '/etc/nginx/sites-enabled/mysite': { ensure: 'link', target: '/etc/nginx/sites-available/mysite' },
            '/etc/nginx/sites-enabled/default': { ensure: 'absent' },
            '/srv/mysite': { ensure: 'directory' },
            // JSON has no comments: apply writes it without a header, so the check must not ask for one.
            '/etc/mysite/config.json': { content: '{}' },
            '/etc/mysite/settings': { template: 'templates/settings.py.j2' },
            // Written as given, without the header: the check must not ask for one either.
            '/etc/mysite/verbatim.conf': { content: 'x=1', header: false },
          },
          pip: { django: { ensure: '4.2.16', venv: '/srv/mysite/venv' }, requests: { venv: '/srv/mysite/venv' } },
          service: { nginx: { ensure: 'running' } },
          apt: { nginx: { ensure: '1.22.1-9+deb12u1' }, curl: {} },
        },
      },
      { resources: { file: { '/etc/mysite/app.ini': { content: 'x=1' } }, service: { mysite: {} } } },
    ]);
    expect(declared).toEqual({
      managedFiles: ['/etc/mysite/app.ini', '/etc/mysite/settings', '/etc/nginx/sites-available/mysite'],
      filePaths: [
        '/etc/mysite/app.ini',
        '/etc/mysite/config.json',
        '/etc/mysite/settings',
        '/etc/mysite/verbatim.conf',
        '/etc/nginx/sites-available/mysite',
        '/etc/nginx/sites-enabled/default',
        '/etc/nginx/sites-enabled/mysite',
        '/srv/mysite',
      ],
      pythonPins: [
        { venv: '/srv/mysite/venv', name: 'django', ensure: '4.2.16' },
        { venv: '/srv/mysite/venv', name: 'requests', ensure: 'present' },
      ],
      aptPins: [
        { name: 'nginx', ensure: '1.22.1-9+deb12u1' },
        { name: 'curl', ensure: 'present' },
      ],
      services: ['mysite', 'nginx'],
    });
  });
});

describe('checklist input assembly', () => {
  it('stats manifest files and app code, fingerprints secrets separately', async () => {
    const { checklistCollectPaths } = await import('../../../src/checks/input.js');
    const paths = checklistCollectPaths(
      {
        checklist: { allowed_ports: [], datastore_ports: [], secrets: ['/etc/mysite/secrets.env'], app_services: [], app_paths: ['/srv/mysite/app'], skip: {} },
      },
      ['/etc/nginx/sites-available/mysite', '/etc/mysite/secrets.env'],
    );
    // A secret listed as a managed file too is only fingerprinted, never hashed.
    expect(paths).toEqual({ managedPaths: ['/etc/nginx/sites-available/mysite', '/srv/mysite/app'], secretPaths: ['/etc/mysite/secrets.env'] });
  });

  it('treats a container found by the facts as a container even when the target did not say', async () => {
    const { checkInputFrom } = await import('../../../src/checks/input.js');
    const { hardenedFacts, hardenedInput } = await import('./fixtures.js');
    const facts = hardenedFacts();
    facts.platform!.virtualization = { kind: 'container', tech: 'docker' };
    const base = hardenedInput();
    const input = checkInputFrom({ name: 'mysite', checklist: base.checklist }, base.declared!, facts, { unavailable: 'no production configured' });
    expect(input.target.container).toBe(true);
    expect(input.productionUnavailable).toBe('no production configured');
    expect(input.production).toBeUndefined();
  });
});
