import type { ProvisionerChange } from './provisioner.js';

/**
 * Reading `puppet apply` output (run with --color=false): the resource events
 * of a run or of a --noop run, and the failing resource. Pure, so every shape
 * Puppet prints is tested without an agent.
 *
 *   Notice: /Stage[main]/Web/File[/etc/web.conf]/content: content changed '{sha256}a' to '{sha256}b'
 *   Notice: /Stage[main]/Web/Exec[migrate]/returns: current_value 'notrun', should be ['0'] (noop)
 *   Error: /Stage[main]/Web/Exec[broken]/returns: change from 'notrun' to ['0'] failed: '/bin/false' returned 1 instead of one of [0]
 */

/** A resource path's last `Type[title]` and the property after it. */
const EVENT = /^(Notice|Error|Warning): (\/Stage\[[^\]]*\]\/.*)$/;

export interface PuppetEvent {
  level: 'Notice' | 'Error' | 'Warning';
  /** `File[/etc/web.conf]` */
  resource: string;
  /** The class or defined type it is declared in: `Web`, `Web::Config`. */
  container?: string;
  property?: string;
  message: string;
}

export function parsePuppetEvent(line: string): PuppetEvent | undefined {
  const match = EVENT.exec(line.trimEnd());
  if (!match) return undefined;
  const level = match[1] as PuppetEvent['level'];
  const rest = match[2]!;
  // The message starts after the first ": " that follows the resource path's last "]" (or "]/property").
  const resourceEnd = findResourceEnd(rest);
  if (resourceEnd < 0) return undefined;
  const path = rest.slice(0, resourceEnd + 1);
  let tail = rest.slice(resourceEnd + 1);
  let property: string | undefined;
  const prop = /^\/([a-z_][a-z0-9_]*): /.exec(tail);
  if (prop) {
    property = prop[1];
    tail = tail.slice(prop[0].length);
  } else if (tail.startsWith(': ')) tail = tail.slice(2);
  else return undefined;
  const resourceStart = lastResourceStart(path);
  const resource = path.slice(resourceStart);
  const containerPath = path.slice(0, Math.max(0, resourceStart - 1)).replace(/^\/Stage\[[^\]]*\]\/?/, '');
  const container = containerPath.split('/').pop();
  return { level, resource, ...(container ? { container } : {}), ...(property ? { property } : {}), message: tail };
}

/** Index of the "]" closing the resource: the last "]" followed by "/prop: " or ": ". */
function findResourceEnd(text: string): number {
  let found = -1;
  for (let index = text.indexOf(']'); index >= 0; index = text.indexOf(']', index + 1)) {
    const after = text.slice(index + 1);
    if (/^\/[a-z_][a-z0-9_]*: /.test(after) || after.startsWith(': ')) {
      found = index;
      break;
    }
  }
  return found;
}

/** Start of the last `Type[` segment in a resource path (Type is capitalised, may hold ::). */
function lastResourceStart(path: string): number {
  const segments = [...path.matchAll(/(?:^|\/)([A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*)\[/g)];
  const last = segments[segments.length - 1];
  if (!last) return 0;
  return last.index + (last[0].startsWith('/') ? 1 : 0);
}

/**
 * The resources a run changed (or, with --noop, would change), one entry per
 * resource, in order. With --show_diff Puppet prints a file's diff between a bare
 * "Notice: …/content:" line and that resource's event: it goes with the event.
 */
export function puppetChanges(output: string): ProvisionerChange[] {
  const byResource = new Map<string, ProvisionerChange>();
  let pendingDiff: string[] | undefined;
  for (const line of output.split('\n')) {
    if (/^Notice: \/Stage\[.*\/content: ?$/.test(line)) {
      pendingDiff = [];
      continue;
    }
    const event = parsePuppetEvent(line);
    if (!event) {
      if (pendingDiff && !/^(Notice|Info|Error|Warning|Debug):/.test(line)) {
        if (line.trim() !== '' || pendingDiff.length > 0) pendingDiff.push(line);
      }
      continue;
    }
    if (event.level !== 'Notice') continue;
    // "Would have triggered 'refresh' from 1 event" is a consequence of the changes listed, not one more.
    if (!event.property && /^(Would have triggered|Triggered) 'refresh'/.test(event.message)) continue;
    const detail = event.property ? `${event.property}: ${event.message}` : event.message;
    let change = byResource.get(event.resource);
    if (change) change.detail = `${change.detail}; ${detail}`;
    else {
      change = { resource: event.resource, detail };
      byResource.set(event.resource, change);
    }
    const diff = pendingDiff?.join('\n').trimEnd();
    if (diff) change.diff = diff;
    pendingDiff = undefined;
  }
  return [...byResource.values()];
}

/** The first failing resource of a run, and Puppet's own sentence for why. */
export function puppetFailure(output: string): { resource?: string; message: string } | undefined {
  const errors = output.split('\n').filter((line) => line.startsWith('Error: '));
  for (const line of errors) {
    const event = parsePuppetEvent(line);
    if (event) return { resource: event.resource, message: event.message };
  }
  const first = errors[0];
  return first ? { message: first.slice('Error: '.length) } : undefined;
}
