#!/usr/bin/env bash
# The demo: set-up, then a real 3 -> 5 scale-out with the Temporal UI on http://127.0.0.1:8233.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/scripts/demo.js
