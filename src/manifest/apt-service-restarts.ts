/**
 * One apt transaction often starts a service in one package's maintainer script
 * and restarts it in the next: nginx-common's postinst starts nginx, then nginx's
 * own postinst "upgrades" the binary it finds running, which its init script does
 * with a one-second sleep. On a fresh install that restart buys nothing, as the
 * service was started from this very transaction's files.
 *
 * For the length of devenv's own apt-get, a policy-rc.d (Debian's hook that
 * invoke-rc.d asks before acting on a service) lets every start and stop through,
 * and holds back only an invoke-rc.d restart (or upgrade, reload) of a unit that
 * this same transaction started and that is running. Those units are restarted
 * together once apt is done, so every service ends as the packages left it,
 * restarted after their last files, and a package's script still finds the
 * services that earlier ones started running. A failed restart fails the
 * transaction, as it would have failed the package's script.
 *
 * Why so narrow: deb-systemd-invoke asks the policy once per unit and, on a "no",
 * skips every unit of its call, so it is let through; a service that is not
 * running was not really started (a disabled unit) and is let through too.
 * Someone else's policy-rc.d is left alone and nothing is held back. Ours is
 * removed when apt is done; one left behind by a killed run is inert: it holds
 * nothing back without the variable only devenv's apt-get carries, and the next
 * run replaces it.
 */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
export const POLICY_MARK = '# devenv: holds back a restart of a service this apt transaction started';
/** Where a transaction's policy notes what it saw; set only on devenv's own apt-get. */
const STATE_VARIABLE = 'DEVENV_APT_SERVICES';

export const POLICY_SCRIPT = `#!/bin/sh
${POLICY_MARK}
# (see devenv's src/manifest/apt-service-restarts.ts). Inert outside devenv's apt-get.
dir=\${${STATE_VARIABLE}-}
[ -n "$dir" ] && [ -d "$dir" ] || exit 0
[ "$1" = --quiet ] && shift
case "$1" in
  *.service|*.socket|*.timer|*.path|*.target|*.mount|*.automount|*.swap|*.slice|*.scope) unit=$1 ;;
  *) unit=$1.service ;;
esac
case "$2" in
  start) echo "$unit" >> "$dir/started" ;;
  restart|try-restart|reload|force-reload|upgrade)
    if grep -qxF -- "$unit" "$dir/started" 2>/dev/null &&
       tr '\\0' ' ' < /proc/$PPID/cmdline 2>/dev/null | grep -q 'invoke-rc\\.d ' &&
       systemctl is-active --quiet -- "$unit" 2>/dev/null; then
      echo "$unit" >> "$dir/restart"; exit 101
    fi ;;
esac
exit 0`;

/**
 * Runs "$@" (an apt-get) with the policy in place, then restarts what it held back.
 * $1 is the policy script, $2 where it goes, $3 where the transaction's notes go;
 * the exit status is apt's, or 1 when a restart failed.
 */
export const APT_WITH_COALESCED_RESTARTS_SCRIPT = [
  'policy="$1"; p="$2"; notes="$3"; shift 3',
  `if [ -e "$p" ] && ! grep -qxF '${POLICY_MARK}' "$p"; then exec "$@"; fi`,
  'dir=$(mktemp -d "$notes/devenv-apt.XXXXXX") || exec "$@"',
  'trap \'rm -f "$p"; rm -rf "$dir"\' EXIT',
  "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM",
  'printf "%s\\n" "$policy" > "$p.devenv.$$" && chmod 0755 "$p.devenv.$$" && mv -f "$p.devenv.$$" "$p" || { rm -f "$p.devenv.$$"; rm -rf "$dir"; trap - EXIT; exec "$@"; }',
  `${STATE_VARIABLE}="$dir" "$@"; status=$?`,
  'rm -f "$p"',
  'if [ -s "$dir/restart" ]; then',
  '  set -f; units=$(sort -u "$dir/restart")',
  '  echo "devenv: restarting once, now that apt is done:" $units',
  '  systemctl restart -- $units || { echo "devenv: the restart the packages asked for failed:" $units >&2; [ "$status" -ne 0 ] || status=1; }',
  'fi',
  'exit "$status"',
].join('\n');

/** `/run` is cleared at boot, so notes of a killed run do not outlive it. */
export function withCoalescedRestarts(argv: readonly string[], policyPath = POLICY_RC_D, notesIn = '/run'): string[] {
  return ['sh', '-c', APT_WITH_COALESCED_RESTARTS_SCRIPT, 'devenv-apt-services', POLICY_SCRIPT, policyPath, notesIn, ...argv];
}
