import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boxJsonSchema } from '../../../src/box/definition.js';
import { CHECK_IDS } from '../../../src/core/checklist-ids.js';
import { profileJsonSchema } from '../../../src/profile/schema.js';

/** Serialized exactly as scripts/generate-schema.mjs writes it. */
function render(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function committed(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../schema/${name}`, import.meta.url)), 'utf8');
}

describe('published JSON Schemas', () => {
  it.each([
    ['devenv.schema.json', profileJsonSchema],
    ['box.schema.json', boxJsonSchema],
  ])('schema/%s matches the zod schema', (name, generate) => {
    const expected = render(generate());
    const actual = committed(name);
    if (actual !== expected) {
      expect.fail(`schema/${name} is out of date with the zod schema: run \`npm run schema\` and commit the result`);
    }
  });

  it('describes the profile for editors', () => {
    const schema = profileJsonSchema() as {
      $id: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string; properties?: Record<string, { propertyNames?: { enum?: string[] } }> }>;
    };
    expect(schema.$id).toBe('https://devenv.dev/schema/devenv.schema.json');
    expect(schema.required).toEqual(['name', 'box']);
    expect(schema.additionalProperties).toBe(false);
    for (const [key, property] of Object.entries(schema.properties)) {
      expect(property.description, `properties.${key} has no description`).toBeTruthy();
    }
    expect(schema.properties.checklist?.properties?.skip?.propertyNames?.enum).toEqual([...CHECK_IDS]);
  });
});
