import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/manifest/catalog.js';
import { compileTemplates, renderDesiredContents, TemplateSet } from '../../../src/manifest/desired-content.js';
import { parseManifest } from '../../../src/manifest/load.js';
import { parseYamlSource } from '../../../src/profile/yaml-source.js';
import { errorOf } from './manifest-text.js';

/** Templates render with facts and vars; compiling them ahead (during observation) changes nothing but the time. */
describe('desired file contents', () => {
  let dir: string;
  const manifestPath = (): string => join(dir, 'app.yaml');
  const catalogOf = (text: string) => {
    writeFileSync(manifestPath(), text);
    return buildCatalog([parseManifest(parseYamlSource(text, manifestPath()))]);
  };
  const template = (name: string, text: string): void => writeFileSync(join(dir, 'templates', name), text);
  const context = { facts: { processors: { count: 4 } }, vars: { name: 'shop' } };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'devenv-templates-'));
    mkdirSync(join(dir, 'templates'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renders facts and vars, with the managed header, the same whether compiled ahead or not', async () => {
    template('app.conf.j2', 'name = {{ vars.name }}\nworkers = {{ facts.processors.count * 2 + 1 }}\n');
    const catalog = catalogOf('file:\n  /etc/app.conf: { template: templates/app.conf.j2 }\n  /etc/plain: { content: "x\\n", header: false }\n');
    const direct = renderDesiredContents(catalog, context);
    expect(direct['/etc/app.conf']).toMatch(/^# managed by devenv.*\nname = shop\nworkers = 9\n$/);
    expect(direct['/etc/plain']).toBe('x\n');

    const templates = new TemplateSet();
    await compileTemplates(catalog, templates);
    // Compiled once, ahead: a change on disk after that is not seen within the same run.
    template('app.conf.j2', 'changed\n');
    expect(renderDesiredContents(catalog, context, templates)).toEqual(direct);
  });

  it('a template that does not compile is reported where the manifest names it, after compiling ahead too', async () => {
    template('broken.j2', 'a {% if %}\n');
    const catalog = catalogOf('file:\n  /etc/broken: { template: templates/broken.j2 }\n');
    const templates = new TemplateSet();
    await expect(compileTemplates(catalog, templates)).resolves.toBeUndefined();
    expect(errorOf(() => renderDesiredContents(catalog, context, templates))).toMatch(/app\.yaml:2:\d+: .*cannot render templates\/broken\.j2: /);
  });

  it('an undefined value is an error, not an empty string', () => {
    template('strict.j2', '{{ vars.missing }}\n');
    const catalog = catalogOf('file:\n  /etc/strict: { template: templates/strict.j2 }\n');
    expect(errorOf(() => renderDesiredContents(catalog, context))).toMatch(/cannot render templates\/strict\.j2: .*undefined/i);
  });
});
