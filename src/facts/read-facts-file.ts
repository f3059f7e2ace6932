import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import { displayPath } from '../profile/yaml-source.js';
import { importAnsible, looksLikeAnsible, stripAdHocPrefix } from './import-ansible.js';
import { importFacter, looksLikeFacter } from './import-facter.js';
import { FACTS_SCHEMA_ID, FactsSchema, type Facts } from './schema.js';

export type FactsFileFormat = 'devenv' | 'facter' | 'ansible';

/**
 * Reads facts text in any of the formats devenv understands: its own
 * devenv.facts/v1, `facter --json`, or Ansible setup output. Anything else, or
 * a file that does not parse, is a usage error (exit 2) in one line.
 */
export function parseFactsText(text: string, name: string): { format: FactsFileFormat; facts: Facts } {
  let json: unknown;
  try {
    json = JSON.parse(stripAdHocPrefix(text.replace(/^\uFEFF/, '')));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'invalid';
    throw new UsageError(`${name} is not valid JSON (${reason})`, { hint: 'give a devenv facts file, `facter --json` output or `ansible -m setup` output' });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UsageError(`${name} is not a facts document (expected a JSON object)`);
  }
  const record = json as Record<string, unknown>;
  if (record.schema !== undefined) {
    if (record.schema !== FACTS_SCHEMA_ID) throw new UsageError(`${name} has schema ${JSON.stringify(record.schema)}; this devenv reads ${FACTS_SCHEMA_ID}`);
    const parsed = FactsSchema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${name} is not valid ${FACTS_SCHEMA_ID}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    return { format: 'devenv', facts: parsed.data };
  }
  if (looksLikeAnsible(record)) return { format: 'ansible', facts: importAnsible(record, { name }) };
  if (looksLikeFacter(record)) return { format: 'facter', facts: importFacter(record, { name }) };
  throw new UsageError(`${name} is neither devenv facts, Facter (\`facter --json\`) nor Ansible setup output`);
}

export async function readFactsFile(path: string): Promise<{ format: FactsFileFormat; facts: Facts }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${displayPath(path)} ${code === 'ENOENT' ? 'does not exist' : 'cannot be read'}`, { cause: error });
  }
  return parseFactsText(text, displayPath(path));
}
