import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The pipeline in the imports (DESIGN.md "The pipeline", issue 16): a stage
 * imports only itself and the stages before it, and nothing outside src/cli
 * imports src/cli. The order, earliest first; a folder not listed here fails
 * the test until it is placed.
 */
const STAGES = [
  'core', // errors, progress, locks, hashing, shared vocabulary
  'profile', // schema, YAML positions, devenv.yaml read and checked on its own
  'targets', // where commands run (docker, vagrant, ssh)
  'lock', // devenv.lock and the own archive: what an environment holds, read through a target
  'box', // base systems
  'backends', // environments' lifecycle; they hand out targets
  'manifest', // plan and apply
  'provisioners', // production's own code (Puppet, Ansible) and devenv's manifests as stages
  'facts', // the collector and importers
  'parity', // pure over facts
  'inventory', // which versions run where, pure over many hosts' facts
  'checks', // pure over facts (staging-parity reads parity)
  'init', // profiles from production's facts
  'environment', // orchestration between the CLI and the stages; loads everything a profile names
  'cli', // commands and renderers
] as const;

/**
 * What still points back up the pipeline, each with why it is not fixed yet (empty since
 * the loader moved to src/environment, issue 16).
 * An entry that no longer occurs fails the test too, so the list only shrinks.
 */
const ALLOWED: Record<string, string> = {};

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of one file (static, re-exports, dynamic), as src-relative .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/g), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map(
    (m) => m[1]!,
  );
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, normalize(join(dirname(file), s))).replace(/\.js$/, '.ts'));
}

const stageOf = (path: string): string => path.split('/')[0]!;

function violations(): { edges: string[]; unknown: string[] } {
  const edges: string[] = [];
  const unknown = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file);
    const fromStage = stageOf(from);
    const fromRank = STAGES.indexOf(fromStage as (typeof STAGES)[number]);
    if (fromRank < 0) unknown.add(fromStage);
    for (const to of importsOf(file)) {
      const toStage = stageOf(to);
      const toRank = STAGES.indexOf(toStage as (typeof STAGES)[number]);
      if (toRank < 0) unknown.add(toStage);
      const intoCli = toStage === 'cli' && fromStage !== 'cli';
      if (intoCli || (toStage !== fromStage && toRank > fromRank)) edges.push(`${from} -> ${to}`);
    }
  }
  return { edges: edges.sort(), unknown: [...unknown].sort() };
}

describe('imports follow the pipeline', () => {
  const found = violations();

  it('every folder of src/ is a known stage', () => {
    expect(found.unknown).toEqual([]);
  });

  it('no stage imports the CLI or a later stage, beyond the commented allow-list', () => {
    expect(found.edges.filter((edge) => !(edge in ALLOWED))).toEqual([]);
  });

  it('the allow-list holds only what still occurs', () => {
    expect(Object.keys(ALLOWED).filter((edge) => !found.edges.includes(edge))).toEqual([]);
  });

  it('no command imports another, beyond the commented allow-list', () => {
    // No command imports another: what two commands share lives in src/environment/ (issue 16).
    const allowed: string[] = [];
    const commands = sourceFiles(join(SRC, 'cli/commands')).flatMap((file) =>
      importsOf(file)
        .filter((to) => to.startsWith('cli/commands/'))
        .map((to) => `${relative(SRC, file)} -> ${to}`),
    );
    expect(commands.filter((edge) => !allowed.includes(edge))).toEqual([]);
  });

  it('sees imports: the CLI imports the stages (so a broken reader cannot pass)', () => {
    const all = sourceFiles(SRC).flatMap((file) => importsOf(file).map((to) => `${relative(SRC, file)} -> ${to}`));
    expect(all).toContain('cli/commands/parity.ts -> parity/compare.ts');
    expect(all.length).toBeGreaterThan(300);
  });
});
