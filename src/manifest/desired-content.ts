import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { ConfigError } from '../core/errors.js';
import { configErrorAt, displayPath } from '../profile/yaml-source.js';
import type { Catalog } from './catalog.js';
import { withManagedHeader } from './header.js';
import { manifestSourcePath } from './load.js';
import { fileEnsure, type FileResource } from './resources/file.js';

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
 * Compiles every template now, while the profile loads: a syntax error is a
 * ConfigError at the template's own line and column (exit 2), before any engine
 * is touched. The compiled templates stay in `templates` for the render.
 */
export function checkTemplates(catalog: Catalog, templates: TemplateSet): void {
  for (const resource of catalog.ordered) {
    if (resource.type !== 'file' || resource.attrs.template === undefined || fileEnsure(resource.attrs) !== 'file') continue;
    try {
      templates.templateOf(resource);
    } catch (error) {
      throw templateSyntaxError(manifestSourcePath(resource, resource.attrs.template), resource.ref, error);
    }
  }
}

/** nunjucks says "(file) [Line 3, Column 1]\n  expected variable end": that position, in the editor's terms. */
export function templateSyntaxError(path: string, usedBy: string, error: unknown): ConfigError {
  const message = error instanceof Error ? error.message : String(error);
  const at = /\[Line (\d+), Column (\d+)\]/.exec(message);
  const detail = message
    .replace(/^\([^)]*\)\s*/, '')
    .replace(/\[Line \d+, Column \d+\]/, '')
    .replace(/^Template render error:\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  let line = at ? Number(at[1]) : 1;
  let column = at ? Number(at[2]) : 1;
  let opened = '';
  // An unclosed tag is found where the parser gave up, often lines later: point at the tag that was opened.
  const tag = /expected (variable|block) end/.exec(detail);
  if (tag) {
    const open = unclosedTagBefore(readFileSync(path, 'utf8'), tag[1] === 'variable' ? ['{{', '}}'] : ['{%', '%}'], line, column);
    if (open) {
      opened = ` (the ${tag[1] === 'variable' ? '{{' : '{%'} here is never closed)`;
      ({ line, column } = open);
    }
  }
  return new ConfigError({ file: displayPath(path), line, column }, '', `template syntax error: ${detail || 'does not compile'}${opened}; used by ${usedBy}`, {
    cause: error,
  });
}

function unclosedTagBefore(text: string, [open, close]: [string, string], line: number, column: number): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  const offset = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
  const before = text.slice(0, offset);
  const start = before.lastIndexOf(open);
  if (start < 0 || before.indexOf(close, start) >= 0) return undefined;
  const upTo = text.slice(0, start).split('\n');
  return { line: upTo.length, column: (upTo[upTo.length - 1]?.length ?? 0) + 1 };
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
