#!/usr/bin/env bash
# Prepares a bare Debian machine for devenv: Docker engine, debootstrap, OpenSSH
# client, and a running dockerd. Safe to run again: it only does what is missing.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v vagrant >/dev/null 2>&1 || need+=(vagrant)
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup-host: installing ${need[*]}" >&2
  as_root apt-get update -qq
  # With their recommends, as the tests ran: docker.io's cgroupfs-mount and xz-utils, vagrant's libvirt plugin.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! as_root docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    echo "setup-host: starting docker with systemctl" >&2
    as_root systemctl start docker
  else
    # No systemd on this machine (CI, containers): run the engine in the background.
    echo "setup-host: starting dockerd in the background (log: /var/log/dockerd.log)" >&2
    as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do
    as_root docker info >/dev/null 2>&1 && break
    sleep 1
  done
  as_root docker info >/dev/null 2>&1 || { echo "setup-host: dockerd did not start; see /var/log/dockerd.log" >&2; exit 3; }
fi
echo "setup-host: Docker $(as_root docker version --format '{{.Server.Version}}') is up" >&2
