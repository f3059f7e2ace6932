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
 * The full content each managed file should have (header included), by path.
 * Reads `source:` files and renders `template:` files on this machine, before
 * planning, so a template error is a ConfigError that changes nothing.
 */
export function renderDesiredContents(catalog: Catalog, context: TemplateContext): Record<string, string> {
  const contents: Record<string, string> = {};
  const environments = new Map<string, nunjucks.Environment>();
  for (const resource of catalog.ordered) {
    if (resource.type !== 'file' || fileEnsure(resource.attrs) !== 'file') continue;
    const body = bodyOf(resource, context, environments);
    if (body === undefined) continue;
    contents[resource.name] = resource.attrs.header ? withManagedHeader(body, resource.name, resource.attrs.template) : body;
  }
  return contents;
}

export function catalogNeedsFacts(catalog: Catalog): boolean {
  return catalog.ordered.some((r) => r.type === 'file' && r.attrs.template !== undefined);
}

function bodyOf(resource: FileResource, context: TemplateContext, environments: Map<string, nunjucks.Environment>): string | undefined {
  const { attrs } = resource;
  if (attrs.content !== undefined) return attrs.content;
  if (attrs.source !== undefined) return readFileSync(manifestSourcePath(resource, attrs.source), 'utf8');
  if (attrs.template === undefined) return undefined;
  let environment = environments.get(resource.origin.dir);
  if (!environment) {
    // Autoescape is for HTML; these are configuration files. Undefined values are errors, not empty strings.
    environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(resource.origin.dir, { noCache: true }), {
      autoescape: false,
      throwOnUndefined: true,
      trimBlocks: true,
      lstripBlocks: true,
    });
    environments.set(resource.origin.dir, environment);
  }
  try {
    return environment.render(attrs.template, { facts: context.facts, vars: context.vars });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    throw configErrorAt(resource.origin.source, [...resource.origin.path, 'template'], `cannot render ${attrs.template}: ${message}`, { cause: error });
  }
}
