import { FACTS_SCHEMA_ID, FactsSchema, type Facts } from './schema.js';
import { normalizeArch } from './normalize.js';
import { missingSections } from './sections.js';
import { num, obj, str, type Json } from './json-fields.js';

/**
 * `facter --json` (Facter 3/4 structured facts, or the legacy flat names of
 * Facter 2; `puppet facts` wraps them in "values") → devenv.facts/v1. Facter
 * knows the platform and the sizing; everything else is listed in `missing`.
 * Its `timezone` fact is an abbreviation ("CET"), not a zone name, so time is
 * left missing rather than filled with something that cannot be compared.
 */

const CONTAINER_TECH = /^(docker|lxc|lxc-libvirt|podman|openvz|systemd_nspawn|systemd-nspawn|wpar|zone|jail|rkt|crio|containerd)$/;

/** Facter's and Ansible's `virtual` names → our kind. */
export function virtualizationFrom(
  tech: string | undefined,
  isVirtual: boolean | undefined,
): { kind: 'container' | 'vm' | 'physical' | 'unknown'; tech: string } {
  if (!tech) return { kind: isVirtual === false ? 'physical' : 'unknown', tech: '' };
  const t = tech.toLowerCase();
  if (t === 'physical' || t === 'none' || t === 'nonevirtual') return { kind: 'physical', tech: 'none' };
  if (CONTAINER_TECH.test(t)) return { kind: 'container', tech: t.replace(/_/g, '-') };
  return { kind: 'vm', tech: t };
}

export function looksLikeFacter(json: Json): boolean {
  const values = obj(json.values) ?? json;
  return (
    values.facterversion !== undefined ||
    (obj(values.os)?.family !== undefined && values.kernel !== undefined) ||
    (values.operatingsystem !== undefined && values.kernel !== undefined)
  );
}

export interface ImportOptions {
  /** Shown as the facts' target name (the file path). */
  name: string;
  collectedAt?: Date;
}

export function importFacter(input: Json, options: ImportOptions): Facts {
  const f = obj(input.values) ?? input;
  const os = obj(f.os);
  const release = obj(os?.release);
  const distro = obj(os?.distro);
  const id = (str(distro?.id) ?? str(os?.name) ?? str(f.operatingsystem) ?? str(f.lsbdistid) ?? '').toLowerCase();
  const versionId =
    str(release?.major) ??
    str(f.operatingsystemmajrelease) ??
    str(f.lsbmajdistrelease) ??
    (str(release?.full) ?? str(f.operatingsystemrelease) ?? '').split('.')[0] ??
    '';
  const codename = str(distro?.codename) ?? str(f.lsbdistcodename);
  const pretty = str(distro?.description) ?? str(f.lsbdistdescription);
  const arch = normalizeArch(str(os?.architecture) ?? str(f.architecture) ?? str(os?.hardware) ?? str(f.hardwaremodel) ?? '');
  const networking = obj(f.networking);
  const hostname = str(networking?.hostname) ?? str(f.hostname) ?? '';
  const virtualization = virtualizationFrom(
    str(f.virtual),
    typeof f.is_virtual === 'boolean' ? f.is_virtual : f.is_virtual === 'true' ? true : f.is_virtual === 'false' ? false : undefined,
  );

  const filled: Record<string, unknown> = {};
  if (id) {
    filled.platform = {
      os: { id, version_id: versionId, ...(codename ? { codename } : {}), ...(pretty ? { pretty_name: pretty } : {}) },
      kernel: str(f.kernelrelease) ?? '',
      arch,
      hostname,
      virtualization,
      // Facter does not report PID 1; an empty value is not compared.
      pid1: '',
    };
  }
  const processors = obj(f.processors);
  const cpus = num(processors?.count) ?? num(f.processorcount);
  const memory = obj(obj(f.memory)?.system);
  const memoryBytes = num(memory?.total_bytes) ?? (num(f.memorysize_mb) !== undefined ? Math.round(num(f.memorysize_mb)! * 1024 * 1024) : undefined);
  if (cpus !== undefined && memoryBytes !== undefined) filled.resources = { cpus, memory_bytes: memoryBytes };

  return FactsSchema.parse({
    schema: FACTS_SCHEMA_ID,
    collected_at: (options.collectedAt ?? new Date()).toISOString(),
    source: 'facter',
    target: { kind: 'file', name: options.name, container: virtualization.kind === 'container' },
    errors: {},
    missing: missingSections(filled),
    ...filled,
  });
}
