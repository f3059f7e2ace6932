import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { configErrorAt } from '../profile/yaml-source.js';
import type { Catalog } from './catalog.js';
import { withManagedHeader } from './header.js';
import { manifestSourcePath } from './load.js';
import { fileEnsure, type FileResource } from './resource.js';

/** What templates see: `facts.*` from the target and `vars.*` from the profile. */
export interface TemplateContext {
  facts: unknown;
  vars: Record<string, unknown>;
}

/**
 * Compiled templates, by directory: nunjucks environments (one per manifest folder)
 * and each template compiled once. Compiling needs no facts, so it can happen while
 * the target is being observed (see `compileTemplates`); rendering needs them.
 */
export class TemplateSet {
  private readonly environments = new Map<string, nunjucks.Environment>();
  private readonly compiled = new Map<string, nunjucks.Template>();

  environmentFor(dir: string): nunjucks.Environment {
    let environment = this.environments.get(dir);
    if (!environment) {
      // Autoescape is for HTML; these are configuration files. Undefined values are errors, not empty strings.
      environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: true }), {
        autoescape: false,
        throwOnUndefined: true,
        trimBlocks: true,
        lstripBlocks: true,
      });
      this.environments.set(dir, environment);
    }
    return environment;
  }

  /** The template of a file resource, compiled (throws nunjucks' error when it does not compile). */
  templateOf(resource: FileResource): nunjucks.Template {
    const key = `${resource.origin.dir}\0${resource.attrs.template}`;
    let template = this.compiled.get(key);
    if (!template) {
      template = this.environmentFor(resource.origin.dir).getTemplate(resource.attrs.template!, true);
      this.compiled.set(key, template);
    }
    return template;
  }
}

/**
 * Compiles every template of the catalog, yielding between templates so that a
 * round trip in flight is served meanwhile. Never throws: a template that does not
 * compile is left for `renderDesiredContents`, which reports it with its position.
 */
export async function compileTemplates(catalog: Catalog, templates: TemplateSet): Promise<void> {
  for (const resource of catalog.ordered) {
    if (resource.type !== 'file' || resource.attrs.template === undefined || fileEnsure(resource.attrs) !== 'file') continue;
    await new Promise((resolve) => setImmediate(resolve));
    try {
      templates.templateOf(resource);
    } catch {
      // Reported by renderDesiredContents.
    }
  }
}

/**
 * The full content each managed file should have (header included), by path.
 * Reads `source:` files and renders `template:` files on this machine, before
 * planning, so a template error is a ConfigError that changes nothing.
 */
export function renderDesiredContents(catalog: Catalog, context: TemplateContext, templates = new TemplateSet()): Record<string, string> {
  const contents: Record<string, string> = {};
  for (const resource of catalog.ordered) {
    if (resource.type !== 'file' || fileEnsure(resource.attrs) !== 'file') continue;
    const body = bodyOf(resource, context, templates);
    if (body === undefined) continue;
    contents[resource.name] = resource.attrs.header ? withManagedHeader(body, resource.name, resource.attrs.template) : body;
  }
  return contents;
}

export function catalogNeedsFacts(catalog: Catalog): boolean {
  return catalog.ordered.some((r) => r.type === 'file' && r.attrs.template !== undefined);
}

function bodyOf(resource: FileResource, context: TemplateContext, templates: TemplateSet): string | undefined {
  const { attrs } = resource;
  if (attrs.content !== undefined) return attrs.content;
  if (attrs.source !== undefined) return readFileSync(manifestSourcePath(resource, attrs.source), 'utf8');
  if (attrs.template === undefined) return undefined;
  try {
    return templates.templateOf(resource).render({ facts: context.facts, vars: context.vars });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    throw configErrorAt(resource.origin.source, [...resource.origin.path, 'template'], `cannot render ${attrs.template}: ${message}`, { cause: error });
  }
}
