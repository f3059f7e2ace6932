#!/usr/bin/env bash
# Runs the benchmarks (see bench/run.mjs): build first, then measure side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
node bench/run.mjs "$@"
