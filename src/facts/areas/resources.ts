import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, num } from './parse-helpers.js';

/** The resources fact area: its collector fragment, parser and schema. */

export const ResourceFacts = z.object({ cpus: num, memory_bytes: num });

const script = sh`
section_resources() {
  echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
  # Builtins read the two files (a process costs more than the reading).
  while IFS= read -r line; do case "$line" in MemTotal:*) printf '%s\n' "$line" ;; esac; done < /proc/meminfo
  if [ -r /sys/fs/cgroup/memory.max ]; then IFS= read -r line < /sys/fs/cgroup/memory.max; echo "cgroup_memory_max=$line"; fi
  return 0
}
`;

const parseResources: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const cpus = Number(kv.get('cpus'));
  const memLine = lines.find((l) => l.startsWith('MemTotal:'));
  const kib = memLine ? Number(/(\d+)/.exec(memLine)?.[1]) : NaN;
  if (!Number.isFinite(cpus) || !Number.isFinite(kib)) throw new Error('could not read cpus or MemTotal');
  let memory = kib * 1024;
  const limit = Number(kv.get('cgroup_memory_max'));
  if (Number.isFinite(limit) && limit > 0 && limit < memory) memory = limit;
  return { resources: { cpus, memory_bytes: memory } };
};

export const resourcesArea: FactArea = { section: 'resources', key: 'resources', script, parse: parseResources };
