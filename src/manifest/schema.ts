import { z } from 'zod';

/**
 * The manifest schema: one strict object per resource type. Names (the keys
 * under a type) are checked by `checkResourceName` so the error points at the
 * key itself; attribute values are checked here. Every value that later
 * reaches a command line is constrained to a shape that cannot be mistaken for
 * an option or a shell word, and is still passed as its own argv element.
 */

export const RESOURCE_TYPES = ['apt', 'group', 'user', 'venv', 'pip', 'file', 'service', 'exec'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
export const DEBIAN_VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;
export const UNIT_NAME = /^[A-Za-z0-9_][A-Za-z0-9@_.:-]*$/;
/** PEP 508 distribution name. */
export const PIP_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
/** An exact PEP 440 version (no ranges: a pin is a pin). */
export const PIP_VERSION = /^([0-9]+!)?[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?(\+[A-Za-z0-9.]+)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Absolute, normalized, and free of characters that make paths ambiguous in logs or commands. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `"${path}" is a relative path; write an absolute path`;
  if (/[\0\n\r]/.test(path)) return 'a path cannot contain NUL or line breaks';
  if (path !== '/' && path.endsWith('/')) return `"${path}" ends with "/"; write it without`;
  if (/\/\/|(^|\/)\.\.?(\/|$)/.test(path)) return `"${path}" is not normalized (no "//", "." or ".." segments)`;
  return undefined;
}

const absolutePath = z.string().superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const accountName = z.string().regex(ACCOUNT_NAME, 'must be a user or group name (lowercase letters, digits, "_" or "-", starting with a letter or "_")');
const accountRef = z.union([accountName, z.number().int().min(0)]).transform((v) => String(v));

/** YAML 1.2 reads an unquoted 0644 as the decimal 644: accept it and read the digits as octal, like people mean. */
const fileMode = z.union([z.string(), z.number().int()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value;
  if (!/^[0-7]{3,4}$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an octal file mode (write it quoted, e.g. "0644")` });
    return z.NEVER;
  }
  return text.padStart(4, '0');
});

const argv = z
  .array(z.string().refine((s) => !s.includes('\0'), 'an argument cannot contain a NUL byte'))
  .min(1, 'a command is a list of at least one argument: [program, arg, …]');

const refList = z.union([z.string(), z.array(z.string())]).transform((v) => (typeof v === 'string' ? [v] : v));

const relations = {
  require: refList.optional(),
  before: refList.optional(),
  subscribe: refList.optional(),
  notify: refList.optional(),
};
export const RELATION_KEYS = ['require', 'before', 'subscribe', 'notify'] as const;
export type RelationKey = (typeof RELATION_KEYS)[number];

const aptEnsure = z.string().refine(
  (v) => ['present', 'latest', 'absent', 'purged'].includes(v) || DEBIAN_VERSION.test(v),
  'must be present, latest, absent, purged or an exact Debian version such as "1.22.1-9+deb12u9"',
);

export const AptAttributes = z.strictObject({ ensure: aptEnsure.default('present'), ...relations });

export const GroupAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  gid: z.number().int().min(0).optional(),
  system: z.boolean().default(false),
  ...relations,
});

export const UserAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  uid: z.number().int().min(0).optional(),
  /** Primary group, by name or gid. */
  group: accountRef.optional(),
  groups: z.array(accountName).optional(),
  system: z.boolean().default(false),
  shell: absolutePath.optional(),
  home: absolutePath.optional(),
  managehome: z.boolean().default(false),
  comment: z.string().regex(/^[^:\n\0]*$/, 'a comment cannot contain ":" or line breaks').optional(),
  ...relations,
});

export const VenvAttributes = z.strictObject({
  ensure: z.enum(['present', 'absent']).default('present'),
  python: absolutePath.default('/usr/bin/python3'),
  /** Lets the venv see Debian's python3-* packages (a pinned Debian package instead of a PyPI download). */
  system_site_packages: z.boolean().default(false),
  owner: accountName.optional(),
  group: accountName.optional(),
  ...relations,
});

export const PipAttributes = z.strictObject({
  ensure: z.string().refine((v) => v === 'absent' || PIP_VERSION.test(v), 'must be an exact version such as "4.2.16" (a pin), or absent'),
  venv: absolutePath,
  ...relations,
});

export const FileAttributes = z
  .strictObject({
    ensure: z.enum(['file', 'directory', 'link', 'absent']).optional(),
    content: z.string().optional(),
    source: z.string().min(1).optional(),
    template: z.string().min(1).optional(),
    target: absolutePath.optional(),
    owner: accountRef.optional(),
    group: accountRef.optional(),
    mode: fileMode.optional(),
    secret: z.boolean().default(false),
    /** Set false to leave out the "managed by devenv" header (e.g. a file whose format checks its first line). */
    header: z.boolean().default(true),
    ...relations,
  })
  .superRefine((value, ctx) => {
    const bodies = (['content', 'source', 'template'] as const).filter((k) => value[k] !== undefined);
    if (bodies.length > 1) ctx.addIssue({ code: 'custom', path: [bodies[1]!], message: `give only one of content, source or template (found ${bodies.join(' and ')})` });
    const ensure = value.ensure ?? (value.target !== undefined ? 'link' : 'file');
    if (ensure === 'link' && value.target === undefined) ctx.addIssue({ code: 'custom', path: ['ensure'], message: 'a link needs a "target"' });
    if (ensure !== 'link' && value.target !== undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: `"target" only applies to ensure: link` });
    if (ensure !== 'file' && bodies.length > 0) ctx.addIssue({ code: 'custom', path: [bodies[0]!], message: `${bodies[0]} only applies to ensure: file` });
  });

export const ServiceAttributes = z.strictObject({
  ensure: z.enum(['running', 'stopped']).optional(),
  enable: z.boolean().optional(),
  on_refresh: z.enum(['restart', 'reload']).default('restart'),
  ...relations,
});

export const ExecAttributes = z.strictObject({
  command: argv,
  creates: absolutePath.optional(),
  unless: argv.optional(),
  onlyif: argv.optional(),
  refreshonly: z.boolean().default(false),
  env: z.record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _'), z.string()).optional(),
  cwd: absolutePath.optional(),
  /** Seconds. */
  timeout: z.number().positive().max(86400).default(300),
  user: accountName.optional(),
  ...relations,
});

export const ATTRIBUTE_SCHEMAS = {
  apt: AptAttributes,
  group: GroupAttributes,
  user: UserAttributes,
  venv: VenvAttributes,
  pip: PipAttributes,
  file: FileAttributes,
  service: ServiceAttributes,
  exec: ExecAttributes,
} as const;

export type AptAttrs = z.output<typeof AptAttributes>;
export type GroupAttrs = z.output<typeof GroupAttributes>;
export type UserAttrs = z.output<typeof UserAttributes>;
export type VenvAttrs = z.output<typeof VenvAttributes>;
export type PipAttrs = z.output<typeof PipAttributes>;
export type FileAttrs = z.output<typeof FileAttributes>;
export type ServiceAttrs = z.output<typeof ServiceAttributes>;
export type ExecAttrs = z.output<typeof ExecAttributes>;

/** The top level of a manifest: only known types, each a mapping of name → attributes. */
export const ManifestSchema = z.strictObject(
  Object.fromEntries(RESOURCE_TYPES.map((type) => [type, z.record(z.string(), z.unknown()).optional()])) as Record<
    ResourceType,
    z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>
  >,
);

/** Why a resource name is not acceptable for its type, or undefined when it is. */
export function checkResourceName(type: ResourceType, name: string): string | undefined {
  switch (type) {
    case 'apt':
      return DEBIAN_PACKAGE.test(name) ? undefined : `"${name}" is not a Debian package name (lowercase letters, digits, "+", "-", "."; at least two characters)`;
    case 'user':
    case 'group':
      return ACCOUNT_NAME.test(name) ? undefined : `"${name}" is not a valid ${type} name (lowercase letters, digits, "_" or "-", starting with a letter or "_", at most 32)`;
    case 'service':
      return UNIT_NAME.test(name) ? undefined : `"${name}" is not a systemd unit name`;
    case 'pip':
      return PIP_NAME.test(name) ? undefined : `"${name}" is not a Python distribution name`;
    case 'venv':
    case 'file':
      return pathProblem(name);
    case 'exec':
      return /^[A-Za-z0-9][A-Za-z0-9_.@ -]*$/.test(name) && name.length <= 100 ? undefined : `"${name}" is not a usable exec name (letters, digits, space, "_", ".", "@", "-")`;
  }
}

/** PEP 503 normalized distribution name, as pip and dist-info folders compare them. */
export function normalizePipName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** "nginx" → "nginx.service"; names that already carry a unit suffix stay as written. */
export function unitName(name: string): string {
  return /\.(service|socket|timer|target|path|mount|scope|slice)$/.test(name) ? name : `${name}.service`;
}
