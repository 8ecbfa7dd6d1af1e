#!/usr/bin/env bash
# Installs what the demo and the tests need, on Debian as root. Idempotent, and quick when done:
#   Debian packages: etcd-server, etcd-client, openssh-server (+ client, util-linux, iproute2, openssl)
#   the Temporal CLI (dev server with Web UI), built once into a cache outside the checkout
#   the pinned etcd versions of lab/etcd-versions, each built once into the same cache (scripts/build-etcd.sh)
#   with --tests only (scripts/test.sh): kube-apiserver, built once into the same cache (scripts/build-kube-apiserver.sh);
#     only the tests' control-plane lab runs an apiserver, so the demo's set-up does not wait ~8 minutes for it
#   npm packages (npm ci), then the TypeScript build
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
KUBE_APISERVER_VERSION="$(awk '!/^#/ && NF { print $1; exit }' lab/kube-apiserver-version)"
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
TEMPORAL_CLI_VERSION=v1.5.1   # later tags carry a replace directive that go install refuses
mkdir -p "$CACHE/bin"

say() { printf '[setup] %s\n' "$*"; }

missing=()
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
etcd_to_build=()
for version in $(awk '!/^#/ && $2 == "build" { print $1 }' lab/etcd-versions); do
  [ -x "$CACHE/etcd/$version/etcd" ] && [ -x "$CACHE/etcd/$version/etcdctl" ] || etcd_to_build+=("$version")
done
kube_apiserver_to_build=false
if $for_tests && [ ! -x "$CACHE/kube-apiserver/$KUBE_APISERVER_VERSION/kube-apiserver" ]; then kube_apiserver_to_build=true; fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  { [ "${#etcd_to_build[@]}" -gt 0 ] || $kube_apiserver_to_build || ! { command -v temporal >/dev/null 2>&1 || [ -x "$CACHE/bin/temporal" ]; }; } && missing+=(golang-go)
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if command -v temporal >/dev/null 2>&1; then
  say "Temporal CLI: $(command -v temporal)"
elif [ -x "$CACHE/bin/temporal" ]; then
  say "Temporal CLI: $CACHE/bin/temporal"
else
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  say "building the Temporal CLI $TEMPORAL_CLI_VERSION into $CACHE/bin (a few minutes, once)"
  if ! GOBIN="$CACHE/bin" CGO_ENABLED=0 "$GO" install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"; then
    say "retrying with -ldflags=-checklinkname=0 (newer Go refuses old linkname uses)"
    GOBIN="$CACHE/bin" CGO_ENABLED=0 "$GO" install -ldflags=-checklinkname=0 "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  fi
fi

# etcd: Debian's stays installed for the version matrix; the others are built from the Go modules.
debian_etcd="$(awk '!/^#/ && $2 == "debian" { print $1 }' lab/etcd-versions)"
if [ -n "$debian_etcd" ] && ! /usr/bin/etcd --version 2>/dev/null | grep -q "etcd Version: $debian_etcd\$"; then
  say "warning: lab/etcd-versions lists Debian's etcd as $debian_etcd, /usr/bin/etcd says: $(/usr/bin/etcd --version 2>&1 | head -n 1)"
fi
for version in "${etcd_to_build[@]}"; do
  say "building etcd $version into $CACHE/etcd/$version (about 2 minutes, once; needs the Go its go.mod names)"
  ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/build-etcd.sh "$version"
done

if $kube_apiserver_to_build; then
  say "building kube-apiserver $KUBE_APISERVER_VERSION into $CACHE/kube-apiserver/$KUBE_APISERVER_VERSION (8-12 minutes on 2 cores, once; for the tests)"
  ETCD_SCALEOUT_CACHE="$CACHE" bash scripts/build-kube-apiserver.sh "$KUBE_APISERVER_VERSION"
fi

# Temporal's time-skipping test server for the workflow tests (the Java SDK's Maven artifact, fetched by mvn, run on the JDK).
bash scripts/install-test-server.sh

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.etcd-scaleout-lock; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.etcd-scaleout-lock
fi
say "building (TypeScript, then the prebuilt workflow bundle)"
out="$(npm run --silent build 2>&1)" || { printf '%s\n' "$out"; exit 1; }
