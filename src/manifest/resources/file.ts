import { sha256 } from '../../core/hash.js';
import type { ObservedFile, ObservedState } from '../observed-state.js';
import type { FileOperation, ResourcePlan } from '../operation.js';
import { fileEnsure, type FileResource } from '../resource.js';
import { maskSecretLines, secretDiffPlaceholder } from '../secret-mask.js';
import { unifiedDiff } from '../unified-diff.js';

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
