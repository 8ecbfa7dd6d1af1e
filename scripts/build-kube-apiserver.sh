#!/usr/bin/env bash
# Builds kube-apiserver and kubeadm of one pinned Kubernetes version from the Go modules, into a cache outside the checkout:
#   $CACHE/kube-apiserver/<version>/kube-apiserver and $CACHE/kube-apiserver/<version>/kubeadm
# (kubeadm: the tests regenerate an apiserver manifest from kubeadm's ClusterConfiguration with the real tool).
# `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` is refused (k8s.io/kubernetes's go.mod replaces its staging
# modules with ./staging/...), so this builds a consumer module with one main package per binary: k8s's own
# cmd/kube-apiserver/apiserver.go and cmd/kubeadm/kubeadm.go, copied from the module cache; its go.mod takes the go/godebug lines of k8s's
# go.mod, requires k8s.io/kubernetes and replaces every module of k8s's replace block with its published
# k8s.io/<m> v0.<minor>.<patch>. Measured on 2 cores: 7.5 min cold when idle, 12.0 min cold while other builds
# shared them (430 s user + 103 s system CPU), 1.8-2.1 GB peak memory, ~2.6 GB of module and build caches, a
# 99 MB binary; 21 s again with warm caches. kubeadm, built after kube-apiserver from the same module and
# caches: 41.6 s (25.9 s user + 6.1 s system CPU, 1.1 GB peak), a 73 MB binary. Only the tests run them
# (scripts/setup.sh --tests builds them).
# Usage: scripts/build-kube-apiserver.sh [version, default lab/kube-apiserver-version's]
set -euo pipefail
version="${1:-$(awk '!/^#/ && NF { print $1; exit }' "$(dirname "$0")/../lab/kube-apiserver-version")}"
version="v${version#v}"
staging="v0.${version#v1.}" # k8s.io/kubernetes v1.35.4 publishes its staging modules as v0.35.4
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
out="$CACHE/kube-apiserver/$version"
# Only the binaries missing are built (kubeadm was added after kube-apiserver: a cache holding only the latter gets kubeadm alone).
binaries=()
for b in kube-apiserver kubeadm; do [ -x "$out/$b" ] || binaries+=("$b"); done
if [ "${#binaries[@]}" -eq 0 ]; then exit 0; fi
GO="$(command -v go || echo /usr/local/go/bin/go)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/build.log"
mkdir -p "$out"

fail() {
  echo "build-kube-apiserver.sh: $1; last lines of the log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

# The k8s.io/kubernetes module itself: its go.mod and the apiserver's main file.
info="$(cd "$work" && "$GO" mod download -json "k8s.io/kubernetes@$version" 2>>"$log")" ||
  fail "downloading k8s.io/kubernetes@$version failed"
k8s_dir="$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
declare -A main_file=([kube-apiserver]=cmd/kube-apiserver/apiserver.go [kubeadm]=cmd/kubeadm/kubeadm.go)
for b in "${binaries[@]}"; do
  [ -f "$k8s_dir/go.mod" ] && [ -f "$k8s_dir/${main_file[$b]}" ] ||
    fail "k8s.io/kubernetes@$version has no go.mod or ${main_file[$b]} under '$k8s_dir'"
  mkdir -p "$work/$b"
  cp "$k8s_dir/${main_file[$b]}" "$work/$b/main.go"
  chmod u+w "$work/$b/main.go"
done

# go.mod: k8s's go and godebug lines (single or block form), then the require and one replace per staging module.
{
  echo "module local/kube-apiserver"
  echo
  awk '
    /^go [0-9]/ { print; next }
    /^godebug \(/ { block = 1; print; next }
    block && /^\)/ { block = 0; print; next }
    block { print; next }
    /^godebug / { print }
  ' "$k8s_dir/go.mod"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  awk '
    /^replace \(/ { block = 1; next }
    block && /^\)/ { block = 0; next }
    block && $2 == "=>" { print $1; next }
    /^replace / && $3 == "=>" { print $2 }
  ' "$k8s_dir/go.mod" | while read -r module; do
    echo "replace $module => $module $staging"
  done
} >"$work/go.mod"
grep -q '^replace k8s.io/api ' "$work/go.mod" || fail "no replace block found in k8s.io/kubernetes@$version's go.mod"

pkg=k8s.io/component-base/version
client=k8s.io/client-go/pkg/version
minor="${version#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for p in "$pkg" "$client"; do
  ldflags="$ldflags -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
(cd "$work" && "$GO" mod tidy) >>"$log" 2>&1 || fail "go mod tidy for $version failed"
for b in "${binaries[@]}"; do
  (cd "$work" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" -o "$out/$b.tmp" "./$b") \
    >>"$log" 2>&1 || fail "building $b $version failed"
  mv "$out/$b.tmp" "$out/$b"
done
"$out/kube-apiserver" --version
"$out/kubeadm" version -o short
