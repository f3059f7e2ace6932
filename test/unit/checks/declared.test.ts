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
          },
          pip: { django: { ensure: '4.2.16', venv: '/srv/mysite/venv' }, requests: { venv: '/srv/mysite/venv' } },
          service: { nginx: { ensure: 'running' } },
        },
      },
      { resources: { file: { '/etc/mysite/app.ini': { content: 'x=1' } }, service: { mysite: {} } } },
    ]);
    expect(declared).toEqual({
      managedFiles: ['/etc/mysite/app.ini', '/etc/nginx/sites-available/mysite'],
      pythonPins: [
        { venv: '/srv/mysite/venv', name: 'django', ensure: '4.2.16' },
        { venv: '/srv/mysite/venv', name: 'requests', ensure: 'present' },
      ],
      services: ['mysite', 'nginx'],
    });
  });
});
