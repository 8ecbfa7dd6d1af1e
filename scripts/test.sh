#!/usr/bin/env bash
# The tests: set-up (with the tests' kube-apiserver), the lint, then the whole mocha suite (unit and integration, on real Temporal, etcd and SSH).
# The suite runs in two lanes at once (.mocharc.js: TEST_LANE): lane 1 prints as it goes, lane 2 (files that
# mostly wait, on blocks and ports of their own, with a Temporal dev server of its own on the next port) is
# printed when both have ended; the last line adds up both. Files named as arguments run in one mocha, as before.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
echo "[test] lint (Biome: formatter and linter)"
npm run --silent lint
# Everything the tests write to a temporary folder (labs, logs, the dev servers' and Prometheus' files)
# goes into one folder of this run, removed when it ends, passed or failed: the machine is left as it was
# found. ETCD_SCALEOUT_KEEP_LABS=1 keeps it (its path printed), to read a failed test's lab and logs.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/etcd-scaleout-test-XXXXXX")"
chmod 755 "$run_tmp" # the lab's PostgreSQL runs as its own user and reads its data dir below it
export TMPDIR="$run_tmp"
remove_run_tmp() {
  if [ "${ETCD_SCALEOUT_KEEP_LABS:-0}" = 1 ]; then echo "[test] kept $run_tmp"; else rm -rf "$run_tmp"; fi
}
trap remove_run_tmp EXIT
start=$(date +%s)
status=0
if [ $# -gt 0 ]; then
  npx mocha "$@" || status=$?
  echo "suite time: $(($(date +%s) - start))s"
  exit $status
fi
port="${TEST_TEMPORAL_PORT:-7244}"
logs="$(mktemp -d "$run_tmp/lanes-XXXXXX")"
TEST_LANE=2 TEST_TEMPORAL_PORT=$((port + 1)) npx mocha >"$logs/lane2" 2>&1 &
lane2=$!
# An interrupted run stops lane 2 too (its mocha's root hooks stop its labs and its dev server).
trap 'kill -INT "$lane2" 2>/dev/null || true; wait "$lane2" 2>/dev/null || true; remove_run_tmp' EXIT
echo "[test] lane 2 started in the background (pid $lane2, Temporal port $((port + 1))): printed when both lanes end"
TEST_LANE=1 TEST_TEMPORAL_PORT=$port npx mocha 2>&1 | tee "$logs/lane1" || status=$?
echo "lane 1 time: $(($(date +%s) - start))s"
wait $lane2 || status=$?
echo
echo "[test] lane 2:"
cat "$logs/lane2"
# Both lanes' closing lines, added up: the one line CI reads.
awk '/^tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { p += $2; f += $4; s += $6; n++ }
  END {
    if (n != 2) { printf "tests: a lane ended without its closing line (%d of 2 found)\n", n; exit 1 }
    printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s
  }' "$logs/lane1" "$logs/lane2" || status=1
echo "suite time: $(($(date +%s) - start))s"
exit $status
