#!/usr/bin/env bash
# Installs what the demo and the tests need, on Debian as root. Idempotent, and quick when done:
#   Debian packages: etcd-server, etcd-client, openssh-server (+ client, util-linux, iproute2)
#   the Temporal CLI (dev server with Web UI), built once into a cache outside the checkout
#   npm packages (npm ci), then the TypeScript build
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
TEMPORAL_CLI_VERSION=v1.5.1   # later tags carry a replace directive that go install refuses
mkdir -p "$CACHE/bin"

say() { printf '[setup] %s\n' "$*"; }

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || command -v temporal >/dev/null 2>&1 || [ -x "$CACHE/bin/temporal" ] || missing+=(golang-go)
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

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.etcd-scaleout-lock; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.etcd-scaleout-lock
fi
say "building"
npx tsc -p tsconfig.json
