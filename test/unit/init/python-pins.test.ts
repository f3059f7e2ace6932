import { describe, expect, it } from 'vitest';
import { pinsFromPyproject, pinsFromRequirements } from '../../../src/init/python-pins.js';

describe('the app’s Python pins', () => {
  it('reads exact pins of requirements.txt and lists what is not one', () => {
    const text = [
      '# the web app',
      'Django==4.2.16',
      'gunicorn == 21.2.0  # served by nginx',
      'psycopg[binary]==3.1.18 ; python_version >= "3.8"',
      'requests>=2.31',
      '-r dev-requirements.txt',
      '--index-url https://example.invalid/simple',
      'whitenoise==6.6.0 \\',
      '    --hash=sha256:0123',
      '',
    ].join('\n');
    expect(pinsFromRequirements(text)).toEqual({
      pins: [
        { name: 'Django', version: '4.2.16' },
        { name: 'gunicorn', version: '21.2.0' },
        { name: 'psycopg', version: '3.1.18' },
        { name: 'whitenoise', version: '6.6.0' },
      ],
      unpinned: ['requests>=2.31'],
    });
  });

  it('reads [project] dependencies of pyproject.toml, not other tables', () => {
    const text = `[build-system]\nrequires = ["setuptools==69.0.0"]\n\n[project]\nname = "shop"\ndependencies = [\n  "django==4.2.16",\n  'sqlparse>=0.4',\n]\n\n[tool.other]\ndependencies = ["nope==1"]\n`;
    expect(pinsFromPyproject(text)).toEqual({ pins: [{ name: 'django', version: '4.2.16' }], unpinned: ['sqlparse>=0.4'] });
    expect(pinsFromPyproject('[tool.x]\na = 1\n')).toEqual({ pins: [], unpinned: [] });
  });
});

describe('devenv init of a Python project', () => {
  it('writes the exact pins as pip resources of the venv and names what it left out', async () => {
    const { scaffoldProject } = await import('../../../src/init/scaffold.js');
    const { parse } = await import('yaml');
    const files = scaffoldProject({
      name: 'shop',
      kind: 'python',
      box: 'debian-12',
      backend: 'docker',
      hostPort: 8080,
      appUser: 'shop',
      pythonPins: { pins: [{ name: 'Django', version: '4.2.16' }], unpinned: ['requests>=2'] },
    });
    const app = files.find((file) => file.path === 'manifests/shop.yaml')!.content;
    expect(parse(app).pip).toEqual({ Django: { ensure: '4.2.16', venv: '/srv/shop/venv' } });
    expect(app).toContain('#   requests>=2\n');
  });
});
