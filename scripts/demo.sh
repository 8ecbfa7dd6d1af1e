#!/usr/bin/env bash
# The demo: set-up, then a real 3 -> 5 scale-out with the Temporal UI on http://127.0.0.1:8233.
#   DEMO_TLS=1 (or --tls): over Kubespray-shaped mutual TLS; ETCD_VERSION=3.5.33: another etcd of lab/etcd-versions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# DEP0123: grpc-js names the server by IP address in the TLS handshake (etcd endpoints are IPs), and
# Node warns about it once per process; the certificate is still checked against the IP.
exec node --disable-warning=DEP0123 dist/scripts/demo.js "$@"
