import { readFile } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type SourcePosition } from '../core/errors.js';

/**
 * A YAML file parsed with its source positions kept, so every later error can
 * point at file:line:column. Duplicate keys are rejected by the parser.
 */
export interface YamlSource {
  /** The path as shown to the user (relative to the working directory when inside it). */
  file: string;
  /** The absolute path on disk. */
  path: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  text: string;
}

export type FieldPath = readonly (string | number)[];

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export async function readYamlSource(path: string, referencedFrom?: { source: YamlSource; at: FieldPath }): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    if (referencedFrom) {
      throw configErrorAt(referencedFrom.source, referencedFrom.at, `${displayPath(path)} ${reason}`, { cause: error });
    }
    throw new ConfigError({ file: displayPath(path), line: 1, column: 1 }, '', `the file ${reason}`, { cause: error });
  }
  return parseYamlSource(text, path);
}

export function parseYamlSource(text: string, path: string): YamlSource {
  const file = displayPath(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const first = doc.errors[0];
  if (first) {
    const offset = first.pos[0];
    const { line, col } = lineCounter.linePos(offset);
    throw new ConfigError({ file, line, column: col }, '', yamlErrorSentence(first.code, first.message));
  }
  return { file, path, doc, lineCounter, text };
}

function yamlErrorSentence(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key (each key may appear once in a mapping)';
  const firstLine = message.split('\n')[0] ?? message;
  // The yaml library appends " at line N, column M" to some messages; we print our own position.
  return `invalid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`.replace(/[.:]$/, '');
}

/** Position of the node at `path`, or of its key for key errors; falls back to the nearest existing parent. */
export function positionOf(source: YamlSource, path: FieldPath, which: 'value' | 'key' = 'value'): SourcePosition {
  let node: unknown = source.doc.contents;
  let best: Node | null = (source.doc.contents as Node | null) ?? null;
  let bestOffset = best?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (isLast && which === 'key') {
        bestOffset = keyNode.range?.[0] ?? bestOffset;
        break;
      }
      const valueNode = pair.value as Node | null;
      // A key with an empty value has no value range: point at the key.
      bestOffset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? bestOffset;
      best = valueNode;
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      bestOffset = item.range?.[0] ?? bestOffset;
      best = item;
      node = item;
    } else {
      break;
    }
  }
  const { line, col } = source.lineCounter.linePos(bestOffset);
  return { file: source.file, line, column: col };
}

export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function configErrorAt(
  source: YamlSource,
  path: FieldPath,
  detail: string,
  options?: { cause?: unknown; which?: 'value' | 'key'; hint?: string },
): ConfigError {
  return new ConfigError(positionOf(source, path, options?.which ?? 'value'), formatFieldPath(path), detail, options);
}

/** Levenshtein distance, for did-you-mean on unknown keys. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Validates the document against a zod schema. The first issue becomes a
 * ConfigError with the position of the offending key or value.
 */
export function validateSource<S extends z.ZodType>(source: YamlSource, schema: S, pathPrefix: FieldPath = []): z.output<S> {
  const whole: unknown = source.doc.toJS({ maxAliasCount: 50 });
  let data: unknown = whole;
  for (const segment of pathPrefix) data = (data as Record<string | number, unknown> | undefined)?.[segment];
  const result = schema.safeParse(data ?? {}, { error: sentenceForIssue });
  if (result.success) return result.data;
  throw issueToError(source, result.error.issues, pathPrefix);
}

export function issueToError(source: YamlSource, issues: readonly z.core.$ZodIssue[], pathPrefix: FieldPath = []): ConfigError {
  const issue = pickIssue(issues);
  const path = [...pathPrefix, ...(issue.path as (string | number)[])];
  if (issue.code === 'unrecognized_keys') {
    return configErrorAt(source, [...path, issue.keys[0] ?? ''], issue.message, { which: 'key' });
  }
  if (issue.code === 'invalid_type' && issue.input === undefined && path.length > 0) {
    const last = path[path.length - 1];
    return configErrorAt(source, path.slice(0, -1), `missing required key "${String(last)}"`);
  }
  return configErrorAt(source, path, issue.message.replace(/\.$/, ''));
}

/** The error map used for every parse: short sentences, and did-you-mean for unknown keys. */
export function sentenceForIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
    const known = shape ? Object.keys(shape) : [];
    const suggestion = closest(key, known);
    if (suggestion) return `unknown key "${key}" (did you mean "${suggestion}"?)`;
    return known.length ? `unknown key "${key}" (expected one of: ${known.join(', ')})` : `unknown key "${key}"`;
  }
  if (issue.code === 'invalid_type') {
    return `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
  }
  return undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Prefer unknown keys (a typo also makes a required key "missing"), then the deepest issue inside unions. */
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const unknownKey = issues.find((issue) => issue.code === 'unrecognized_keys');
  const first = unknownKey ?? issues[0]!;
  if (first.code === 'invalid_union' && first.errors.length) {
    const branches = first.errors.map((branch) => pickIssue(branch));
    branches.sort((a, b) => b.path.length - a.path.length);
    const deepest = branches[0]!;
    return { ...deepest, path: [...first.path, ...deepest.path] } as z.core.$ZodIssue;
  }
  return first;
}
