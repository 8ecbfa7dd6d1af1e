#!/usr/bin/env bash
# Builds temporal-server and temporal-sql-tool of one pinned version from the Go module, into a cache
# outside the checkout: $CACHE/temporal-server/<version>/{temporal-server,temporal-sql-tool}
# (go.temporal.io/server has no replace directive, so go install builds it as released; CGO off: static).
# Usage: scripts/build-temporal-server.sh v1.32.1
set -euo pipefail
version="${1:?usage: build-temporal-server.sh <version, e.g. v1.32.1>}"
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
out="$CACHE/temporal-server/$version"
if [ -x "$out/temporal-server" ] && [ -x "$out/temporal-sql-tool" ]; then exit 0; fi
GO="$(command -v go || echo /usr/local/go/bin/go)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
GOBIN="$work" CGO_ENABLED=0 "$GO" install \
  "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version"
mkdir -p "$out"
mv "$work/sql" "$out/temporal-sql-tool"
mv "$work/server" "$out/temporal-server"
"$out/temporal-server" --version
