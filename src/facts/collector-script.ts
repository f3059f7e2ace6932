import { shellQuote } from '../core/shell-quote.js';

/**
 * The collector: one POSIX sh script, fed to `sh -s` on standard input, so one
 * exec round-trip reads a whole system through any Target. It needs only the
 * base system's tools, installs nothing and writes nothing. Each section prints
 * between `<marker> begin NAME` and `<marker> end NAME RC`; `<marker> error …`
 * inside a section means the section could not be read. The marker is random
 * per run so no file content on the target can forge a section boundary.
 *
 * Inputs (paths, the fingerprint key) travel in the script text on stdin,
 * quoted by shellQuote — never in argv, where `ps` or an ssh log would show them.
 * The key is only ever fed to sha256sum through a pipe from the `printf` builtin.
 *
 * The whole body is one `{ …; } </dev/null` group: the shell parses it before
 * running it, and no command inside can swallow the rest of the script from stdin.
 *
 * Written as String.raw so backslashes reach the shell untouched; `\${` below is
 * turned back into `${` (a raw template cannot contain a bare one).
 */
const COLLECTOR_BODY = String.raw`
{
LC_ALL=C; export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
TAB=$(printf '\t')
NL='
'
have() { command -v "$1" >/dev/null 2>&1; }
fail() { printf '%s error %s\n' "$M" "$*"; }
first_line() { printf '%s\n' "$1" | sed -n '/./{p;q;}'; }
fp_of() { printf '%s%s' "$K" "$1" | sha256sum | cut -c1-64; }
CM_HEADER='managed by (devenv|puppet|ansible|salt)|ansible managed'
# A file's content without configuration-management header comment lines.
unmanaged_sha256() { grep -Eiv "^[[:space:]]*(#|;|//|--|\"|/?\*|!|%|<!--).*($CM_HEADER)" -- "$1" | sha256sum | cut -c1-64; }
run_section() {
  printf '%s begin %s\n' "$M" "$1"
  "section_$1"
  printf '%s end %s %s\n' "$M" "$1" "$?"
}

section_meta() {
  echo "uid=$(id -u)"
  echo "shell_pid=$$"
}

section_platform() {
  if [ -r /etc/os-release ]; then grep -E '^(ID|VERSION_ID|VERSION_CODENAME|PRETTY_NAME)=' /etc/os-release
  elif [ -r /usr/lib/os-release ]; then grep -E '^(ID|VERSION_ID|VERSION_CODENAME|PRETTY_NAME)=' /usr/lib/os-release
  else fail "no /etc/os-release"; return 1; fi
  [ -r /etc/debian_version ] && echo "debian_version=$(cat /etc/debian_version)"
  echo "kernel=$(uname -r)"
  echo "machine=$(uname -m)"
  have dpkg && echo "dpkg_arch=$(dpkg --print-architecture)"
  echo "hostname=$(uname -n)"
  [ -r /etc/machine-id ] && echo "machine_id=$(cat /etc/machine-id)"
  if have systemd-detect-virt; then
    echo "virt_container=$(systemd-detect-virt -c 2>/dev/null)"
    echo "virt_vm=$(systemd-detect-virt -v 2>/dev/null)"
  fi
  [ -e /.dockerenv ] && echo "dockerenv=1"
  [ -e /run/.containerenv ] && echo "containerenv=1"
  echo "pid1=$(cat /proc/1/comm 2>/dev/null)"
  return 0
}

section_resources() {
  echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
  grep '^MemTotal:' /proc/meminfo
  [ -r /sys/fs/cgroup/memory.max ] && echo "cgroup_memory_max=$(cat /sys/fs/cgroup/memory.max)"
  return 0
}

section_apt_sources() {
  [ -d /etc/apt ] || { fail "no /etc/apt"; return 1; }
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    printf 'file %s\n' "$f"
    sed 's/^/| /' "$f"
    echo
  done
  return 0
}

section_packages() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  echo "native=$(dpkg --print-architecture)"
  # apt's own answer, its built-in default included: does this host install Recommends?
  have apt-config && echo "recommends=$(apt-config shell r APT::Install-Recommends/b 2>/dev/null)"
  dpkg-query -W -f 'P\t\${Package}\t\${Version}\t\${Architecture}\t\${db:Status-Abbrev}\t\${Recommends}\n' || { fail "dpkg-query failed"; return 1; }
  if [ -r /var/lib/apt/extended_states ]; then
    awk '/^Package:/{p=$2} /^Architecture:/{a=$2} /^Auto-Installed: *1/{print "A\t" p "\t" a}' /var/lib/apt/extended_states
  fi
  return 0
}

section_python() {
  for root in /srv /opt /home /var/www; do
    [ -d "$root" ] && find "$root" -maxdepth 4 -name pyvenv.cfg -type f 2>/dev/null
  done | while IFS= read -r cfg; do
    d=\${cfg%/pyvenv.cfg}
    printf 'V\t%s\n' "$d"
    awk -F' *= *' '$1=="home"||$1=="executable"||$1=="version"||$1=="version_info"{print "C\t" $1 "\t" $2}' "$cfg"
    set -- "$d"/lib/python*/site-packages/*.dist-info/METADATA
    [ -e "$1" ] || continue
    awk 'FNR==1{if(n!="")print "D\t" n "\t" v; n="";v="";h=1}
         h&&/^Name:/{n=$2} h&&/^Version:/{v=$2} h&&/^\r?$/{h=0}
         END{if(n!="")print "D\t" n "\t" v}' "$@"
  done
  return 0
}

section_accounts() {
  have getent || { fail "getent not found"; return 1; }
  getent passwd | sed 's/^/U:/' || { fail "getent passwd failed"; return 1; }
  getent group | sed 's/^/G:/'
  return 0
}

section_services() {
  have systemctl || { fail "systemctl not found (no systemd)"; return 1; }
  [ -d /run/systemd/system ] || { fail "systemd is not running (PID 1 is $(cat /proc/1/comm 2>/dev/null))"; return 1; }
  # "\342\227\217" (octal) is the bullet systemctl puts before a failed unit: the
  # CLI's bundle stays ASCII, which Node reads several times faster.
  # Loaded units plus every unit file on disk: list-unit-files would do the
  # same but takes 200-400 ms; ls and one batched show take a fraction of that.
  # Timers ride along in the same calls: the cron section reads them from SERVICES_SHOW.
  units=$( { systemctl list-units --type=service,timer --all --no-legend --plain 2>/dev/null
             for d in /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
               [ -d "$d" ] && ls -1 "$d"
             done; } |
           awk '{u=($1=="\342\227\217"||$1=="*")?$2:$1; if (u ~ /\.(service|timer)$/ && u !~ /@\.(service|timer)$/) print u}' | sort -u)
  [ -n "$units" ] || { fail "systemctl listed no services"; return 1; }
  # shellcheck disable=SC2086 - unit names have no spaces; one call for all.
  out=$(systemctl show -p Id,LoadState,UnitFileState,ActiveState,SubState,User,Restart,FragmentPath,DropInPaths,MainPID,ConditionResult,ConditionTimestampMonotonic $units) || { fail "systemctl show failed"; return 1; }
  printf '%s\n' "$out"
  SERVICES_SHOW=$out
  ENABLED_UNITS=$(printf '%s\n' "$out" | awk -F= '
    /^$/ { if (state == "enabled" && id ~ /\.service$/) print id; id = ""; state = ""; next }
    $1 == "Id" { id = $2 } $1 == "UnitFileState" { state = $2 }
    END { if (state == "enabled" && id ~ /\.service$/) print id }')
  echo "@hashes"
  files=$(printf '%s\n' "$out" | awk -F= '($1=="FragmentPath"||$1=="DropInPaths")&&$2!=""{n=split($2,a," "); for(i=1;i<=n;i++) print a[i]}' | sort -u)
  if [ -n "$files" ]; then
    set -f; IFS=$NL
    # shellcheck disable=SC2086
    SERVICES_HASHES=$(sha256sum $files 2>/dev/null
    # Units written by devenv, Puppet... hash without their header (printed last, so it wins), as the files section does.
    # shellcheck disable=SC2086
    for f in $(grep -Eil "$CM_HEADER" $files 2>/dev/null); do printf '%s  %s\n' "$(unmanaged_sha256 "$f")" "$f"; done)
    unset IFS; set +f
    printf '%s\n' "$SERVICES_HASHES"
  fi
  return 0
}

section_listeners() {
  have ss || { fail "ss not found (iproute2)"; return 1; }
  ss -Htulnp 2>/dev/null | sed 's/^/N /' || { fail "ss -tuln failed"; return 1; }
  ss -Hxlp 2>/dev/null | sed 's/^/X /'
  paths=$(ss -Hxl 2>/dev/null | awk '$5 ~ /^\// {print $5}' | sort -u)
  if [ -n "$paths" ]; then
    set -f; IFS=$NL; set --
    for p in $paths; do set -- "$@" "$p"; done
    unset IFS; set +f
    stat --printf 'S\t%a\t%U\t%G\t%n\n' "$@" 2>/dev/null
  fi
  return 0
}

section_processes() {
  ps -eo pid=,ppid=,user:32=,comm=,args= || { fail "ps failed"; return 1; }
  return 0
}

# The profile's managed files, the fixed sensitive list and the checklist's
# secrets. Secrets (and /etc/shadow) get a keyed fingerprint instead of a hash.
section_files() {
  set -- /etc/ssh/sshd_config /etc/sudoers /etc/passwd /etc/shadow /etc/group /etc/nginx/nginx.conf
  for f in /etc/systemd/system/*.service /etc/nginx/sites-enabled/*; do [ -e "$f" ] || [ -L "$f" ] && set -- "$@" "$f"; done
  set -f; IFS=$NL
  for f in $MANAGED $SECRETS; do set -- "$@" "$f"; done
  unset IFS; set +f
  for f in "$@"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- "$f" 2>/dev/null || printf 'E\t%s\n' "$f"
    else
      printf 'A\t%s\n' "$f"
    fi
  done
  for f in "$@"; do
    [ -L "$f" ] && printf 'L\t%s\t%s\n' "$(readlink -- "$f")" "$f"
  done
  set -f; IFS=$NL
  for f in $SECRETS /etc/shadow; do
    [ -f "$f" ] && [ -r "$f" ] && printf 'P\t%s\t%s\n' "$( { printf '%s' "$K"; cat -- "$f"; } | sha256sum | cut -c1-64)" "$f"
  done
  unset IFS; set +f
  for f in "$@"; do
    case "$NL$SECRETS$NL/etc/shadow$NL" in *"$NL$f$NL"*) continue ;; esac
    [ -f "$f" ] && [ -r "$f" ] || continue
    printf 'H\t%s\t%s\n' "$(sha256sum < "$f" | cut -c1-64)" "$f"
    if grep -Eiq "$CM_HEADER" -- "$f"; then
      printf 'U\t%s\t%s\n' "$(unmanaged_sha256 "$f")" "$f"
    fi
    head -n 5 -- "$f" | grep -Eiq '^[[:space:]]*(#|;|//|--|"|/?\*|!|%|<!--).*managed by devenv' && printf 'D\t%s\n' "$f"
  done
  return 0
}

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

section_time() {
  tz=
  if [ -L /etc/localtime ]; then tz=$(readlink /etc/localtime); tz=\${tz#*zoneinfo/}; fi
  [ -z "$tz" ] && [ -r /etc/timezone ] && tz=$(cat /etc/timezone)
  echo "timezone=$tz"
  if have systemctl && [ -d /run/systemd/system ]; then
    daemons="systemd-timesyncd chrony ntp ntpsec openntpd"
    set -- $daemons
    states=$(systemctl is-active systemd-timesyncd.service chrony.service ntp.service ntpsec.service openntpd.service 2>/dev/null)
    for s in $states; do [ "$s" = active ] && echo "ntp=$1"; shift; done
  fi
  [ -e /run/systemd/timesync/synchronized ] && echo "synchronized=yes"
  return 0
}

section_locale() {
  for f in /etc/default/locale /etc/locale.conf; do
    [ -r "$f" ] && grep -E '^[[:space:]]*(LANG|LC_ALL)=' "$f"
  done
  return 0
}

section_ssh() {
  s=$(command -v sshd 2>/dev/null) || s=/usr/sbin/sshd
  [ -x "$s" ] || { fail "sshd is not installed"; return 1; }
  [ "$(id -u)" = 0 ] || { fail "sshd -T needs root (use --sudo)"; return 1; }
  out=$("$s" -T 2>&1) || { fail "sshd -T: $(first_line "$out")"; return 1; }
  printf '%s\n' "$out"
  return 0
}

section_firewall() {
  if have nft; then
    if out=$(nft -s list ruleset 2>&1); then
      echo "backend=nftables"; printf '%s\n' "$out" | sed 's/^/| /'; return 0
    fi
    echo "unreadable=nft: $(first_line "$out")"
  fi
  if have iptables; then
    if out=$(iptables -S 2>&1); then
      echo "backend=iptables"; printf '%s\n' "$out" | sed 's/^/| /'; return 0
    fi
    echo "unreadable=iptables: $(first_line "$out")"
  fi
  if ! have nft && ! have iptables; then echo "backend=none"; fi
  return 0
}

# Names and keyed fingerprints of each enabled service's environment. Values
# are tokenized by awk into a pipe and hashed; none is ever printed.
section_env() {
  have systemctl && [ -d /run/systemd/system ] || { fail "systemd is not running"; return 1; }
  # The services section already knows which units are enabled; ask again only when it failed.
  units=\${ENABLED_UNITS-$(systemctl list-unit-files --type=service --state=enabled --no-legend 2>/dev/null | awk '$1 !~ /@\.service$/ {print $1}')}
  [ -n "$units" ] || return 0
  # shellcheck disable=SC2086
  # systemctl show prints a unit's properties in its own order: buffer each block until its Id is known.
  systemctl show -p Id,Environment,EnvironmentFiles $units 2>/dev/null |
  awk '
    function flush(   i) { for (i = 1; i <= n; i++) print items[i] "\t" unit "\t" vals[i]; n = 0; unit = "" }
    function add(kind, v) { n++; items[n] = kind; vals[n] = v }
    function token(kv) { if (kv ~ /^[A-Za-z_][A-Za-z0-9_]*=/) add("V", kv) }
    /^$/ { flush(); next }
    /^Id=/ { unit = substr($0, 4); next }
    /^Environment=/ {
      s = substr($0, 13); tok = ""; q = 0; have = 0
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (q && c == "\\") { i++; tok = tok substr(s, i, 1); continue }
        if (c == "\"") { q = !q; have = 1; continue }
        if (!q && c == " ") { if (have || tok != "") token(tok); tok = ""; have = 0; continue }
        tok = tok c; have = 1
      }
      if (have || tok != "") token(tok)
      next
    }
    /^EnvironmentFiles=/ { f = substr($0, 18); sub(/ \(ignore_errors=[a-z]+\)$/, "", f); add("F", f) }
    END { flush() }
  ' | while IFS= read -r line; do
    kind=\${line%%"$TAB"*}; rest=\${line#*"$TAB"}
    unit=\${rest%%"$TAB"*}; item=\${rest#*"$TAB"}
    if [ "$kind" = V ]; then
      printf 'E\t%s\t%s\t%s\n' "$unit" "\${item%%=*}" "$(fp_of "\${item#*=}")"
    elif [ -r "$item" ]; then
      while IFS= read -r kv || [ -n "$kv" ]; do
        kv=\${kv#"\${kv%%[! ]*}"}
        case "$kv" in ''|'#'*|';'*) continue ;; esac
        kv=\${kv#export }
        name=\${kv%%=*}; value=\${kv#*=}
        case "$name" in *[!A-Za-z0-9_]*|'') continue ;; esac
        case "$value" in \"*\") value=\${value#\"}; value=\${value%\"} ;; \'*\') value=\${value#\'}; value=\${value%\'} ;; esac
        printf 'E\t%s\t%s\t%s\n' "$unit" "$name" "$(fp_of "$value")"
      done < "$item"
    elif [ -e "$item" ]; then
      printf 'R\t%s\t%s\n' "$unit" "$item"
    fi
  done
  return 0
}

section_security_updates() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  echo "unattended=$(dpkg-query -W -f '\${db:Status-Abbrev}' unattended-upgrades 2>/dev/null)"
  have apt-config && apt-config shell periodic APT::Periodic::Unattended-Upgrade 2>/dev/null
  return 0
}

section_fail2ban() {
  if ! have fail2ban-client; then echo "installed=no"; return 0; fi
  echo "installed=yes"
  active=$(systemctl is-active fail2ban.service 2>/dev/null)
  echo "active=$active"
  [ "$active" = active ] || return 0
  out=$(fail2ban-client status 2>&1) || { fail "fail2ban-client status: $(first_line "$out")"; return 1; }
  printf '%s\n' "$out" | sed -n 's/.*Jail list:[[:space:]]*/jails=/p'
  return 0
}

section_logging() {
  have systemctl && echo "journald=$(systemctl is-active systemd-journald.service 2>/dev/null)"
  have logrotate && echo "logrotate=yes"
  [ -d /etc/logrotate.d ] && for f in /etc/logrotate.d/*; do [ -f "$f" ] && printf 'C\t%s\n' "$f"; done
  return 0
}

# The find -printf shape the sections below describe files with:
# S TAB type TAB mode TAB owner TAB group TAB size TAB path TAB link target.
FIND_FMT='S\t%y\t%m\t%u\t%g\t%s\t%p\t%l\n'
# Marks secrets on S lines (first field becomes Q): owner and mode only, never
# content. The profile's secrets, account shadows, private keys and
# credential-like names, and any regular file others may not read (sudoers
# excepted: its content is policy, not a secret).
mark_secrets() {
  { printf '%s\n@@\n' "$SECRETS"; cat; } | awk -F'\t' -v OFS='\t' '
    !body { if ($0 == "@@") body = 1; else if ($0 != "") listed[$0] = 1; next }
    $1 == "S" && $2 == "f" {
      p = $7; n = p; sub(/.*\//, "", n); n = tolower(n)
      if ((p in listed) || n ~ /^(g?shadow-?|opasswd)$/ || p ~ /^\/etc\/ssl\/private\// || n ~ /^ssh_host_.*_key$/ ||
          n ~ /\.(key|pem|p12|pfx|jks|keystore|keytab)$/ || (n ~ /(secret|token|credential|password|\.env$)/ && p !~ /^\/etc\/pam\.d\//) ||
          ($3 !~ /[4567]$/ && p !~ /^\/etc\/sudoers(\.d\/|$)/)) $1 = "Q"
    }
    { print }'
}
# S/Q lines on stdin -> the same lines, then H TAB sha256 TAB path for every
# non-secret regular file: its content without configuration-management header
# lines where it has one (printed last, so it wins), as the files section does.
describe() {
  lines=$(mark_secrets)
  [ -n "$lines" ] || return 0
  printf '%s\n' "$lines"
  hash_these=$(printf '%s\n' "$lines" | awk -F'\t' '$1 == "S" && $2 == "f" { print $7 }')
  [ -n "$hash_these" ] || return 0
  set -f; IFS=$NL
  # shellcheck disable=SC2086
  sha256sum -- $hash_these 2>/dev/null | sed -n "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
  # shellcheck disable=SC2086
  for f in $(grep -Eil -e "$CM_HEADER" -- $hash_these 2>/dev/null); do printf 'H\t%s\t%s\n' "$(unmanaged_sha256 "$f")" "$f"; done
  unset IFS; set +f
}

# Package conffiles whose content is not what the package shipped, by dpkg's
# own md5 record (and ucf's, for the files packages install through ucf).
section_conffiles() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  recorded=$( { dpkg-query -W -f '\${Package}\n\${Conffiles}\n' 2>/dev/null |
                awk '/^ \// { if ($3 != "obsolete" && $2 != "newconffile") print $1 "\t" pkg "\t" $2 "\tdpkg"; next } NF { pkg = $1 }'
              if [ -r /var/lib/ucf/registry ] && [ -r /var/lib/ucf/hashfile ]; then
                awk 'FNR == NR { reg[$2] = $1; next } ($2 in reg) { print $2 "\t" reg[$2] "\t" $1 "\tucf" }' /var/lib/ucf/registry /var/lib/ucf/hashfile
              fi; } )
  [ -n "$recorded" ] || return 0
  changed=$( { printf '%s\n@@\n' "$recorded"; printf '%s\n' "$recorded" | cut -f1 | xargs -d "$NL" md5sum 2>/dev/null; } | awk -F'\t' '
    !body { if ($0 == "@@") body = 1; else if (!($1 in want)) { want[$1] = $3; pkg[$1] = $2; src[$1] = $4 }; next }
    { got[substr($0, 35)] = substr($0, 1, 32) }
    END { for (p in want) if (!(p in got)) print "X\t" p "\t" pkg[p] "\t" src[p]; else if (got[p] != want[p]) print "C\t" p "\t" pkg[p] "\t" src[p] }' | sort -t "$TAB" -k2,2)
  [ -n "$changed" ] || return 0
  printf '%s\n' "$changed"
  paths=$(printf '%s\n' "$changed" | cut -f2)
  set -f; IFS=$NL
  # shellcheck disable=SC2086
  find $paths -maxdepth 0 -printf "$FIND_FMT" 2>/dev/null | describe
  unset IFS; set +f
  return 0
}

# Every file under /etc (and every keyring in /usr/share/keyrings) that no
# package owns: not in dpkg's file lists, not either side of a diversion, not
# registered with ucf. The parity rules know which of them every host has.
section_unowned_files() {
  [ -d /var/lib/dpkg/info ] || { fail "no dpkg database"; return 1; }
  { cat /var/lib/dpkg/info/*.list 2>/dev/null
    [ -r /var/lib/dpkg/diversions ] && cat /var/lib/dpkg/diversions
    [ -r /var/lib/ucf/registry ] && awk '{ print $2 }' /var/lib/ucf/registry
    echo @@
    find /etc /usr/share/keyrings -xdev \( -name "*$NL*" -o -name "*$TAB*" \) -prune -o \( -type f -o -type l \) -printf "$FIND_FMT" 2>/dev/null
  } | awk -F'\t' '!body { if ($0 == "@@") body = 1; else owned[$0] = 1; next }
    # update-ca-certificates links each certificate of the package (and its hash alias): derived, left out. Hand-added ones point elsewhere.
    # (mawk has no {n} intervals: the eight hex digits are spelled out.)
    $2 == "l" && $7 ~ /^\/etc\/ssl\/certs\// && ($8 ~ /^\/usr\/share\/ca-certificates\// || ($7 ~ /\/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]\.[0-9]+$/ && $8 !~ /\//)) { next }
    !($7 in owned)' | describe
  return 0
}

# Each top-level tree under /usr/local and /opt: small trees in full with the
# content hash of each file up to 1 MiB, large ones as a count, a digest of
# their listing (no content read) and its first lines.
section_trees() {
  set --
  for d in /usr/local /opt; do [ -d "$d" ] && set -- "$@" "$d"; done
  [ $# -gt 0 ] || return 0
  out=$(find "$@" -xdev -mindepth 1 \( -name "*$NL*" -o -name "*$TAB*" \) -prune -o -printf "$FIND_FMT" 2>/dev/null | awk -F'\t' -v OFS='\t' '
    { p = $7; r = p ~ /^\/usr\/local\// ? "/usr/local" : "/opt"; rest = substr(p, length(r) + 2); i = index(rest, "/")
      t = r "/" (i ? substr(rest, 1, i - 1) : rest); n[t]++; if (n[t] <= 1000) line[t, n[t]] = $0 }
    END { for (t in n) {
      if (n[t] > 1000) { print "B", t, n[t]; for (k = 1; k <= 200; k++) print line[t, k]; continue }
      for (k = 1; k <= n[t]; k++) { print line[t, k]; split(line[t, k], f, "\t"); if (f[2] == "f" && f[6] <= 1048576) print "W", f[7] }
    } }')
  printf '%s\n' "$out" | grep -v "^W$TAB"
  printf '%s\n' "$out" | sed -n "s/^W$TAB//p" | xargs -d "$NL" -r sha256sum -- 2>/dev/null | sed -n "s/^\([0-9a-f]\{64\}\)  /H$TAB\1$TAB/p"
  printf '%s\n' "$out" | awk -F'\t' '$1 == "B" { print $2 }' | while IFS= read -r t; do
    printf 'D\t%s\t%s\n' "$(find "$t" -xdev -printf '%y %m %u %g %s %P %l\n' 2>/dev/null | sort | sha256sum | cut -c1-64)" "$t"
  done
  return 0
}

# Per-user crontabs (their job lines only: crontab(1) stamps a header with a
# temporary file name and a date), and the timers the services section read.
section_cron() {
  d=/var/spool/cron/crontabs
  if [ -d "$d" ]; then
    if [ -r "$d" ] && [ -x "$d" ]; then
    for f in "$d"/*; do
      [ -f "$f" ] || continue
      printf 'J\t%s\t%s\t%s\n' "$(grep -Ev '^[[:space:]]*(#|$)' -- "$f" | sha256sum | cut -c1-64)" "$(grep -Evc '^[[:space:]]*(#|$)' -- "$f")" "$f"
    done
    find "$d" -mindepth 1 -maxdepth 1 -type f -printf "$FIND_FMT" 2>/dev/null
    else printf 'R\t%s\n' "$d"; fi
  fi
  if [ -n "\${SERVICES_SHOW-}" ]; then
    echo "@timers"
    printf '%s\n\n' "$SERVICES_SHOW" | awk 'BEGIN { RS = ""; ORS = "\n\n" } /(^|\n)Id=[^\n]*\.timer(\n|$)/'
    echo "@hashes"
    printf '%s\n' "\${SERVICES_HASHES-}" | grep -E '\.timer(\.d/[^/]*\.conf)?$'
  fi
  return 0
}

for s in meta platform resources apt_sources packages python accounts services listeners processes files conffiles unowned_files trees cron sysctl time locale ssh firewall env security_updates fail2ban logging; do
  run_section "$s"
done
} </dev/null
`.replaceAll('\\${', '${');

export const COLLECTOR_SECTIONS = [
  'meta', 'platform', 'resources', 'apt_sources', 'packages', 'python', 'accounts', 'services', 'listeners',
  'processes', 'files', 'conffiles', 'unowned_files', 'trees', 'cron', 'sysctl', 'time', 'locale', 'ssh', 'firewall', 'env', 'security_updates', 'fail2ban', 'logging',
] as const;
export type CollectorSection = (typeof COLLECTOR_SECTIONS)[number];

export interface CollectorScriptInput {
  /** Random per run; marks section boundaries. */
  marker: string;
  fingerprintKey: string;
  managedPaths: readonly string[];
  secretPaths: readonly string[];
}

function pathList(paths: readonly string[]): string {
  for (const path of paths) {
    if (!path.startsWith('/') || /[\n\t\0]/.test(path)) throw new Error(`not an absolute path without newlines or tabs: ${JSON.stringify(path)}`);
  }
  return shellQuote([...new Set(paths)].join('\n'));
}

/** The full script text for `sh -s`: the inputs as quoted assignments, then the body. */
export function renderCollectorScript(input: CollectorScriptInput): string {
  if (!/^[A-Za-z0-9@-]+$/.test(input.marker)) throw new Error('the section marker must be plain text');
  return [
    `M=${shellQuote(input.marker)}`,
    `K=${shellQuote(input.fingerprintKey)}`,
    `MANAGED=${pathList(input.managedPaths)}`,
    `SECRETS=${pathList(input.secretPaths)}`,
    COLLECTOR_BODY,
  ].join('\n');
}
