#!/usr/bin/env bash
# The bare runbook an SRE would script by hand, for the benchmark to compare the workflow against:
# etcdctl + ssh, no checks beyond what each command needs, no rollback, no record.
#   snapshot save; then per new member: member add --learner, write the membership into the node's
#   env file, start the service, promote as soon as etcd accepts it; finally endpoint health. Each new
#   member's first start runs with the unit's TimeoutStartSec raised by a runtime drop-in (removed right
#   after, by a trap also on failure or hang-up): a Type=notify start waits until the learner has
#   received and applied the leader's database (up to 151 s measured near the 2 GiB quota, on a
#   quiet cluster), and Kubespray's unit keeps systemd's 90 s (docs/performance.md).
#
# Usage: bare-runbook.sh NAME,HOST,PEER_URL,CLIENT_URL [...]
# Environment:
#   ENDPOINTS       client URLs of the existing members, comma-separated (required)
#   ETCDCTL         etcdctl binary (default: etcdctl on PATH)
#   ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY   TLS files, read by etcdctl itself when set
#   SSH_USER, SSH_PORT, SSH_KEY, SSH_KNOWN_HOSTS   how to reach the new nodes
#   ENV_FILE        the node's env file (default /etc/etcd.env); SERVICE (default etcd)
#   DATA_DIR        the node's data dir (default /var/lib/etcd): without ETCD_DATA_DIR etcd uses
#                   ./<name>.etcd in the service's working directory, which outlives the node's state
#   SNAPSHOT        where to save the snapshot (required)
#   START_TIMEOUT   TimeoutStartSec of a new member's first start, in seconds (default 600)
set -euo pipefail
: "${ENDPOINTS:?ENDPOINTS is required}" "${SNAPSHOT:?SNAPSHOT is required}"
ETCDCTL="${ETCDCTL:-etcdctl}"
ENV_FILE="${ENV_FILE:-/etc/etcd.env}"
SERVICE="${SERVICE:-etcd}"
DATA_DIR="${DATA_DIR:-/var/lib/etcd}"
START_TIMEOUT="${START_TIMEOUT:-600}"
dropins="/run/systemd/system/${SERVICE%.service}.service.d"
export ETCDCTL_API=3
first="${ENDPOINTS%%,*}"
# Seconds since $1 (a `date +%s.%N`): each member's times are printed, for the bench to report.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
ssh_to() {
  ssh -o BatchMode=yes -o UserKnownHostsFile="${SSH_KNOWN_HOSTS:-$HOME/.ssh/known_hosts}" -o StrictHostKeyChecking=yes \
    -i "${SSH_KEY:-$HOME/.ssh/id_ed25519}" -p "${SSH_PORT:-22}" "${SSH_USER:-root}@$1" "${@:2}"
}
# Ask again while etcd refuses with a condition that passes by itself (the strict reconfig check, a
# learner not yet in sync); give up after 120 s.
until_accepted() {
  local deadline=$((SECONDS + 120)) out
  while true; do
    if out=$("$@" 2>&1); then printf '%s\n' "$out"; return 0; fi
    if [ $SECONDS -ge $deadline ] || ! grep -qE 'unhealthy cluster|in sync with leader|too many learner' <<<"$out"; then
      printf '%s\n' "$out" >&2; return 1
    fi
    sleep 0.1
  done
}

"$ETCDCTL" --endpoints="$first" snapshot save "$SNAPSHOT" >/dev/null

for spec in "$@"; do
  IFS=, read -r name host peer client <<<"$spec"
  added=$(until_accepted "$ETCDCTL" --endpoints="$ENDPOINTS" member add "$name" --learner --peer-urls="$peer")
  id=$(sed -n 's/^Member  *\([0-9a-f]*\) added.*/\1/p' <<<"$added") # etcdctl 3.4 pads the ID: "Member  8e9e..."
  initial=$(sed -n 's/^ETCD_INITIAL_CLUSTER="\(.*\)"$/\1/p' <<<"$added")
  if [ -z "$id" ] || [ -z "$initial" ]; then printf 'member add %s: unexpected answer:\n%s\n' "$name" "$added" >&2; exit 1; fi
  t0=$(date +%s.%N)
  ssh_to "$host" "sed -i -E '/^(ETCD_NAME|ETCD_DATA_DIR|ETCD_INITIAL_CLUSTER|ETCD_INITIAL_CLUSTER_STATE|ETCD_INITIAL_ADVERTISE_PEER_URLS|ETCD_ADVERTISE_CLIENT_URLS|ETCD_LISTEN_PEER_URLS|ETCD_LISTEN_CLIENT_URLS)=/d' $ENV_FILE 2>/dev/null || true
cat >>$ENV_FILE <<ENV
ETCD_NAME=$name
ETCD_DATA_DIR=$DATA_DIR
ETCD_INITIAL_CLUSTER=$initial
ETCD_INITIAL_CLUSTER_STATE=existing
ETCD_INITIAL_ADVERTISE_PEER_URLS=$peer
ETCD_ADVERTISE_CLIENT_URLS=$client
ETCD_LISTEN_PEER_URLS=$peer
ETCD_LISTEN_CLIENT_URLS=$client
ENV
trap 'rm -f $dropins/50-join.conf; rmdir $dropins 2>/dev/null; systemctl daemon-reload' EXIT; trap 'exit 129' HUP
mkdir -p $dropins && printf '[Service]\\nTimeoutStartSec=%s\\n' $START_TIMEOUT > $dropins/50-join.conf &&
  systemctl daemon-reload && systemctl start $SERVICE"
  started=$(since "$t0"); t0=$(date +%s.%N)
  until_accepted "$ETCDCTL" --endpoints="$ENDPOINTS" member promote "$id" >/dev/null
  printf '%s: env file and start (one ssh) %s s, then promoted after %s s\n' "$name" "$started" "$(since "$t0")"
  ENDPOINTS="$ENDPOINTS,$client"
done

"$ETCDCTL" --endpoints="$ENDPOINTS" endpoint health >/dev/null
