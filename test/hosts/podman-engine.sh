#!/usr/bin/env bash
# Rootful Podman's Docker-compatible API on a socket of its own, so devenv can be
# tested against Podman next to the host's Docker engine.
#
#   export DOCKER_HOST=$(bash test/hosts/podman-engine.sh start)
#   bash test/hosts/podman-engine.sh stop    # also removes devenv's containers in podman
#
# Installs nothing: the caller installs podman (and runc). Needs root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# CONTAINERS_CONF replaces /etc/containers/containers.conf for every podman
# process here: the machine's limits and runtime choice live with the tests.
export CONTAINERS_CONF=$HERE/podman-containers.conf
RUN=/run/devenv-podman
SOCK=$RUN/podman.sock
URL=unix://$SOCK
PIDFILE=$RUN/service.pid
LOG=/var/log/devenv-podman.log

say() { echo "podman-engine: $*" >&2; }
up() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://d/v1.41/version >/dev/null 2>&1; }

start() {
  if up; then echo "$URL"; return 0; fi
  # A dead service's socket would make the new one fail to bind.
  rm -f "$SOCK"; mkdir -p "$RUN"
  # --time=0: never exit for idleness (the default is 5 s without clients).
  # setsid + nohup: the service outlives this script and its terminal.
  setsid nohup podman system service --time=0 "$URL" </dev/null >>"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  # Up to two and a half minutes: in two CI runs on a loaded machine a service took over 15 s,
  # then over 60 s, to answer (it answers in 3 s when idle).
  for _ in $(seq 1 600); do up && break; sleep 0.25; done
  up || { say "service did not come up; see $LOG"; tail -n 20 "$LOG" >&2; ps -eo pid,stat,etime,args | grep -E "[p]odman|[c]onmon" >&2; exit 3; }
  echo "$URL"
}

stop() {
  local ids pid=
  # The podman CLI works on the same storage without the service (same CONTAINERS_CONF).
  for label in devenv.managed=true devenv.test=true; do
    ids=$(podman ps -aq --filter "label=$label")
    [ -z "$ids" ] || podman rm -f -v $ids >/dev/null
  done
  [ -r "$PIDFILE" ] && pid=$(cat "$PIDFILE")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -rf "$RUN"
  say "stopped"
}

[ "$(id -u)" -eq 0 ] || { say "needs root"; exit 2; }
command -v podman >/dev/null || { say "podman is not installed (apt-get install podman runc)"; exit 2; }
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
