#!/usr/bin/env bash
# The tests: set-up, then the whole mocha suite (unit and integration, on real Temporal, etcd and SSH).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
start=$(date +%s)
status=0
npx mocha "$@" || status=$?
echo "suite time: $(( $(date +%s) - start ))s"
exit $status
