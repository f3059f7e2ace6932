/**
 * The closure of exact pins. A package built from one source pins its siblings to
 * its own version (nginx 1.22.1-9+deb12u9 needs nginx-common ">= 1.22.1-9+deb12u9,
 * << 1.22.1-9+deb12u9.1~"); when the mirror's candidate for the sibling is newer
 * (a security update), apt alone gives up with "held broken packages". Here the
 * versioned dependencies of the pinned packages are read from `apt-cache show`,
 * and each sibling that neither its installed version nor its candidate satisfies
 * joins the transaction at the highest available version that does — recursively.
 * When none does, one sentence names the package, what it needs and what exists.
 * Pure: the queries are made by the apt transaction (apply.ts).
 */
import type { PackageAvailability } from './observed-state.js';

// ---------------------------------------------------------------- Debian versions

/** dpkg's ordering of one non-digit part: "~" before everything, even the end; letters before other characters. */
function order(char: string | undefined): number {
  if (char === undefined) return 0;
  if (char === '~') return -1;
  if (/[A-Za-z]/.test(char)) return char.charCodeAt(0);
  return char.charCodeAt(0) + 256;
}

function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit prefix, character by character.
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ca = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const cb = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const diff = order(ca) - order(cb);
      if (diff !== 0) return diff;
      if (ca !== undefined) i++;
      if (cb !== undefined) j++;
    }
    // Then a number, compared as a number.
    let na = '';
    let nb = '';
    while (i < a.length && /\d/.test(a[i]!)) na += a[i++];
    while (j < b.length && /\d/.test(b[j]!)) nb += b[j++];
    const diff = Number(na || '0') - Number(nb || '0');
    if (diff !== 0) return diff;
  }
  return 0;
}

function split(version: string): [number, string, string] {
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? Number(version.slice(0, colon)) : 0;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** dpkg --compare-versions, as a sort comparator. */
export function compareDebianVersions(a: string, b: string): number {
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  if (ea !== eb) return ea - eb;
  return compareFragment(ua, ub) || compareFragment(ra, rb);
}

// ---------------------------------------------------------------- relations

export type RelationOp = '<<' | '<=' | '=' | '>=' | '>>';
export interface Relation {
  name: string;
  op?: RelationOp;
  version?: string;
}

/** "a (>= 1), b | c, d:any (= 2)" → groups of alternatives. */
export function parseRelations(field: string): Relation[][] {
  return field
    .split(',')
    .map((group) => group.trim())
    .filter(Boolean)
    .map((group) =>
      group.split('|').map((alternative) => {
        const match = /^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/.exec(alternative);
        if (!match) return { name: alternative.trim() };
        // "<" and ">" are obsolete spellings of "<=" and ">=".
        const op = match[2] === '<' ? '<=' : match[2] === '>' ? '>=' : (match[2] as RelationOp | undefined);
        return { name: match[1]!, ...(op ? { op, version: match[3]! } : {}) };
      }),
    );
}

export function satisfies(version: string, relation: Relation): boolean {
  if (!relation.op || relation.version === undefined) return true;
  const c = compareDebianVersions(version, relation.version);
  switch (relation.op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}

/** The stanzas of `apt-cache show NAME=VERSION …`: what a given version depends on. */
export interface PackageRecord {
  name: string;
  version: string;
  depends: Relation[][];
}

export function parsePackageRecords(text: string): PackageRecord[] {
  const records: PackageRecord[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      const field = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
      if (field) {
        last = field[1]!;
        fields.set(last, field[2]!);
      } else if (last && /^\s/.test(line)) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
      }
    }
    const name = fields.get('Package');
    const version = fields.get('Version');
    if (!name || !version) continue;
    const depends = [fields.get('Pre-Depends'), fields.get('Depends')].filter((f): f is string => Boolean(f)).flatMap(parseRelations);
    records.push({ name, version, depends });
  }
  return records;
}

// ---------------------------------------------------------------- the decision

export interface ClosureInput {
  /** What the transaction installs at an exact version: name → version. */
  pinned: ReadonlyMap<string, string>;
  /** Records of the pinned versions (and of versions added in earlier rounds). */
  records: readonly PackageRecord[];
  /** Candidate and versions of the packages the pinned ones constrain. */
  availability: Readonly<Record<string, PackageAvailability>>;
  /** Installed versions in the target. */
  installed: Readonly<Record<string, string>>;
}

export interface ClosureStep {
  /** Packages to add to the transaction at this exact version. */
  add: Map<string, string>;
  /** Packages whose availability is needed before this step can decide. */
  unknown: string[];
  /** One sentence per dependency no available version satisfies. */
  problems: string[];
}

function describeNeed(relations: readonly Relation[]): string {
  return relations.map((r) => `${r.op} ${r.version}`).join(', ');
}

/**
 * One round: the versioned single-alternative dependencies of every pinned record,
 * gathered per package; what must join the transaction, what must be looked up first.
 */
export function closureStep(input: ClosureInput): ClosureStep {
  const needs = new Map<string, { by: string; relations: Relation[] }>();
  for (const record of input.records) {
    if (input.pinned.get(record.name) !== record.version) continue;
    for (const group of record.depends) {
      const only = group.length === 1 ? group[0]! : undefined;
      if (!only?.op) continue;
      const need = needs.get(only.name) ?? { by: `${record.name} ${record.version}`, relations: [] };
      need.relations.push(only);
      needs.set(only.name, need);
    }
  }
  const step: ClosureStep = { add: new Map(), unknown: [], problems: [] };
  for (const [name, need] of needs) {
    const ok = (version: string | undefined): boolean => version !== undefined && need.relations.every((r) => satisfies(version, r));
    const pinned = input.pinned.get(name);
    if (pinned !== undefined) {
      if (!ok(pinned)) step.problems.push(`${need.by} needs ${name} (${describeNeed(need.relations)}), but the manifests pin ${name} to ${pinned}`);
      continue;
    }
    if (ok(input.installed[name])) continue;
    const available = input.availability[name];
    if (!available) {
      step.unknown.push(name);
      continue;
    }
    if (ok(available.candidate)) continue;
    const fitting = available.versions
      .filter((v) => ok(v))
      .sort(compareDebianVersions)
      .pop();
    if (fitting) step.add.set(name, fitting);
    else {
      const versions = available.versions.length ? [...available.versions].sort(compareDebianVersions).reverse().join(', ') : 'none';
      step.problems.push(`${need.by} needs ${name} (${describeNeed(need.relations)}), which no configured repository offers (available: ${versions})`);
    }
  }
  return step;
}
