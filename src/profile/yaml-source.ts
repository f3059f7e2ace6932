// One file over 300 lines on purpose: YAML with positions and the one way errors point at file:line:column
// (locating a path, and turning zod's issues into one sentence there), which every loader shares.
import { readFile } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
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
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : 'cannot be read';
    if (referencedFrom) {
      throw configErrorAt(referencedFrom.source, referencedFrom.at, `${displayPath(path)} ${reason}`, { cause: error });
    }
    throw new ConfigError({ file: displayPath(path), line: 1, column: 1 }, '', `the file ${reason}`, { cause: error });
  }
  return parseYamlSource(text, path);
}

/** Aliases may repeat a node at most this many times: a "billion laughs" file stays small in memory. */
const MAX_ALIAS_COUNT = 50;

export function parseYamlSource(text: string, path: string): YamlSource {
  const file = displayPath(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const source: YamlSource = { file, path, doc, lineCounter, text };
  const first = doc.errors[0];
  if (first) {
    const offset = first.pos[0];
    const { line, col } = lineCounter.linePos(offset);
    if (first.code === 'DUPLICATE_KEY') {
      // The document is still built: name the key and where it sits.
      const located = pathOfKeyAt(doc, offset);
      const key = located ? located[located.length - 1] : undefined;
      const named = key === undefined ? 'duplicate key' : `duplicate key ${JSON.stringify(String(key))}`;
      throw new ConfigError({ file, line, column: col }, located ? formatFieldPath(located) : '', `${named} (each key may appear once in a mapping)`);
    }
    if (first.code === 'MISSING_CHAR' && /quote/.test(first.message)) {
      // The library reports where it gave up; the opening quote is what to fix.
      const start = openingQuoteBefore(doc, offset);
      if (start !== undefined) {
        const opened = lineCounter.linePos(start);
        throw new ConfigError({ file, line: opened.line, column: opened.col }, '', 'invalid YAML: the quoted string starting here is never closed');
      }
    }
    if (first.code === 'BLOCK_AS_IMPLICIT_KEY') {
      // `box: debian-12` then `  backend: docker`: the library blames the value above;
      // the line to fix is the one indented too deep.
      const deeper = nextContentLine(text, line);
      if (deeper) {
        throw new ConfigError(
          { file, line: deeper.line, column: deeper.column },
          '',
          'invalid YAML: this line is indented more than the key above it, which already has a value (check the indentation)',
        );
      }
    }
    throw new ConfigError({ file, line, column: col }, '', oneLine(yamlErrorSentence(first.code, first.message)));
  }
  const unknownTag = doc.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag) {
    const { line, col } = lineCounter.linePos(unknownTag.pos[0]);
    throw new ConfigError(
      { file, line, column: col },
      '',
      oneLine(`invalid YAML: ${lowerFirst(unknownTag.message)} (devenv knows only the standard YAML tags)`),
    );
  }
  checkAliases(source);
  return source;
}

/** The first line after `line` (1-based) with something other than blanks or a comment, and its first column. */
function nextContentLine(text: string, line: number): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  for (let index = line; index < lines.length; index++) {
    const content = lines[index]!;
    const column = content.search(/\S/);
    if (column >= 0 && content[column] !== '#') return { line: index + 1, column: column + 1 };
  }
  return undefined;
}

function openingQuoteBefore(doc: Document.Parsed, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      const range = node.range;
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && range && range[0] <= offset && offset <= range[2]) {
        start = range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return start;
}

/** Unresolvable or excessive aliases make toJS() throw; turn that into a positioned error once, here. */
function checkAliases(source: YamlSource): void {
  const unresolved: Alias[] = [];
  visit(source.doc, {
    Alias(_, node) {
      if (node.resolve(source.doc)) return undefined;
      unresolved.push(node);
      return visit.BREAK;
    },
  });
  const alias = unresolved[0];
  if (alias) {
    const { line, col } = source.lineCounter.linePos(alias.range?.[0] ?? 0);
    throw new ConfigError(
      { file: source.file, line, column: col },
      '',
      oneLine(`invalid YAML: the alias *${alias.source} refers to no anchor defined before it`),
    );
  }
  try {
    source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const { line, col } = source.lineCounter.linePos((source.doc.contents as Node | null)?.range?.[0] ?? 0);
    throw new ConfigError({ file: source.file, line, column: col }, '', `invalid YAML: ${oneLine(lowerFirst(errorText(error)))}`, { cause: error });
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/[.:]\s*$/, '');
}

function yamlErrorSentence(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document (remove the "---" separator and what follows, or merge them)';
  if (code === 'TAB_AS_INDENT') return 'invalid YAML: tabs are not allowed as indentation (indent with spaces)';
  const firstLine = message.split('\n')[0] ?? message;
  // The yaml library appends " at line N, column M" to some messages; we print our own position.
  const text = lowerFirst(firstLine.replace(/ at line \d+, column \d+:?$/, '').replace(/[.:]$/, ''));
  const indentation = ['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'MISSING_CHAR', 'UNEXPECTED_TOKEN'].includes(code);
  return `invalid YAML: ${text}${indentation && !/quote/.test(text) ? ' (check the indentation and the ":" after each key)' : ''}`;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/**
 * Keeps an error message on one line whatever the file contains: control
 * characters (newlines, escapes) in quoted values are shown escaped.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** The field path of the mapping key starting at `offset`, if the document has one there. */
function pathOfKeyAt(doc: Document.Parsed, offset: number): (string | number)[] | undefined {
  const walk = (node: unknown, path: (string | number)[]): (string | number)[] | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const segment = isScalar(key) ? String(key.value) : '?';
        if (key?.range?.[0] === offset) return [...path, segment];
        const found = walk(pair.value, [...path, segment]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = walk(item, [...path, index]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

interface Located {
  /** True when every segment of the path exists in the document. */
  found: boolean;
  /** Offset of the deepest node reached (the value, or the key when asked for). */
  offset: number;
}

function locate(source: YamlSource, path: FieldPath, which: 'value' | 'key'): Located {
  const doc = source.doc;
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  let node: unknown = deref(doc.contents);
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return { found: false, offset };
      const keyNode = pair.key as Node;
      if (isLast && which === 'key') return { found: true, offset: keyNode.range?.[0] ?? offset };
      const valueNode = pair.value as Node | null;
      // A key with an empty value (nothing written after the colon): point at the key.
      const empty = !valueNode?.range || valueNode.range[0] === valueNode.range[1];
      offset = (empty ? keyNode.range?.[0] : valueNode.range?.[0]) ?? offset;
      node = deref(valueNode);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return { found: false, offset };
      offset = item.range?.[0] ?? offset;
      node = deref(item);
    } else {
      return { found: false, offset };
    }
  }
  return { found: true, offset };
}

/** Position of the node at `path`, or of its key for key errors; falls back to the nearest existing parent. */
export function positionOf(source: YamlSource, path: FieldPath, which: 'value' | 'key' = 'value'): SourcePosition {
  const { line, col } = source.lineCounter.linePos(locate(source, path, which).offset);
  return { file: source.file, line, column: col };
}

/** True when the document spells out every segment of `path` (a key written with an empty value counts). */
export function hasPath(source: YamlSource, path: FieldPath): boolean {
  return locate(source, path, 'key').found;
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
  return new ConfigError(positionOf(source, path, options?.which ?? 'value'), formatFieldPath(path), oneLine(detail), options);
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
  const whole: unknown = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  let data: unknown = whole;
  for (const segment of pathPrefix) data = (data as Record<string | number, unknown> | undefined)?.[segment];
  const result = schema.safeParse(data ?? {}, { error: sentenceForIssue });
  if (result.success) return result.data;
  throw issueToError(source, result.error.issues, pathPrefix);
}

export function issueToError(source: YamlSource, issues: readonly z.core.$ZodIssue[], pathPrefix: FieldPath = []): ConfigError {
  const issue = pickIssue(issues);
  const path = [...pathPrefix, ...(issue.path as (string | number)[])];
  const message = issue.message.replace(/\.$/, '');
  if (issue.code === 'unrecognized_keys') {
    return configErrorAt(source, [...path, issue.keys[0] ?? ''], message, { which: 'key' });
  }
  if (issue.code === 'invalid_key') {
    // A record key (a var name, a check id) is wrong: point at the key, say why.
    const key = path[path.length - 1];
    const inner = issue.issues[0]?.message.replace(/\.$/, '');
    const detail = `the key ${JSON.stringify(String(key))} is not allowed${inner ? ` (${lowerFirst(inner)})` : ''}`;
    return configErrorAt(source, path, detail, { which: 'key' });
  }
  // zod does not keep the input in final issues, so "missing" is decided by the document itself.
  if (path.length > 0 && !hasPath(source, path) && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    const last = path[path.length - 1];
    // The position is the mapping that lacks the key.
    return new ConfigError(positionOf(source, path.slice(0, -1)), formatFieldPath(path), `the required key ${JSON.stringify(String(last))} is missing`);
  }
  return configErrorAt(source, path, message);
}

/** The error map used for every parse: short sentences, and did-you-mean for unknown keys and values. */
export function sentenceForIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const known = knownKeys(issue.inst);
      const suggestion = closest(key, known);
      if (suggestion) return `unknown key ${JSON.stringify(key)} (did you mean "${suggestion}"?)`;
      return known.length ? `unknown key ${JSON.stringify(key)} (expected one of: ${known.join(', ')})` : `unknown key ${JSON.stringify(key)}`;
    }
    case 'invalid_type':
      if (issue.input === undefined) return 'this key is required';
      return `expected ${typeName(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const options = issue.values.map((value) => String(value));
      const suggestion = typeof issue.input === 'string' ? closest(issue.input, options) : undefined;
      const got = typeof issue.input === 'string' ? `unknown value ${JSON.stringify(issue.input)}` : `${describeValue(issue.input)} is not allowed`;
      if (suggestion) return `${got} (did you mean "${suggestion}"?)`;
      return `${got} (expected one of: ${options.join(', ')})`;
    }
    case 'invalid_union': {
      // Every branch refused the type itself: say which types are accepted.
      const expected = issue.errors.map((branch) =>
        branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path?.length === 0 ? branch[0].expected : undefined,
      );
      if (expected.every((type): type is string => type !== undefined)) {
        return `expected ${[...new Set(expected)].map(typeName).join(' or ')}, got ${describeValue(issue.input)}`;
      }
      return undefined;
    }
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        if (issue.code === 'too_small')
          return inclusive ? `must be at least ${bound}, got ${String(issue.input)}` : `must be more than ${bound}, got ${String(issue.input)}`;
        return inclusive ? `must be at most ${bound}, got ${String(issue.input)}` : `must be less than ${bound}, got ${String(issue.input)}`;
      }
      if (issue.origin === 'string') {
        if (issue.code === 'too_small') return bound <= 1 ? 'cannot be empty' : `must be at least ${bound} characters long`;
        return `must be at most ${bound} characters long`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        if (issue.code === 'too_small') return bound <= 1 ? 'needs at least one item' : `needs at least ${bound} items`;
        return `takes at most ${bound} items`;
      }
      return undefined;
    }
    case 'invalid_format':
      if (issue.format === 'regex' && typeof issue.input === 'string')
        return `${describeValue(issue.input)} does not have the expected form (${issue.pattern ?? 'a pattern'})`;
      return undefined;
    default:
      return undefined;
  }
}

/** The keys a strict object accepts, or the keys an enum-keyed record accepts. */
function knownKeys(inst: unknown): string[] {
  const def = (
    inst as { _zod?: { def?: { shape?: Record<string, unknown>; keyType?: { _zod?: { def?: { entries?: Record<string, unknown> } } } } } } | undefined
  )?._zod?.def;
  if (def?.shape) return Object.keys(def.shape);
  const entries = def?.keyType?._zod?.def?.entries;
  return entries ? Object.values(entries).map((value) => String(value)) : [];
}

function typeName(type: string): string {
  if (type === 'object' || type === 'record' || type === 'map') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** How a value read from YAML is named in a message: its kind, and short values themselves. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (value === undefined) return 'nothing';
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
    const branches = first.errors.filter((branch) => branch.length > 0).map((branch) => pickIssue(branch));
    // When every branch refused the value's type, the union's own sentence says it best.
    if (branches.every((branch) => branch.code === 'invalid_type' && branch.path.length === 0)) return first;
    branches.sort((a, b) => b.path.length - a.path.length);
    const deepest = branches[0]!;
    return { ...deepest, path: [...first.path, ...deepest.path] } as z.core.$ZodIssue;
  }
  return first;
}
