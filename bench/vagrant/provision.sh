#!/bin/sh
# The bundled example (profiles/mysite) as a careful Vagrant shell provisioner
# writes it: the same pins, account, files, modes and services as devenv's
# manifests, idempotent (a second run changes nothing), and services refreshed
# only when one of their files changed. Files come from /bench/files (a synced
# folder holding the files devenv rendered), so both converge to the same bytes.
set -eu
export DEBIAN_FRONTEND=noninteractive
F=/bench/files
refresh_nginx=0
refresh_mysite=0
reload_units=0

# Packages: exact Debian pins, one apt-get transaction, only when a pin is not installed.
missing=""
for pin in nginx-common=1.22.1-9+deb12u9 nginx=1.22.1-9+deb12u9 python3-venv=3.11.2-1+b1 \
           python3-gunicorn=20.1.0-6+deb12u1 gunicorn=20.1.0-6+deb12u1 \
           openssh-server=1:9.2p1-2+deb12u10 fail2ban=1.0.2-2 python3-systemd=235-1+b2 \
           unattended-upgrades=2.9.1+nmu3 logrotate=3.21.0-1; do
  installed=$(dpkg-query -W -f='${Status} ${Version}' "${pin%%=*}" 2>/dev/null || true)
  [ "$installed" = "install ok installed ${pin#*=}" ] || missing="$missing $pin"
done
if [ -n "$missing" ]; then
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Account.
getent group mysite >/dev/null || groupadd --system mysite
getent passwd mysite >/dev/null || useradd --system --gid mysite --shell /usr/sbin/nologin --home-dir /srv/mysite --no-create-home mysite

# Directories.
install -d -o root -g root -m 0755 /srv/mysite
install -d -o root -g mysite -m 0750 /srv/mysite/app /etc/mysite

# put SRC DEST OWNER GROUP MODE: copy when the content differs, then fix owner and mode; status 0 when it changed.
put() {
  changed=1
  if ! cmp -s "$F$1" "$1"; then install -o "$2" -g "$3" -m "$4" "$F$1" "$1"; changed=0; fi
  [ "$(stat -c '%U:%G %a' "$1")" = "$2:$3 ${4#0}" ] || { chown "$2:$3" "$1"; chmod "$4" "$1"; changed=0; }
  return $changed
}
if put /etc/nginx/nginx.conf root root 0644; then refresh_nginx=1; fi
if put /etc/nginx/sites-available/mysite root root 0644; then refresh_nginx=1; fi
if [ -e /etc/nginx/sites-enabled/default ]; then rm -f /etc/nginx/sites-enabled/default; refresh_nginx=1; fi
if [ "$(readlink /etc/nginx/sites-enabled/mysite || true)" != /etc/nginx/sites-available/mysite ]; then
  ln -sfn /etc/nginx/sites-available/mysite /etc/nginx/sites-enabled/mysite; refresh_nginx=1
fi
if put /srv/mysite/app/wsgi.py root mysite 0640; then refresh_mysite=1; fi
if put /etc/mysite/secrets.env root mysite 0640; then refresh_mysite=1; fi
if put /etc/mysite/gunicorn.conf.py root mysite 0640; then refresh_mysite=1; fi
if put /etc/systemd/system/mysite.service root root 0644; then refresh_mysite=1; reload_units=1; fi

# manifests/hardening.yaml
refresh_ssh=0
refresh_fail2ban=0
if put /etc/ssh/sshd_config.d/hardening.conf root root 0644; then refresh_ssh=1; fi
if put /etc/fail2ban/jail.d/sshd.local root root 0644; then refresh_fail2ban=1; fi
put /etc/apt/apt.conf.d/20auto-upgrades root root 0644 || true
put /etc/logrotate.d/mysite root root 0644 || true

# The venv sees Debian's python3-gunicorn.
[ -x /srv/mysite/venv/bin/python ] || python3 -m venv --system-site-packages /srv/mysite/venv

# Services: enabled and running; reload nginx / restart the app only when their files changed.
[ "$reload_units" = 0 ] || systemctl daemon-reload
for unit in nginx mysite ssh fail2ban; do
  systemctl is-enabled --quiet "$unit" || systemctl enable --quiet "$unit"
done
if ! systemctl is-active --quiet nginx; then systemctl start nginx
elif [ "$refresh_nginx" = 1 ]; then systemctl reload nginx; fi
if ! systemctl is-active --quiet mysite; then systemctl start mysite
elif [ "$refresh_mysite" = 1 ]; then systemctl restart mysite; fi
if ! systemctl is-active --quiet ssh; then systemctl start ssh
elif [ "$refresh_ssh" = 1 ]; then systemctl reload ssh; fi
if ! systemctl is-active --quiet fail2ban; then systemctl start fail2ban
elif [ "$refresh_fail2ban" = 1 ]; then systemctl restart fail2ban; fi
