import { z } from 'zod';

/**
 * The manifest schema's shared parts: value shapes several resource types use,
 * and the relations every type takes. Each type's own attributes are in its
 * provider (src/manifest/resources/<type>.ts). Names (the keys under a type) are
 * checked by the provider's `nameProblem` so the error points at the key itself.
 * Every value that later reaches a command line is constrained to a shape that
 * cannot be mistaken for an option or a shell word, and is still passed as its
 * own argv element.
 */

export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
export const DEBIAN_VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;
export const UNIT_NAME = /^[A-Za-z0-9_][A-Za-z0-9@_.:-]*$/;
/** PEP 508 distribution name. */
export const PIP_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
/** An exact PEP 440 version (no ranges: a pin is a pin). */
export const PIP_VERSION = /^([0-9]+!)?[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?(\+[A-Za-z0-9.]+)?$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Absolute, normalized, and free of characters that make paths ambiguous in logs or commands. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `"${path}" is a relative path; write an absolute path`;
  if (/[\0\n\r]/.test(path)) return 'a path cannot contain NUL or line breaks';
  if (path !== '/' && path.endsWith('/')) return `"${path}" ends with "/"; write it without`;
  if (/\/\/|(^|\/)\.\.?(\/|$)/.test(path)) return `"${path}" is not normalized (no "//", "." or ".." segments)`;
  return undefined;
}

export const absolutePath = z.string().superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const accountName = z
  .string()
  .regex(ACCOUNT_NAME, 'must be a user or group name (lowercase letters, digits, "_" or "-", starting with a letter or "_")');
export const accountRef = z.union([accountName, z.number().int().min(0)]).transform((v) => String(v));

const refList = z.union([z.string(), z.array(z.string())]).transform((v) => (typeof v === 'string' ? [v] : v));

/** The relation keys every type takes; load.ts takes them out of the attributes. */
export const relations = {
  require: refList.optional(),
  before: refList.optional(),
  subscribe: refList.optional(),
  notify: refList.optional(),
};
export const RELATION_KEYS = ['require', 'before', 'subscribe', 'notify'] as const;
export type RelationKey = (typeof RELATION_KEYS)[number];

/** PEP 503 normalized distribution name, as pip and dist-info folders compare them. */
export function normalizePipName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** "nginx" → "nginx.service"; names that already carry a unit suffix stay as written. */
export function unitName(name: string): string {
  return /\.(service|socket|timer|target|path|mount|scope|slice)$/.test(name) ? name : `${name}.service`;
}
