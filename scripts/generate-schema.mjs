// Writes the published JSON Schemas from the zod schemas (the single source of
// truth), using the built code: `npm run schema` builds first.
// test/unit/profile/json-schema.test.ts fails when the committed files differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileJsonSchema } from '../dist/profile/schema.js';
import { boxJsonSchema } from '../dist/box/definition.js';

const outputs = {
  'devenv.schema.json': profileJsonSchema(),
  'box.schema.json': boxJsonSchema(),
};

for (const [name, schema] of Object.entries(outputs)) {
  const path = fileURLToPath(new URL(`../schema/${name}`, import.meta.url));
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.error(`wrote schema/${name}`);
}
