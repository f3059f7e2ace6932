import { z } from 'zod';
import { normalizeArch } from '../normalize.js';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, str, unquote } from './parse-helpers.js';

/** The platform fact area: its collector fragment, parser and schema. */

export const PlatformFacts = z.object({
  os: z.object({ id: str, version_id: str, codename: str.optional(), pretty_name: str.optional() }),
  kernel: str,
  arch: str,
  hostname: str,
  machine_id: str.optional(),
  /** container | vm | physical | unknown, and the technology (docker, kvm, …) from systemd-detect-virt. */
  virtualization: z.object({ kind: z.enum(['container', 'vm', 'physical', 'unknown']), tech: str }),
  pid1: str,
});

const script = sh`
# Builtins where a file is one line (read) and one uname for three answers: a
# process costs more than what it reads.
section_platform() {
  if [ -r /etc/os-release ]; then os=/etc/os-release
  elif [ -r /usr/lib/os-release ]; then os=/usr/lib/os-release
  else fail "no /etc/os-release"; return 1; fi
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ID=*|VERSION_ID=*|VERSION_CODENAME=*|PRETTY_NAME=*) printf '%s\n' "$line" ;; esac
  done < "$os"
  if [ -r /etc/debian_version ]; then IFS= read -r line < /etc/debian_version; echo "debian_version=$line"; fi
  # uname prints nodename, release, machine in that order whatever the order asked.
  set -- $(uname -n -r -m)
  echo "kernel=$2"
  echo "machine=$3"
  have dpkg && { dpkg_arch; echo "dpkg_arch=$DPKG_ARCH"; }
  echo "hostname=$1"
  if [ -r /etc/machine-id ]; then IFS= read -r line < /etc/machine-id; echo "machine_id=$line"; fi
  if have systemd-detect-virt; then
    c=$(systemd-detect-virt -c 2>/dev/null)
    echo "virt_container=$c"
    # A container's answer wins over a VM's: ask for the VM only when it is no container.
    [ -n "$c" ] && [ "$c" != none ] || echo "virt_vm=$(systemd-detect-virt -v 2>/dev/null)"
  fi
  [ -e /.dockerenv ] && echo "dockerenv=1"
  [ -e /run/.containerenv ] && echo "containerenv=1"
  line=; [ -r /proc/1/comm ] && IFS= read -r line < /proc/1/comm
  echo "pid1=$line"
  return 0
}
`;

const parsePlatform: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const id = kv.get('ID');
  if (!id) throw new Error('no ID in os-release');
  const containerTech = kv.get('virt_container') ?? '';
  const vmTech = kv.get('virt_vm') ?? '';
  let virtualization: { kind: 'container' | 'vm' | 'physical' | 'unknown'; tech: string };
  if (containerTech && containerTech !== 'none') virtualization = { kind: 'container', tech: containerTech };
  else if (kv.has('dockerenv')) virtualization = { kind: 'container', tech: 'docker' };
  else if (kv.has('containerenv')) virtualization = { kind: 'container', tech: 'podman' };
  else if (vmTech && vmTech !== 'none') virtualization = { kind: 'vm', tech: vmTech };
  else if (vmTech === 'none') virtualization = { kind: 'physical', tech: 'none' };
  else virtualization = { kind: 'unknown', tech: '' };
  const codename = kv.get('VERSION_CODENAME');
  const pretty = kv.get('PRETTY_NAME');
  const machineId = kv.get('machine_id');
  return {
    platform: {
      os: {
        id: unquote(id),
        version_id: unquote(kv.get('VERSION_ID') ?? ''),
        ...(codename ? { codename: unquote(codename) } : {}),
        ...(pretty ? { pretty_name: unquote(pretty) } : {}),
      },
      kernel: kv.get('kernel') ?? '',
      arch: kv.get('dpkg_arch') || normalizeArch(kv.get('machine') ?? ''),
      hostname: kv.get('hostname') ?? '',
      ...(machineId ? { machine_id: machineId } : {}),
      virtualization,
      pid1: kv.get('pid1') ?? '',
    },
  };
};

export const platformArea: FactArea = { section: 'platform', key: 'platform', script, parse: parsePlatform };
