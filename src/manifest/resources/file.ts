import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { OperationError } from '../../core/errors.js';
import { sha256 } from '../../core/hash.js';
import { configErrorAt, displayPath } from '../../profile/yaml-source.js';
import { FILE_BATCH_MAX_OPERATIONS, runFileBatch } from '../../targets/file-batch.js';
import type { ObservedFile, ObservedState } from '../observed-state.js';
import type { FileOperation, ResourcePlan } from '../operation.js';
import { PENDING_REFRESH_PATH, RecordFailed } from '../pending-refresh.js';
import { declaredRefs, type ResourceProvider } from '../provider.js';
import { refOf, type Resource, type ResourceOf } from '../resource.js';
import { absolutePath, accountRef, pathProblem, relations } from '../schema.js';
import { maskSecretLines, secretDiffPlaceholder } from '../secret-mask.js';
import { unifiedDiff } from '../unified-diff.js';
import { accountsQuery } from './account.js';

/**
 * Files, folders, links and absences. Every managed path is read in the shared
 * stat pass (observe.ts), and consecutive file operations go to the target in one
 * round trip (src/targets/file-batch.ts), with the pending-refresh record first
 * when it must be written before them.
 */

/** YAML 1.2 reads an unquoted 0644 as the decimal 644: accept it and read the digits as octal, like people mean. */
const fileMode = z.union([z.string(), z.number().int()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value;
  if (!/^[0-7]{3,4}$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an octal file mode (write it quoted, e.g. "0644")` });
    return z.NEVER;
  }
  return text.padStart(4, '0');
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
    if (bodies.length > 1)
      ctx.addIssue({ code: 'custom', path: [bodies[1]!], message: `give only one of content, source or template (found ${bodies.join(' and ')})` });
    const ensure = value.ensure ?? (value.target !== undefined ? 'link' : 'file');
    if (ensure === 'link' && value.target === undefined) ctx.addIssue({ code: 'custom', path: ['ensure'], message: 'a link needs a "target"' });
    if (ensure !== 'link' && value.target !== undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: `"target" only applies to ensure: link` });
    if (ensure !== 'file' && bodies.length > 0) ctx.addIssue({ code: 'custom', path: [bodies[0]!], message: `${bodies[0]} only applies to ensure: file` });
  });

export type FileAttrs = z.output<typeof FileAttributes>;
export type FileResource = ResourceOf<'file', FileAttrs>;

/** The effective ensure of a file resource: a target implies a link, otherwise a file. */
export function fileEnsure(attrs: FileAttrs): 'file' | 'directory' | 'link' | 'absent' {
  return attrs.ensure ?? (attrs.target !== undefined ? 'link' : 'file');
}

/** `source:` and `template:` are relative to the manifest and must exist now, not halfway through an apply. */
function checkLocalFiles(resource: FileResource): void {
  for (const key of ['source', 'template'] as const) {
    const relative = resource.attrs[key];
    if (relative === undefined) continue;
    const at = [...resource.origin.path, key];
    if (isAbsolute(relative)) {
      throw configErrorAt(resource.origin.source, at, `"${relative}" must be relative to the manifest (it is read on this machine, not in the guest)`);
    }
    const full = resolve(resource.origin.dir, relative);
    if (!existsSync(full)) throw configErrorAt(resource.origin.source, at, `${displayPath(full)} does not exist`);
    if (!statSync(full).isFile()) throw configErrorAt(resource.origin.source, at, `${displayPath(full)} is not a file`);
    try {
      accessSync(full, constants.R_OK);
    } catch (error) {
      throw configErrorAt(resource.origin.source, at, `${displayPath(full)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
}

function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** The nearest declared file resource above `path`, when it is a directory: what must exist first. */
export function parentDirectoryRefs(path: string, declared: ReadonlyMap<string, Resource>): string[] {
  for (let parent = parentOf(path); parent; parent = parentOf(parent)) {
    const candidate = declared.get(refOf('file', parent));
    if (candidate?.type === 'file') return fileEnsure(candidate.attrs) === 'directory' ? [candidate.ref] : [];
  }
  return [];
}

/**
 * Plans one file, directory, link or absence. `content` is the full desired
 * content (header included) or undefined when the manifest gives no body.
 */
export function planFile(resource: FileResource, observed: ObservedState, content: string | undefined): ResourcePlan {
  const path = resource.name;
  const attrs = resource.attrs;
  const current: ObservedFile = observed.files[path] ?? { kind: 'absent' };
  const ensure = fileEnsure(attrs);
  const op: FileOperation = { kind: 'file', path };
  const changes: string[] = [];
  let diff: string | undefined;

  if (ensure === 'absent') {
    if (current.kind === 'absent') return { changes: [] };
    return { changes: [`ensure: ${current.kind} → absent`], operation: { ...op, remove: current.kind === 'directory' ? 'tree' : 'file' } };
  }

  if (ensure === 'directory') {
    if (current.kind === 'absent') {
      changes.push('ensure: absent → directory');
      op.mkdir = true;
    } else if (current.kind !== 'directory') {
      return { changes: [], problem: `${path} is a ${current.kind}, not a directory; remove it or declare it differently` };
    }
  } else if (ensure === 'link') {
    const target = attrs.target!;
    if (current.kind === 'directory') return { changes: [], problem: `${path} is a directory, not a link; remove it first` };
    if (current.kind !== 'link' || current.linkTarget !== target) {
      changes.push(`target: ${current.kind === 'link' ? current.linkTarget : `(${current.kind})`} → ${target}`);
      op.link = target;
    }
    // Ownership and mode of a symlink itself are meaningless on Linux.
    return changes.length ? { changes, operation: op } : { changes };
  } else {
    if (current.kind === 'directory' || current.kind === 'other') {
      return { changes: [], problem: `${path} is a ${current.kind}, not a regular file; remove it first` };
    }
    const exists = current.kind === 'file';
    const body = content ?? (exists ? undefined : '');
    if (body !== undefined && (!exists || current.sha256 !== sha256(body))) {
      changes.push(exists ? 'content changed' : current.kind === 'link' ? 'ensure: link → file' : 'ensure: absent → file');
      diff = fileDiff(path, attrs.secret, exists ? current : undefined, body);
      op.write = {
        content: body,
        mode: attrs.mode ?? (exists && current.mode ? current.mode : '0644'),
        ...ownerGroup(attrs.owner ?? (exists ? current.owner : undefined), attrs.group ?? (exists ? current.group : undefined)),
      };
      if (!exists) return { changes, diff, operation: op };
    }
  }

  // Existing file or directory (or one created above): mode and ownership.
  const creating = op.mkdir === true;
  if (attrs.mode !== undefined && !op.write && (creating || current.mode !== attrs.mode)) {
    if (!creating) changes.push(`mode: ${current.mode} → ${attrs.mode}`);
    op.chmod = attrs.mode;
  }
  if (attrs.owner !== undefined && !op.write && (creating || !sameAccount(attrs.owner, current.owner, current.uid))) {
    if (!creating) changes.push(`owner: ${current.owner} → ${attrs.owner}`);
    op.chown = attrs.owner;
  }
  if (attrs.group !== undefined && !op.write && (creating || !sameAccount(attrs.group, current.group, current.gid))) {
    if (!creating) changes.push(`group: ${current.group} → ${attrs.group}`);
    op.chgrp = attrs.group;
  }
  if (op.write) {
    if (attrs.mode !== undefined && current.mode !== attrs.mode) changes.push(`mode: ${current.mode} → ${attrs.mode}`);
    if (attrs.owner !== undefined && !sameAccount(attrs.owner, current.owner, current.uid)) changes.push(`owner: ${current.owner} → ${attrs.owner}`);
    if (attrs.group !== undefined && !sameAccount(attrs.group, current.group, current.gid)) changes.push(`group: ${current.group} → ${attrs.group}`);
  }
  const acts = op.write || op.mkdir || op.chmod || op.chown || op.chgrp;
  return acts ? { changes, ...(diff !== undefined ? { diff } : {}), operation: op } : { changes: [] };
}

function ownerGroup(owner: string | undefined, group: string | undefined): { owner?: string; group?: string } {
  return { ...(owner !== undefined ? { owner } : {}), ...(group !== undefined ? { group } : {}) };
}

/** A desired owner may be written as a name or a number. */
function sameAccount(desired: string, name: string | undefined, id: number | undefined): boolean {
  return /^\d+$/.test(desired) ? Number(desired) === id : desired === name;
}

function fileDiff(path: string, secret: boolean, current: ObservedFile | undefined, body: string): string {
  if (secret) return secretDiffPlaceholder(path, current?.sha256, sha256(body));
  if (current && current.content === undefined) {
    return `--- ${path}\n+++ ${path}\n@@ not shown: the current file is ${current.size ?? '?'} bytes (too large to diff) @@\n`;
  }
  const diff = unifiedDiff(current?.content ?? '', body, { fromLabel: current ? path : '/dev/null', toLabel: path });
  return maskSecretLines(diff);
}

/** Unit files: writing one calls for a daemon-reload before services are touched. */
const SYSTEMD_UNIT_PATH = /^\/(etc|lib|usr\/lib)\/systemd\/system\//;

export const fileProvider: ResourceProvider<'file', FileAttrs> = {
  type: 'file',
  attributes: FileAttributes,
  nameProblem: pathProblem,
  checkDeclared: checkLocalFiles,
  // After its parent folder and its owner (nothing for an absence).
  impliedAfter: (resource, declared) =>
    fileEnsure(resource.attrs) === 'absent'
      ? []
      : [
          ...parentDirectoryRefs(resource.name, declared),
          ...declaredRefs(
            [...(resource.attrs.owner ? [refOf('user', resource.attrs.owner)] : []), ...(resource.attrs.group ? [refOf('group', resource.attrs.group)] : [])],
            resource.ref,
            declared,
          ),
        ],
  observe: {
    paths: (resource) => [{ path: resource.name, readContent: fileEnsure(resource.attrs) === 'file' }],
    queries: [accountsQuery],
  },
  plan: (resource, observed, desired) => planFile(resource, observed, desired.contents[resource.name]),
  consecutive: { max: FILE_BATCH_MAX_OPERATIONS },
  carriesRecords: true,
  describe: (changes) => `${changes.length} files: ${changes.map((c) => c.ref.slice(5)).join(' ')}`,
  // A unit file written and no service touched since: systemd reads it now.
  async finish(session) {
    if (session.daemonReloadNeeded) await session.target.exec(['systemctl', 'daemon-reload']);
  },
  /** One operation is a batch of one: content, owner, mode, link in one round trip. */
  async apply(session, { changes, records }) {
    const ops = changes.map((c) => c.operation as FileOperation);
    const result = await runFileBatch(session.target, [...records, ...ops]);
    if (result.failed && result.failed.index < records.length) {
      throw new RecordFailed(`could not record pending refreshes in ${PENDING_REFRESH_PATH}: ${result.failed.error}`);
    }
    const done = Math.max(0, result.done - records.length);
    for (const op of ops.slice(0, done)) if (SYSTEMD_UNIT_PATH.test(op.path)) session.daemonReloadNeeded = true;
    if (!result.failed) return { done };
    const index = result.failed.index - records.length;
    return { done, failed: { index, error: new OperationError(`could not apply ${ops[index]!.path}: ${result.failed.error}`) } };
  },
};
