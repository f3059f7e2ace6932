#!/usr/bin/env bash
# A second Docker engine that sees a cgroup v2 hierarchy, so devenv can be tested
# as on a "cgroup v2 host" on a machine whose own cgroups are v1 (hybrid).
#
#   bash test/hosts/cgroup2-engine.sh start          # prints the DOCKER_HOST value
#   bash test/hosts/cgroup2-engine.sh stop [--purge] # --purge also drops the image cache
#
#   export DOCKER_HOST=$(bash test/hosts/cgroup2-engine.sh start)
#
# The engine lives in its own mount namespace (a fresh cgroup2 mount on
# /sys/fs/cgroup is what makes dockerd and runc pick cgroup v2) and in its own
# network namespace: an engine sharing the host's network tore down the host's
# docker0 once. Ports it publishes on 127.0.0.1 are on the netns's loopback, so
# tests reach them with: ip netns exec devenv-cg2 curl http://127.0.0.1:PORT/
# (ports published on all addresses are also at 10.213.0.2:PORT from the host).
# It also answers on tcp://10.213.0.2:2376 with TLS (client certificates in
# /var/lib/devenv-cgroup2/tls: DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=that folder):
# an engine devenv reaches as a remote one, whose host folders it cannot mount.
# Needs root, iproute2, util-linux (unshare), iptables, dockerd and the docker CLI.
set -euo pipefail

NS=devenv-cg2
TAG=devenv-cgroup2                     # iptables comment: stop removes exactly these rules
RUN=/run/devenv-cgroup2                # on the host's /run, so the socket is reachable from the host
SOCK=$RUN/docker.sock
PIDFILE=$RUN/dockerd.pid
DATA=/var/lib/devenv-cgroup2
TLS=$DATA/tls
LOG=/var/log/devenv-cgroup2-dockerd.log
HOST_IF=devenv-cg2-h NS_IF=devenv-cg2-n
NET=10.213.0.0/30 HOST_IP=10.213.0.1 NS_IP=10.213.0.2
BIP=172.29.0.1/16                      # the engine's own docker0, clear of the host's 172.17/16
export DOCKER_HOST=unix://$SOCK

say() { echo "cgroup2-engine: $*" >&2; }
up() { [ "$(docker info --format '{{.CgroupVersion}}' 2>/dev/null)" = 2 ]; }

# Adds a rule once (-C first: a second start must not stack duplicates).
rule() { local t=$1 op=$2 chain=$3; shift 3
  iptables -t "$t" -C "$chain" "$@" -m comment --comment "$TAG" 2>/dev/null ||
    iptables -t "$t" "$op" "$chain" "$@" -m comment --comment "$TAG"; }

network_up() {
  ip netns list | grep -qx "$NS\( .*\)\?" || ip netns add "$NS"
  ip link show "$HOST_IF" >/dev/null 2>&1 ||
    ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NS"
  ip addr replace "$HOST_IP/30" dev "$HOST_IF"; ip link set "$HOST_IF" up
  ip -n "$NS" addr replace "$NS_IP/30" dev "$NS_IF"
  ip -n "$NS" link set lo up; ip -n "$NS" link set "$NS_IF" up
  ip -n "$NS" route replace default via "$HOST_IP"
  sysctl -qw net.ipv4.ip_forward=1
  # The host engine sets FORWARD's policy to DROP; inserting at the top lets our
  # /30 through without touching any of its chains.
  rule filter -I FORWARD -i "$HOST_IF" -j ACCEPT
  rule filter -I FORWARD -o "$HOST_IF" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  rule nat -A POSTROUTING -s "$NET" ! -o "$HOST_IF" -j MASQUERADE
}

# A loopback resolver (systemd-resolved, dnsmasq) is unreachable from the netns,
# and dockerd hands containers its mount namespace's resolv.conf: keep only the
# host's non-loopback nameservers, falling back to systemd-resolved's upstream list.
write_resolv() {
  local f
  for f in /etc/resolv.conf /run/systemd/resolve/resolv.conf; do
    [ -r "$f" ] || continue
    grep -Ev '^[[:space:]]*nameserver[[:space:]]+(127\.|::1([[:space:]]|$))' "$f" >"$RUN/resolv.conf" || true
    grep -q '^[[:space:]]*nameserver' "$RUN/resolv.conf" && return 0
  done
  # Without one, dockerd would fall back to public resolvers (8.8.8.8): refuse instead.
  say "no non-loopback nameserver in /etc/resolv.conf"; exit 3
}

# A CA, a server certificate for the netns address and a client certificate, once.
tls_ready() {
  [ -s "$TLS/key.pem" ] && return 0
  mkdir -p "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=devenv-cgroup2-ca -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=devenv-cgroup2 -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$NS_IP" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=devenv-client -keyout key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out cert.pem 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

start() {
  if up; then echo "$DOCKER_HOST"; return 0; fi
  tls_ready
  # A dead engine's leftovers (stale pidfile, netns) would trip the new one.
  [ -e "$PIDFILE" ] && stop
  mkdir -p "$RUN" "$DATA"
  network_up
  write_resolv
  local t0; t0=$(date +%s%N)
  # Order matters: `ip netns exec` remounts /sys for the netns (which leaves
  # /sys/fs/cgroup an empty directory), so the cgroup2 mount must come after it,
  # in a mount namespace of our own that is private so nothing leaks to the host.
  # Hiding /run/containerd stops dockerd from adopting a system containerd that
  # lives in the host's cgroup v1 world; it starts its own under --exec-root.
  # The cgroup2 tree is the host's own "unified" one, where the host engine's
  # containers already sit under /docker: ours go under /devenv-cgroup2.
  # setsid + nohup: the engine outlives this script and its terminal.
  setsid nohup ip netns exec "$NS" unshare -m -- sh -euc '
    mount --make-rprivate /
    mount -t cgroup2 devenv-cgroup2 /sys/fs/cgroup
    mount --bind "$1/resolv.conf" /etc/resolv.conf
    if [ -d /run/containerd ]; then mount -t tmpfs devenv-cgroup2 /run/containerd; fi
    shift
    exec dockerd "$@"' sh "$RUN" \
      --host "$DOCKER_HOST" --host "tcp://$NS_IP:2376" \
      --tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/server-cert.pem" --tlskey "$TLS/server-key.pem" \
      --data-root "$DATA" --exec-root "$RUN/exec" \
      --pidfile "$PIDFILE" --bip "$BIP" --exec-opt native.cgroupdriver=cgroupfs \
      --cgroup-parent /devenv-cgroup2 \
      </dev/null >>"$LOG" 2>&1 &
  for _ in $(seq 1 120); do up && break; sleep 0.5; done
  up || { say "engine did not come up; see $LOG"; tail -n 20 "$LOG" >&2; exit 3; }
  say "up in $((($(date +%s%N) - t0) / 1000000)) ms (log: $LOG)"
  echo "$DOCKER_HOST"
}

stop() {
  local pid= pids t cg
  [ -r "$PIDFILE" ] && pid=$(cat "$PIDFILE")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"   # dockerd stops its containers and its containerd on TERM
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # What survives a crashed engine: its containerd in our netns, and containers
  # (each in a netns of its own) that all sit in our cgroup.
  cg=$(findmnt -rno TARGET -t cgroup2 | head -n 1 || true)
  pids=$( { ip netns pids "$NS" 2>/dev/null || true
            [ -z "$cg" ] || [ ! -d "$cg/devenv-cgroup2" ] || find "$cg/devenv-cgroup2" -name cgroup.procs -exec cat {} +; } )
  [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null || true; sleep 1; }
  # Leave the shared cgroup2 tree as found (rmdir only takes empty groups).
  [ -z "$cg" ] || [ ! -d "$cg/devenv-cgroup2" ] || find "$cg/devenv-cgroup2" -depth -type d -exec rmdir {} + 2>/dev/null || true
  if ip netns list | grep -qx "$NS\( .*\)\?"; then ip netns del "$NS"; fi
  ip link del "$HOST_IF" 2>/dev/null || true   # normally gone with its peer in the netns
  for t in filter nat; do
    iptables -t "$t" -S | { grep -F -- "--comment $TAG" || true; } | sed 's/^-A /-D /' |
      while read -r r; do eval "iptables -t $t $r"; done
  done
  rm -rf "$RUN"
  if [ "${1:-}" = --purge ]; then
    # Overlay mounts lived in the engine's private mount namespace, gone with it.
    if findmnt -rno TARGET | grep -q "^$DATA/"; then say "mounts left under $DATA; not purging"; exit 3; fi
    rm -rf "$DATA"
  fi
  say "stopped"
}

[ "$(id -u)" -eq 0 ] || { say "needs root"; exit 2; }
case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [--purge]" >&2; exit 2 ;;
esac
