/**
 * The few facts templates use (`facts.processors.count`, memory, os,
 * hostname), read by observe() in its batch. The full collector lives in
 * src/facts/; this stays small so provisioning does not depend on it.
 */
export interface TemplateFacts {
  processors: { count: number };
  memory: { total_bytes: number; total_mib: number };
  os: { id: string; version_id: string; codename: string; pretty_name: string };
  hostname: string;
}

export const TEMPLATE_FACTS_SCRIPT = 'nproc; grep MemTotal /proc/meminfo; echo @@os; cat /etc/os-release; echo @@host; hostname';

export function parseTemplateFacts(stdout: string): TemplateFacts {
  const [head = '', osRelease = '', host = ''] = stdout.split(/^@@(?:os|host)$/m);
  const [nproc = '1', memLine = ''] = head.trim().split('\n');
  const kib = Number(/MemTotal:\s+(\d+)/.exec(memLine)?.[1] ?? 0);
  const os: Record<string, string> = {};
  for (const line of osRelease.split('\n')) {
    const match = /^([A-Z_]+)=(?:"(.*)"|(.*))$/.exec(line.trim());
    if (match) os[match[1]!] = match[2] ?? match[3] ?? '';
  }
  return {
    processors: { count: Math.max(1, Number.parseInt(nproc, 10) || 1) },
    memory: { total_bytes: kib * 1024, total_mib: Math.floor(kib / 1024) },
    os: { id: os.ID ?? '', version_id: os.VERSION_ID ?? '', codename: os.VERSION_CODENAME ?? '', pretty_name: os.PRETTY_NAME ?? '' },
    hostname: host.trim(),
  };
}
