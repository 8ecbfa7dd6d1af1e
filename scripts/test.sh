#!/usr/bin/env bash
# The tests: set-up (with the tests' kube-apiserver), the lint, then the whole mocha suite (unit and integration, on real Temporal, etcd and SSH).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
echo "[test] lint (Biome: formatter and linter)"
npm run --silent lint
start=$(date +%s)
status=0
npx mocha "$@" || status=$?
echo "suite time: $(( $(date +%s) - start ))s"
exit $status
