import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { ConfigError, UsageError } from '../core/errors.js';
import { parseSshDestination } from '../targets/ssh-target.js';
import { configErrorAt, displayPath, parseYamlSource } from '../profile/yaml-source.js';

/**
 * Many hosts on one command line (`--against a,b --against c`, `devenv inventory
 * HOST…`): each value is an ssh:// host, a facts file, or an inventory file that
 * lists hosts. An inventory file is either one host per line (`#` comments) or
 * YAML with a `hosts:` list; an entry is `ssh://user@host[:port]`,
 * `user@host[:port]` or a facts file relative to the inventory file.
 */

export interface HostEntry {
  /** What the rest of devenv opens: ssh://user@host[:port] or an absolute facts file path. */
  spec: string;
  /** Where it was written, for messages: the command line or inventory:line. */
  from: string;
}

/** An inventory line or `hosts:` item as a spec: ssh:// or anything with @ is a host, the rest a facts file beside the inventory. */
export function inventoryEntrySpec(text: string, inventoryDir: string): string {
  if (text.startsWith('ssh://')) return text;
  if (text.includes('@')) return `ssh://${text}`;
  return resolve(inventoryDir, text);
}

interface InventoryItem {
  text: string;
  line: number;
  column: number;
}

/** A plain list, one host per line. */
function plainItems(text: string): InventoryItem[] {
  const items: InventoryItem[] = [];
  text.split('\n').forEach((raw, index) => {
    const content = raw.replace(/(^|\s)#.*$/, '');
    const trimmed = content.trim();
    if (!trimmed) return;
    items.push({ text: trimmed, line: index + 1, column: content.indexOf(trimmed) + 1 });
  });
  return items;
}

/**
 * Reads an inventory's entries with their positions. YAML when the file is a
 * mapping with `hosts:`; otherwise a plain list. Bad entries are exit 2 with
 * file:line:column.
 */
export function parseInventoryText(text: string, path: string): HostEntry[] {
  const file = displayPath(path);
  const dir = dirname(path);
  const looksYaml = /^hosts\s*:/m.test(text);
  let items: InventoryItem[];
  if (looksYaml) {
    const source = parseYamlSource(text, path);
    const root = source.doc.contents;
    if (!isMap(root)) throw configErrorAt(source, [], 'an inventory is a "hosts:" list or one host per line');
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'hosts') throw configErrorAt(source, [key], `unknown key ${JSON.stringify(key)} (an inventory has only "hosts")`, { which: 'key' });
    }
    const hosts = root.get('hosts', true);
    if (!isSeq(hosts)) throw configErrorAt(source, ['hosts'], 'must be a list of hosts (ssh://user@host[:port], user@host[:port] or a facts file)');
    items = hosts.items.map((node, index) => {
      if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
        throw configErrorAt(source, ['hosts', index], 'must be a host (ssh://user@host[:port], user@host[:port]) or a facts file');
      }
      const { line, col } = source.lineCounter.linePos(node.range?.[0] ?? 0);
      return { text: node.value.trim(), line, column: col };
    });
  } else {
    items = plainItems(text);
  }
  if (items.length === 0) throw new ConfigError({ file, line: 1, column: 1 }, '', 'the inventory lists no hosts');
  return items.map((item) => {
    const spec = inventoryEntrySpec(item.text, dir);
    if (spec.startsWith('ssh://')) {
      try {
        parseSshDestination(spec);
      } catch (error) {
        throw new ConfigError({ file, line: item.line, column: item.column }, '', error instanceof Error ? error.message : String(error));
      }
    }
    return { spec, from: `${file}:${item.line}` };
  });
}

/** A facts document is a JSON object; anything else in a file is an inventory. */
function looksLikeJson(text: string): boolean {
  return /^\uFEFF?\s*\{/.test(text);
}

/**
 * Expands command-line values (each possibly a comma-separated list) into host
 * entries, inventory files read, duplicates dropped. `env` is passed through
 * for the caller to refuse or accept.
 */
export async function expandHostSpecs(values: readonly string[], cwd = process.cwd()): Promise<HostEntry[]> {
  const entries: HostEntry[] = [];
  for (const value of values) {
    for (const part of value.split(',').map((p) => p.trim())) {
      if (part === '') throw new UsageError(`"${value}" has an empty entry (write a,b,c without empty items)`);
      if (part === 'env' || part.startsWith('ssh://')) {
        if (part !== 'env') parseSshDestination(part);
        entries.push({ spec: part, from: 'the command line' });
        continue;
      }
      if (part.startsWith('-')) throw new UsageError(`"${part}" is not a host (write ssh://user@host[:port], a facts FILE or an inventory FILE)`);
      const path = resolve(cwd, part);
      const isFile = await stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!isFile) {
        // A bare user@host is a host, as in an inventory; anything else names a file that is not there.
        if (part.includes('@')) {
          parseSshDestination(part);
          entries.push({ spec: `ssh://${part}`, from: 'the command line' });
          continue;
        }
        throw new UsageError(`${displayPath(path)} does not exist`, { hint: 'name hosts as ssh://user@host[:port], a facts FILE or an inventory FILE' });
      }
      const text = await readFile(path, 'utf8');
      if (looksLikeJson(text)) entries.push({ spec: path, from: 'the command line' });
      else entries.push(...parseInventoryText(text, path));
    }
  }
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = entry.spec.startsWith('ssh://') ? entry.spec.toLowerCase() : entry.spec;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A short name for a host in reports and file names: user@host[:port] for SSH, the file's path for facts. */
export function hostLabel(spec: string): string {
  return spec.startsWith('ssh://') ? spec.slice('ssh://'.length) : displayPath(spec);
}
