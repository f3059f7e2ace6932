#!/usr/bin/env bash
# Rootless Podman's Docker-compatible API, run by an unprivileged user, so devenv
# can be tested against a rootless engine next to the host's rootful ones.
#
#   export DOCKER_HOST=$(bash test/hosts/rootless-podman.sh start [--cgroup1])
#   docker save devenv-box/debian-12:TAG | docker load   # its own image store: load the box into it
#   bash test/hosts/rootless-podman.sh podman ps -a      # the podman CLI, as the user, on the engine's store
#   bash test/hosts/rootless-podman.sh stop [--purge]    # --purge also drops its images
#
# start: the engine reports cgroup v2 (a cgroup2 mount in a private mount
# namespace, as cgroup2-engine.sh does for rootful Docker), which is what a rootless
# engine normally runs on. start --cgroup1: the engine sees the host's v1 (hybrid)
# hierarchies and reports cgroup v1. Either way systemd boots in --systemd=always
# containers only because a cgroup subtree is delegated (chowned) to the user, as
# systemd's user@.service (Delegate=yes) does on a host with systemd:
#   v2: <unified>/devenv-rootless; v1: /sys/fs/cgroup/systemd/devenv-rootless.
# Without it systemd exits at once: "Failed to create /init.scope control group:
# Permission denied" / "Failed to allocate manager object".
# One engine at a time (one user, one store): switching modes needs a stop first.
#
# Needs root (to create the user, delegate the cgroup and mount cgroup2), podman,
# runc, uidmap (newuidmap/newgidmap), slirp4netns, util-linux (unshare, setpriv),
# curl. Installs nothing. stop leaves the user (and, without --purge, its images).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
USER_NAME=devenv-rootless
# The rootful engine's file serves here too: runc, because it puts each container in
# a cgroup of its own below the engine's (crun 1.8.1 left the container in the
# engine's cgroup, so two boxes' systemds shared init.scope and system.slice);
# default_ulimits = [] is harmless for rootless Podman, which cannot raise them anyway.
CONF=$HERE/podman-containers.conf
CG=devenv-rootless                        # the delegated cgroup, in whichever tree
CG1=/sys/fs/cgroup/systemd/$CG

say() { echo "rootless-podman: $*" >&2; }

# Names for the user's paths; the user must exist.
paths() {
  UID_N=$(id -u "$USER_NAME") GID_N=$(id -g "$USER_NAME")
  HOME_DIR=$(getent passwd "$USER_NAME" | cut -d: -f6)
  XRD=/run/user/$UID_N                    # no logind here to make it
  RUN=$XRD/devenv                         # this script's own state
  SOCK=$XRD/podman/podman.sock URL=unix://$XRD/podman/podman.sock
  # Its own store, on native overlay: with no storage.conf Podman 4.3 picked vfs
  # here, which copies the whole image for every container (~15 s for the box).
  DATA=$HOME_DIR/.local/share/devenv-engine
  LOG=$HOME_DIR/devenv-engine.log
}

user_ready() {
  if ! id -u "$USER_NAME" >/dev/null 2>&1; then
    # Debian's useradd also gives a regular user /etc/subuid and /etc/subgid ranges.
    useradd --create-home --shell /usr/sbin/nologin "$USER_NAME"
    say "created user $USER_NAME"
  fi
  if ! grep -q "^$USER_NAME:" /etc/subuid || ! grep -q "^$USER_NAME:" /etc/subgid; then
    usermod --add-subuids 100000-165535 --add-subgids 100000-165535 "$USER_NAME"
  fi
  paths
  install -d -m 700 -o "$UID_N" -g "$GID_N" "$XRD"
}

up() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://d/v1.41/version >/dev/null 2>&1; }

# The delegated subtree: the engine's processes go in its "service" child, never in
# its root, where runc creates each container's cgroup (runc, rootless on v2, puts
# a container below the parent of its caller's cgroup; a cgroup with processes in it
# cannot enable the controllers that its children need).
delegate() { local d=$1
  mkdir -p "$d/service"
  chown "$UID_N:$GID_N" "$d" "$d/service"
  # v2's delegation files; v1 has cgroup.procs and tasks. chown only those: the
  # resource limits of the subtree's root stay root's.
  for f in cgroup.procs cgroup.threads cgroup.subtree_control tasks; do
    [ ! -e "$d/$f" ] || chown "$UID_N:$GID_N" "$d/$f"
    [ ! -e "$d/service/$f" ] || chown "$UID_N:$GID_N" "$d/service/$f"
  done
}

cg2_tree() { findmnt -rno TARGET -t cgroup2 | head -n 1; }

# Runs a command as the user in the engine's world: for v2 a private mount namespace
# with the cgroup2 tree on /sys/fs/cgroup (what podman and runc read the cgroup
# version from); the process joins the delegated subtree first. setpriv, unlike
# runuser, execs: with EXEC=exec the whole chain ends as the command's own process.
as_user() { local mode=$1; shift
  local tree procs
  if [ "$mode" = cgroup1 ]; then procs=$CG1/service/cgroup.procs tree=
  else tree=$(cg2_tree); procs=/sys/fs/cgroup/$CG/service/cgroup.procs; fi
  ${EXEC:-} unshare -m -- sh -euc '
    tree=$1 procs=$2; shift 2
    mount --make-rprivate /
    if [ -n "$tree" ] && [ "$tree" != /sys/fs/cgroup ]; then mount -t cgroup2 devenv-rootless /sys/fs/cgroup; fi
    # A fresh peer group, private to this namespace: Podman wants / shared (for
    # volume propagation) and nothing here reaches the host.
    mount --make-rshared /
    echo $$ >"$procs"
    exec "$@"' sh "$tree" "$procs" \
    setpriv --reuid="$UID_N" --regid="$GID_N" --init-groups --reset-env -- \
    env -C "$HOME_DIR" XDG_RUNTIME_DIR="$XRD" CONTAINERS_CONF="$CONF" "$@"
}

# The CLI as the user: it joins the namespaces of Podman's pause process (made by the
# service), so it sees the engine's cgroup version whichever namespace it starts in.
podman_cli() { as_user "$(cat "$RUN/mode" 2>/dev/null || echo cgroup2)" podman --root "$DATA" --storage-driver overlay "$@"; }

start() { local mode=cgroup2 tree
  [ "${1:-}" = --cgroup1 ] && mode=cgroup1
  user_ready
  if up; then
    [ "$(cat "$RUN/mode" 2>/dev/null)" = "$mode" ] || { say "running with $(cat "$RUN/mode" 2>/dev/null || echo '?'); stop it first"; exit 3; }
    echo "$URL"; return 0
  fi
  # A dead engine's leftovers (pause process, socket, cgroups) would trip the new one.
  [ ! -e "$RUN/service.pid" ] || stop >/dev/null 2>&1
  if [ "$mode" = cgroup1 ]; then
    [ -d /sys/fs/cgroup/systemd ] || { say "no cgroup v1 name=systemd hierarchy here"; exit 3; }
    delegate "$CG1"
  else
    tree=$(cg2_tree)
    [ -n "$tree" ] || { say "no cgroup2 mount on this host"; exit 3; }
    delegate "$tree/$CG"
  fi
  install -d -m 700 -o "$UID_N" -g "$GID_N" "$RUN" "$XRD/podman" "$DATA"
  echo "$mode" >"$RUN/mode"
  rm -f "$SOCK"
  # --time=0: never exit for idleness. setsid + nohup: it outlives this script.
  setsid nohup bash "$0" _serve </dev/null >>"$LOG" 2>&1 &
  echo $! >"$RUN/service.pid"
  # Up to two and a half minutes: in two CI runs on a loaded machine a service took over 15 s,
  # then over 60 s, to answer (it answers in 3 s when idle).
  for _ in $(seq 1 600); do up && break; sleep 0.25; done
  up || { say "service did not come up; see $LOG"; tail -n 20 "$LOG" >&2; ps -u "$UID_N" -o pid,stat,etime,args >&2; exit 3; }
  echo "$URL"
}

stop() { local pid= d pids
  id -u "$USER_NAME" >/dev/null 2>&1 || { say "stopped (no user $USER_NAME)"; return 0; }
  paths
  # All of the engine's containers, not only devenv's: the user is the engine's alone,
  # and containers outliving the pause process's user namespace could not be managed.
  if up || [ -r "$XRD/libpod/tmp/pause.pid" ]; then podman_cli rm -f -a >/dev/null 2>&1 || true; fi
  [ -r "$RUN/service.pid" ] && pid=$(cat "$RUN/service.pid")
  for pid in $pid $(cat "$XRD/libpod/tmp/pause.pid" 2>/dev/null || true); do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # What outlives the service sits in the delegated subtrees: conmons of finished
  # exec sessions (they linger 300 s), slirp4netns, rootlessport, a crashed
  # engine's containers. Then the subtrees go, as found before start (rmdir only
  # takes empty groups).
  for d in "$CG1" "$(cg2_tree)/$CG"; do
    [ -d "$d" ] || continue
    pids=$(find "$d" -name cgroup.procs -exec cat {} +)
    [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null || true; sleep 1; }
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  # Podman's run state (no mounts survive the pause process's namespace): as after a reboot.
  [ ! -d "$XRD" ] || find "$XRD" -mindepth 1 -delete
  if [ "${1:-}" = --purge ]; then rm -rf "$DATA"; fi
  say "stopped"
}

[ "$(id -u)" -eq 0 ] || { say "needs root"; exit 2; }
for c in podman runc newuidmap slirp4netns setpriv curl; do
  command -v "$c" >/dev/null || { say "$c is not installed (apt-get install podman runc uidmap slirp4netns)"; exit 2; }
done
case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  podman) shift; user_ready; podman_cli "$@" ;;
  # The service itself, started by start in the background.
  _serve) paths; EXEC=exec as_user "$(cat "$RUN/mode")" podman --root "$DATA" --storage-driver overlay system service --time=0 "$URL" ;;
  *) echo "usage: $0 start [--cgroup1] | stop [--purge] | podman ARGS..." >&2; exit 2 ;;
esac
