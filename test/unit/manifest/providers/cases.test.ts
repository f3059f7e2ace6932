import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../../src/core/hash.js';
import { renderDesiredContents } from '../../../../src/manifest/desired-content.js';
import { emptyObservedState, type ObservedState } from '../../../../src/manifest/observed-state.js';
import { plan } from '../../../../src/manifest/plan.js';
import { catalogFromText } from '../manifest-text.js';

/**
 * Each provider's planner as data, in the manner of pyinfra's operation tests: one
 * `<type>.cases.json` per resource type, rows of {attributes, observed → changes,
 * operation, problem}, run by the one test below. A row is one resource declared as
 * written, planned against the observed state (empty where the row says nothing).
 */
interface Row {
  case: string;
  name: string;
  attributes: Record<string, unknown>;
  observed: Partial<ObservedState>;
  changes: string[];
  operation: unknown;
  problem?: string;
}

const here = new URL('.', import.meta.url);
const tables = readdirSync(here)
  .filter((file) => file.endsWith('.cases.json'))
  .map((file) => JSON.parse(readFileSync(new URL(file, here), 'utf8')) as { type: string; rows: Row[] });

/** Observed files given with their content get the hash observe would have read. */
function observedFrom(partial: Partial<ObservedState>): ObservedState {
  const files = Object.fromEntries(
    Object.entries(partial.files ?? {}).map(([path, file]) => [
      path,
      file.content !== undefined && file.sha256 === undefined ? { ...file, sha256: sha256(file.content), size: Buffer.byteLength(file.content) } : file,
    ]),
  );
  return { ...emptyObservedState(), ...partial, files };
}

describe.each(tables)('$type: attributes and observed state → operations', ({ type, rows }) => {
  it.each(rows)('$case', (row) => {
    const catalog = catalogFromText(`${type}:\n  ${JSON.stringify(row.name)}: ${JSON.stringify(row.attributes)}\n`);
    const contents = renderDesiredContents(catalog, { facts: {}, vars: {} });
    const result = plan({ catalog, contents }, observedFrom(row.observed));
    const [change] = result.changes;
    expect(change?.ref).toBe(`${type}:${row.name}`);
    expect(change?.changes).toEqual(row.changes);
    expect(change?.operation ?? null).toEqual(row.operation);
    expect(result.problems.map((p) => p.message)).toEqual(row.problem === undefined ? [] : [row.problem]);
  });
});

it('has a table for every resource type, each with a handful of rows', async () => {
  const { resourceTypes } = await import('../../../../src/manifest/providers.js');
  expect(tables.map((t) => t.type).sort()).toEqual(resourceTypes().sort());
  for (const table of tables) expect(table.rows.length).toBeGreaterThanOrEqual(3);
});
