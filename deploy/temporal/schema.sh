#!/bin/sh
# Creates or upgrades temporal-server's two PostgreSQL databases with temporal-sql-tool, whose schemas
# are embedded in it (so the tool and the server must be the same version, lab/temporal-server-version).
# Run before every start of a new server version; safe to run again (an existing database is kept and
# only the missing schema versions are applied). The same steps for the tests' lab
# (lab/temporalServer.ts), docker-compose.yml's temporal-schema job and docs/production.md:
#   temporal      create, setup-schema -v 0.0, update-schema --schema-name postgresql/v12/temporal
#   temporal_visibility   the same with postgresql/v12/visibility (it runs CREATE EXTENSION btree_gin)
# Environment: TEMPORAL_DB_HOST [127.0.0.1] TEMPORAL_DB_PORT [5432] TEMPORAL_DB_USER [temporal]
#   TEMPORAL_DB_PASSWORD_FILE (a file holding the password; none for trust authentication)
#   TEMPORAL_DB_NAME [temporal] TEMPORAL_VISIBILITY_DB_NAME [temporal_visibility]
#   TEMPORAL_SQL_TOOL [temporal-sql-tool on PATH]
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
export SQL_PLUGIN=postgres12
export SQL_HOST="${TEMPORAL_DB_HOST:-127.0.0.1}"
export SQL_PORT="${TEMPORAL_DB_PORT:-5432}"
export SQL_USER="${TEMPORAL_DB_USER:-temporal}"
if [ -n "${TEMPORAL_DB_PASSWORD_FILE:-}" ]; then
  SQL_PASSWORD="$(cat "$TEMPORAL_DB_PASSWORD_FILE")"
  export SQL_PASSWORD
fi

apply() { # database, embedded schema name
  out="$("$tool" --db "$1" create 2>&1)" || case "$out" in
    *"already exists"*) ;;
    *) printf '%s\n' "$out" >&2; exit 1 ;;
  esac
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema --schema-name "$2"
  echo "schema.sh: $1 is at the schema $tool $($tool --version 2>/dev/null | awk '{ print $NF }') embeds ($2)"
}
apply "${TEMPORAL_DB_NAME:-temporal}" postgresql/v12/temporal
apply "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" postgresql/v12/visibility
