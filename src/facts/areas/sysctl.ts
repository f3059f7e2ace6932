import { sh, type FactArea, type SectionParser } from './area.js';
import { sortRecord } from './parse-helpers.js';

/** The sysctl fact area: its collector fragment, parser and schema. */

const script = sh`
section_sysctl() {
  [ -d /proc/sys ] || { fail "no /proc/sys"; return 1; }
  sysctl -e net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding \
    net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter \
    net.ipv4.conf.all.accept_redirects net.ipv4.conf.default.accept_redirects \
    net.ipv4.conf.all.secure_redirects net.ipv4.conf.default.secure_redirects \
    net.ipv4.conf.all.send_redirects net.ipv4.conf.default.send_redirects \
    net.ipv4.conf.all.accept_source_route net.ipv4.conf.default.accept_source_route \
    net.ipv4.conf.all.log_martians net.ipv4.conf.default.log_martians \
    net.ipv4.icmp_echo_ignore_broadcasts net.ipv4.icmp_ignore_bogus_error_responses \
    net.ipv4.tcp_syncookies net.ipv4.tcp_timestamps net.ipv4.ip_local_port_range net.core.somaxconn \
    net.ipv6.conf.all.accept_redirects net.ipv6.conf.default.accept_redirects \
    net.ipv6.conf.all.accept_source_route net.ipv6.conf.default.accept_source_route net.ipv6.conf.all.accept_ra \
    kernel.randomize_va_space kernel.kptr_restrict kernel.dmesg_restrict kernel.yama.ptrace_scope \
    kernel.unprivileged_bpf_disabled kernel.sysrq kernel.core_uses_pid kernel.perf_event_paranoid \
    kernel.unprivileged_userns_clone net.core.bpf_jit_harden \
    fs.protected_hardlinks fs.protected_symlinks fs.protected_fifos fs.protected_regular fs.suid_dumpable \
    2>/dev/null
  return 0
}
`;

const parseSysctl: SectionParser = ({ lines }) => {
  const sysctl: Record<string, string> = {};
  for (const line of lines) {
    const match = /^([a-z0-9_.]+)\s*=\s*(.*)$/i.exec(line);
    if (match) sysctl[match[1]!] = match[2]!.trim().replace(/\s+/g, ' ');
  }
  return { sysctl: sortRecord(sysctl) };
};

export const sysctlArea: FactArea = { section: 'sysctl', key: 'sysctl', script, parse: parseSysctl };
