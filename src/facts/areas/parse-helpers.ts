import { z } from 'zod';

/** Small readers of collector output shared by the fact areas, and the schema's scalar shorthands. */

export const str = z.string();
export const num = z.number();

export function keyValues(lines: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf('=');
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}

export function tabbed(lines: readonly string[], kind: string): string[][] {
  const out: string[][] = [];
  for (const line of lines) {
    if (line.startsWith(`${kind}\t`)) out.push(line.split('\t').slice(1));
  }
  return out;
}

/** os-release values: optionally quoted, with shell-style backslash escapes. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    const inner = v.slice(1, -1);
    return v.startsWith('"') ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}

export function octalMode(mode: string): string {
  return mode.padStart(4, '0');
}

export function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** dpkg "installed-ish" states: installed, unpacked, half-configured, half-installed, triggers. Not "not-installed" or "config-files". */
export function isInstalledStatus(status: string): boolean {
  return /^.[iUFHWt]/.test(status);
}
