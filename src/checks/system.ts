import type { Check, CheckInput, CheckOutcome } from './types.js';
import { fail, notApplicable, pass, warn } from './types.js';
import { hasAppIdentity, resolveAppIdentity, unitBaseName } from './app-identity.js';
import { listSome } from './sections.js';

interface SysctlRule {
  key: string;
  /** The values that are safe, as sysctl prints them. */
  accepts: (value: number) => boolean;
  expected: string;
}

const equals = (wanted: number) => (value: number) => value === wanted;
const atLeast = (minimum: number) => (value: number) => value >= minimum;

/** Per network namespace, so a container has its own and can be judged. */
export const NETWORK_SYSCTLS: SysctlRule[] = [
  { key: 'net.ipv4.conf.all.accept_redirects', accepts: equals(0), expected: '0' },
  { key: 'net.ipv4.conf.default.accept_redirects', accepts: equals(0), expected: '0' },
  { key: 'net.ipv6.conf.all.accept_redirects', accepts: equals(0), expected: '0' },
  { key: 'net.ipv4.conf.all.secure_redirects', accepts: equals(0), expected: '0' },
  { key: 'net.ipv4.conf.all.send_redirects', accepts: equals(0), expected: '0' },
  { key: 'net.ipv4.conf.all.accept_source_route', accepts: equals(0), expected: '0' },
  { key: 'net.ipv6.conf.all.accept_source_route', accepts: equals(0), expected: '0' },
  { key: 'net.ipv4.tcp_syncookies', accepts: equals(1), expected: '1' },
  { key: 'net.ipv4.conf.all.rp_filter', accepts: (value) => value === 1 || value === 2, expected: '1 or 2' },
  { key: 'net.ipv4.icmp_echo_ignore_broadcasts', accepts: equals(1), expected: '1' },
];

/** Kernel-wide: a container shares them with its host and cannot set them. */
export const KERNEL_SYSCTLS: SysctlRule[] = [
  { key: 'kernel.kptr_restrict', accepts: atLeast(1), expected: '≥ 1' },
  { key: 'kernel.dmesg_restrict', accepts: equals(1), expected: '1' },
  { key: 'kernel.randomize_va_space', accepts: equals(2), expected: '2' },
  { key: 'kernel.yama.ptrace_scope', accepts: atLeast(1), expected: '≥ 1' },
  { key: 'kernel.unprivileged_bpf_disabled', accepts: atLeast(1), expected: '≥ 1' },
  { key: 'fs.protected_hardlinks', accepts: equals(1), expected: '1' },
  { key: 'fs.protected_symlinks', accepts: equals(1), expected: '1' },
  { key: 'fs.suid_dumpable', accepts: equals(0), expected: '0' },
];

function judgeSysctls(input: CheckInput, rules: readonly SysctlRule[], file: string): CheckOutcome {
  const sysctl = input.facts.sysctl!;
  const wrong: string[] = [];
  let judged = 0;
  for (const rule of rules) {
    const raw = sysctl[rule.key];
    if (raw === undefined) continue;
    judged++;
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || !rule.accepts(value)) wrong.push(`${rule.key} = ${raw.trim()} (want ${rule.expected})`);
  }
  if (wrong.length > 0) {
    // net.* is per network namespace: a container gets its values from the engine, not from sysctl.d inside it.
    const how = input.target.container
      ? "set them when the container is created (docker run --sysctl KEY=VALUE, or the backend's sysctls)"
      : `set them in ${file} and run sysctl --system`;
    return fail(listSome(wrong, 4), how);
  }
  if (judged === 0)
    return warn(
      `the facts carry none of the ${rules.length} hardening sysctls (${listSome(
        rules.map((rule) => rule.key),
        3,
      )})`,
    );
  return pass(`${judged} of ${rules.length} hardening sysctls present, all hardened`);
}

export const sysctlNetwork: Check = {
  id: 'sysctl-network',
  title: 'Network sysctls are hardened',
  remediation: "set the net.* values in /etc/sysctl.d/90-hardening.conf (or the container's --sysctl) and run sysctl --system",
  needs: ['sysctl'],
  run(input) {
    return judgeSysctls(input, NETWORK_SYSCTLS, '/etc/sysctl.d/90-hardening.conf');
  },
};

export const sysctlKernel: Check = {
  id: 'sysctl-kernel',
  title: 'Kernel sysctls are hardened',
  remediation: 'set the kernel.* and fs.* values in /etc/sysctl.d/90-hardening.conf and run sysctl --system',
  needs: ['sysctl'],
  precheck(input) {
    return input.target.container
      ? notApplicable("a container shares the host's kernel and cannot set kernel.* sysctls; check them on a VM or on production")
      : undefined;
  },
  run(input) {
    return judgeSysctls(input, KERNEL_SYSCTLS, '/etc/sysctl.d/90-hardening.conf');
  },
};

export const timeSync: Check = {
  id: 'time-sync',
  title: 'One time daemon keeps the clock synchronized',
  remediation: 'run exactly one of systemd-timesyncd, chrony or ntpd, enabled, and check timedatectl shows "System clock synchronized: yes"',
  needs: ['time'],
  precheck(input) {
    return input.target.container ? notApplicable("a container uses the host's clock and cannot set it; time sync is the host's job") : undefined;
  },
  run(input) {
    const time = input.facts.time!;
    const daemons = [...new Set(time.ntp_services)];
    if (daemons.length === 0) return fail('no time daemon is running (systemd-timesyncd, chronyd, ntpd)');
    if (daemons.length > 1)
      return fail(`${daemons.length} time daemons run at once and fight over the clock: ${daemons.join(', ')}`, 'keep one time daemon and disable the others');
    if (time.synchronized === false)
      return fail(
        `${daemons[0]} runs but the clock is not synchronized`,
        "check that the NTP servers are reachable (UDP 123 outbound) and look at the daemon's log",
      );
    if (time.synchronized === undefined) return warn(`${daemons[0]} runs but whether the clock is synchronized is unknown`);
    return pass(`${daemons[0]} keeps the clock synchronized`);
  },
};

export const logging: Check = {
  id: 'logging',
  title: 'journald is active and app logs are rotated',
  remediation: 'keep systemd-journald running, install logrotate, and add /etc/logrotate.d/APP for any log file the app writes',
  needs: ['logging'],
  run(input) {
    const facts = input.facts.logging!;
    if (!facts.journald_active) return fail('systemd-journald is not active');
    if (!facts.logrotate_installed) return fail('logrotate is not installed, so log files are never rotated');
    if (!hasAppIdentity(input)) return pass('journald is active and logrotate is installed (no app named in the profile to look for)');
    const app = resolveAppIdentity(input);
    const stems = new Set(
      [input.appName, app.user, ...app.services.map((service) => unitBaseName(service.name))].filter((stem): stem is string => stem !== undefined),
    );
    const config = facts.logrotate_configs.find((path) => {
      const base = path.split('/').pop() ?? '';
      return [...stems].some((stem) => base === stem || base.startsWith(`${stem}-`) || base.startsWith(`${stem}.`));
    });
    if (config) return pass(`journald is active and ${config} rotates the app's logs`);
    if (app.services.length > 0)
      return pass(
        `journald is active and keeps the logs of ${listSome(
          app.services.map((service) => service.name),
          3,
        )} (no /etc/logrotate.d entry for the app, so it should log to the journal only)`,
      );
    return warn(`no /etc/logrotate.d entry for ${listSome([...stems], 3)} and no app service whose output journald would keep`);
  },
};
