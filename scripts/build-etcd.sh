#!/usr/bin/env bash
# Builds etcd and etcdctl of one pinned version from the Go modules, into a cache outside the checkout:
#   $CACHE/etcd/<version>/{etcd,etcdctl}
# `go install go.etcd.io/etcd/server/v3@vX` is refused (the module has replace directives), so this
# builds a two-line main package per binary, exactly what etcd's own server/main.go and etcdctl/main.go are.
# Usage: scripts/build-etcd.sh 3.6.14
set -euo pipefail
version="${1:?usage: build-etcd.sh <version, e.g. 3.6.14>}"
version="${version#v}"
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
out="$CACHE/etcd/$version"
if [ -x "$out/etcd" ] && [ -x "$out/etcdctl" ]; then exit 0; fi
GO="$(command -v go || echo /usr/local/go/bin/go)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etcd" "$work/etcdctl" "$out"

cat >"$work/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
cat >"$work/etcdctl/main.go" <<'GO'
package main

import "go.etcd.io/etcd/etcdctl/v3/ctlv3"

func main() { ctlv3.MustStart() }
GO

# `go mod tidy -e`: for etcdctl 3.5.x, tidy stops at an ambiguous import (cloud.google.com/go/compute/metadata,
# in two modules) reached only through a test of a dependency (otelgrpc.test -> grpc/interop -> oauth2/google),
# which the build never compiles; -e records everything else and the build is unaffected.
build() { # dir module binary
  local log="$work/$1.log"
  [ -x "$out/$3" ] && return 0
  if ! (cd "$work/$1" && "$GO" mod init "local/$1" && "$GO" get "$2@v$version" && "$GO" mod tidy -e &&
    CGO_ENABLED=0 "$GO" build -trimpath -o "$out/$3.tmp" . && mv "$out/$3.tmp" "$out/$3") >"$log" 2>&1; then
    echo "build-etcd.sh: building $3 $version failed; last lines:" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
}
build etcd go.etcd.io/etcd/server/v3 etcd
build etcdctl go.etcd.io/etcd/etcdctl/v3 etcdctl
"$out/etcd" --version | sed -n 1p
