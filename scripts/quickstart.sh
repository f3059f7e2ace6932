#!/usr/bin/env bash
# One command on a fresh machine: set up the host, install devenv, and bring up
# the bundled example (profiles/mysite): nginx in front of a gunicorn app on a
# unix socket, served on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
# npm install, not npm ci: the registry here serves only this platform's optional packages,
# so the lock cannot list every platform and `npm ci` refuses it. The lock is still honoured.
npm install --no-audit --no-fund
node bin/devenv.js -p profiles/mysite/devenv.yaml up
echo
echo "The example is up: curl http://127.0.0.1:8080/   (devenv -p profiles/mysite/devenv.yaml status)"
