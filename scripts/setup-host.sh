#!/usr/bin/env bash
# Prepares a Debian machine for devenv, installing only what the chosen backend needs,
# and starts the Docker engine where no systemd does. Safe to run again: it only does
# what is missing.
#
#   bash scripts/setup-host.sh              # the Docker backend (the default; the bundled example)
#   bash scripts/setup-host.sh vagrant      # + vagrant (its recommends bring vagrant-libvirt, libvirt, qemu)
#   bash scripts/setup-host.sh libvirt      # + vagrant-libvirt, libvirtd and qemu for real VMs, libvirtd started
#                                           # (without libvirt-daemon-system: no default NAT network is ever defined)
#   bash scripts/setup-host.sh podman       # rootful Podman instead of Docker, its Docker-compatible socket started
#                                           # (then: export DOCKER_HOST=unix:///run/podman/podman.sock)
#   bash scripts/setup-host.sh all          # everything the test suite runs against (what .ci/run uses),
#                                           # with ansible-core: a profile with an `ansible` provisioner runs
#                                           # ansible-playbook on this machine (the other modes leave it out)
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

want=${1:-docker}
case "$want" in docker | vagrant | libvirt | podman | all) ;; *) echo "usage: $0 [docker|vagrant|libvirt|podman|all]" >&2; exit 2 ;; esac

# package → the command that shows it is there
need=()
have() { command -v "$1" >/dev/null 2>&1; }
[ "$want" = podman ] || have dockerd || need+=(docker.io)
have debootstrap || need+=(debootstrap)
have ssh || need+=(openssh-client)
have ssh-keygen || need+=(openssh-client)
if [ "$want" = vagrant ] || [ "$want" = libvirt ] || [ "$want" = all ]; then have vagrant || need+=(vagrant); fi
# Installed without their recommends: libvirt-daemon-system (and its default NAT network,
# a bridge and iptables rules on this host) is never pulled in.
lean=()
if [ "$want" = libvirt ] || [ "$want" = all ]; then
  dpkg -s vagrant-libvirt >/dev/null 2>&1 || lean+=(vagrant-libvirt)
  have libvirtd || lean+=(libvirt-daemon libvirt-daemon-driver-qemu)
  have virsh || lean+=(libvirt-clients)
  have qemu-system-x86_64 || lean+=(qemu-system-x86)
  have qemu-img || lean+=(qemu-utils)
  have mkfs.ext4 || lean+=(e2fsprogs)
  have rsync || lean+=(rsync)
  # The virtualbox box's boot loader, written without mounting (src/box/virtualbox-box.ts).
  have sfdisk || lean+=(fdisk)
  have syslinux || lean+=(syslinux)
  [ -e /usr/lib/syslinux/mbr/mbr.bin ] || lean+=(syslinux-common)
  have mcopy || lean+=(mtools)
  have mkfs.vfat || lean+=(dosfstools)
fi
if [ "$want" = podman ] || [ "$want" = all ]; then
  have podman || need+=(podman)
  have runc || need+=(runc)
  have curl || need+=(curl)
fi
if [ "$want" = all ]; then
  # The host matrix's second engine (test/hosts/cgroup2-engine.sh) and its checks,
  # and rootless Podman (test/hosts/rootless-podman.sh): user namespaces and its network.
  have newuidmap || need+=(uidmap)
  have slirp4netns || need+=(slirp4netns)
  have curl || need+=(curl)
  have iptables || need+=(iptables)
  have ip || need+=(iproute2)
fi
# Without recommends: ansible-core recommends the whole community bundle (ansible), which devenv does not use.
if [ "$want" = all ]; then have ansible-playbook || lean+=(ansible-core); fi
if [ "${#need[@]}" -gt 0 ] || [ "${#lean[@]}" -gt 0 ]; then
  as_root apt-get update -qq
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup-host: installing ${need[*]}" >&2
  # With their recommends, as the tests ran: docker.io's cgroupfs-mount and xz-utils, vagrant's libvirt plugin.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "${#lean[@]}" -gt 0 ]; then
  echo "setup-host: installing ${lean[*]} (without recommends)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi

if [ "$want" = libvirt ] || [ "$want" = all ]; then
  # libvirtd's qemu driver refuses to start without the user Debian's libvirt-daemon-system
  # would create; qemu itself runs as root (qemu.conf below) so it reads boxes under ~/.vagrant.d.
  getent group libvirt-qemu >/dev/null || as_root groupadd --system libvirt-qemu
  id libvirt-qemu >/dev/null 2>&1 || as_root useradd --system -g libvirt-qemu -d /var/lib/libvirt -M -s /usr/sbin/nologin libvirt-qemu
  if [ ! -e /etc/libvirt/qemu.conf ]; then
    as_root sh -c 'printf "%s\n" "# written by devenv scripts/setup-host.sh (libvirt-daemon without libvirt-daemon-system)" "user = \"root\"" "group = \"root\"" > /etc/libvirt/qemu.conf'
  fi
  if ! as_root virsh -c qemu:///system version >/dev/null 2>&1; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      as_root systemctl start libvirtd virtlogd
    else
      echo "setup-host: starting virtlogd and libvirtd in the background (logs: /var/log/libvirt/)" >&2
      as_root mkdir -p /var/log/libvirt
      # virtlogd keeps qemu's console logs: libvirtd cannot start a domain without it.
      pgrep -x virtlogd >/dev/null || as_root sh -c 'nohup virtlogd >/var/log/libvirt/virtlogd-devenv.log 2>&1 &'
      pgrep -x libvirtd >/dev/null || as_root sh -c 'nohup libvirtd >/var/log/libvirt/libvirtd-devenv.log 2>&1 &'
    fi
    for _ in $(seq 1 30); do as_root virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.5; done
    as_root virsh -c qemu:///system version >/dev/null 2>&1 || { echo "setup-host: libvirtd did not start; see /var/log/libvirt/libvirtd-devenv.log" >&2; exit 3; }
  fi
  # Never started by devenv: a network libvirt would start here brings a bridge and NAT rules.
  echo "setup-host: libvirtd answers at qemu:///system (networks: $(as_root virsh -c qemu:///system net-list --name | tr -s '\n' ' ' | sed 's/^ *$/none/'))" >&2
fi

if [ "$want" = podman ]; then
  sock=/run/podman/podman.sock
  if ! as_root curl -fsS --max-time 2 --unix-socket "$sock" http://d/v1.41/version >/dev/null 2>&1; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      as_root systemctl start podman.socket
    else
      echo "setup-host: starting podman's API service in the background (log: /var/log/podman-service.log)" >&2
      as_root sh -c "mkdir -p /run/podman && nohup podman system service --time=0 unix://$sock >/var/log/podman-service.log 2>&1 &"
      for _ in $(seq 1 40); do as_root curl -fsS --max-time 2 --unix-socket "$sock" http://d/v1.41/version >/dev/null 2>&1 && break; sleep 0.25; done
    fi
  fi
  echo "setup-host: Podman $(as_root podman version --format '{{.Server.Version}}' 2>/dev/null || as_root podman --version) answers on $sock: export DOCKER_HOST=unix://$sock" >&2
  exit 0
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
