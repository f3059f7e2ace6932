import { FACTS_SCHEMA_ID, FactsSchema, type Facts } from './schema.js';
import { virtualizationFrom, type ImportOptions } from './import-facter.js';
import { normalizeArch } from './normalize.js';
import { missingSections } from './sections.js';
import { num, obj, str, type Json } from './json-fields.js';

/**
 * Ansible setup output → devenv.facts/v1: `ansible HOST -m setup` (the
 * "HOST | SUCCESS => {…}" line or its JSON), a `--tree` file, or a bare
 * ansible_facts object (with or without the "ansible_" prefix). When the
 * package_facts module's `packages` are merged in, the package set comes
 * along. `ansible_date_time.tz` is an abbreviation and `ansible_env` is the
 * login session's, not the system's, so time and locale stay missing.
 */

/** The facts object inside whatever wrapper Ansible printed, keys without the "ansible_" prefix. */
export function ansibleFactsOf(json: Json): Json | undefined {
  const inner = obj(json.ansible_facts) ?? (Object.keys(json).some((k) => k.startsWith('ansible_')) ? json : undefined);
  if (!inner) return undefined;
  const facts: Json = {};
  for (const [key, value] of Object.entries(inner)) facts[key.startsWith('ansible_') ? key.slice('ansible_'.length) : key] = value;
  return facts;
}

/** "web1 | SUCCESS => {…}" (ad-hoc output) → the JSON text after the arrow. */
export function stripAdHocPrefix(text: string): string {
  const match = /^[^\n{]*\|\s*(SUCCESS|CHANGED)\s*=>\s*/.exec(text);
  return match ? text.slice(match[0].length) : text;
}

export function looksLikeAnsible(json: Json): boolean {
  return ansibleFactsOf(json) !== undefined;
}

export function importAnsible(input: Json, options: ImportOptions): Facts {
  const f = ansibleFactsOf(input) ?? {};
  const id = (str(f.distribution) ?? '').toLowerCase();
  const virtualization =
    str(f.virtualization_role) === 'host' ? { kind: 'physical' as const, tech: 'none' } : virtualizationFrom(str(f.virtualization_type), undefined);
  const filled: Record<string, unknown> = {};
  if (id) {
    const pretty = str(obj(f.lsb)?.description);
    filled.platform = {
      os: {
        id,
        version_id: str(f.distribution_major_version) ?? (str(f.distribution_version) ?? '').split('.')[0] ?? '',
        ...(str(f.distribution_release) ? { codename: str(f.distribution_release) } : {}),
        ...(pretty ? { pretty_name: pretty } : {}),
      },
      kernel: str(f.kernel) ?? '',
      arch: normalizeArch(str(f.architecture) ?? ''),
      hostname: str(f.hostname) ?? '',
      ...(str(f.machine_id) ? { machine_id: str(f.machine_id) } : {}),
      virtualization,
      pid1: str(f.service_mgr) ?? '',
    };
  }
  const cpus = num(f.processor_vcpus) ?? num(f.processor_nproc);
  const memMb = num(f.memtotal_mb);
  if (cpus !== undefined && memMb !== undefined) filled.resources = { cpus, memory_bytes: memMb * 1024 * 1024 };

  // package_facts: name → [{name, version, arch, source}]; versions include the epoch only via `epoch`.
  const packages = obj(f.packages);
  if (packages) {
    const deb: Record<string, { version: string; arch: string; status: string }> = {};
    for (const [name, list] of Object.entries(packages)) {
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        const p = obj(item);
        if (!p) continue;
        const epoch = p.epoch === null || p.epoch === undefined ? '' : `${String(p.epoch)}:`;
        const version = `${epoch}${str(p.version) ?? ''}${p.release ? `-${String(p.release)}` : ''}`;
        const arch = str(p.arch) ?? '';
        const key = list.length > 1 && arch !== 'all' && deb[name] ? `${name}:${arch}` : name;
        deb[key] = { version, arch, status: 'ii' };
      }
    }
    if (Object.keys(deb).length > 0) filled.packages = { deb };
  }

  const collectedAt = str(obj(f.date_time)?.iso8601);
  return FactsSchema.parse({
    schema: FACTS_SCHEMA_ID,
    collected_at: collectedAt ?? (options.collectedAt ?? new Date()).toISOString(),
    source: 'ansible',
    target: { kind: 'file', name: options.name, container: virtualization.kind === 'container' },
    errors: {},
    missing: missingSections(filled),
    ...filled,
  });
}
