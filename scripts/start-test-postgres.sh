#!/usr/bin/env bash
# Make sure a PostgreSQL server for the test suite runs on 127.0.0.1:5432, with a
# login role `dangan` (password `dangan`, CREATEDB) owning a UTF-8 database
# `dangan_test`. Prints the SQLAlchemy URL, and only that, on stdout; everything
# else goes to stderr. Idempotent: safe to run again while the server runs.
#
# Uses Debian's postgresql-common tools (pg_lsclusters, pg_createcluster,
# pg_ctlcluster). Run it as root or as the postgres user.
#
#   DANGAN_TEST_DATABASE_URL="$(bash scripts/start-test-postgres.sh)" pytest
set -euo pipefail

PGPORT_WANTED="${DANGAN_TEST_PGPORT:-5432}"   # override only to test this script
ROLE=dangan
PASSWORD=dangan
DATABASE=dangan_test
URL="postgresql+psycopg://${ROLE}:${PASSWORD}@127.0.0.1:${PGPORT_WANTED}/${DATABASE}"

log() { printf 'start-test-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Every diagnostic goes to stderr: keep stdout for the URL alone.
exec 3>&1 1>&2

for tool in pg_lsclusters pg_ctlcluster pg_createcluster; do
    command -v "$tool" >/dev/null 2>&1 \
        || die "$tool not found: install Debian's postgresql package (make system)"
done

# Run a command as the postgres user, from / so that it can read its cwd.
as_postgres() {
    if [ "$(id -un)" = postgres ]; then
        (cd / && "$@")
    elif [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
        fi
    elif command -v sudo >/dev/null 2>&1; then
        (cd / && sudo -n -u postgres -- "$@")
    else
        die "run this script as root or as the postgres user"
    fi
}

# --- 1. a cluster on port 5432 ------------------------------------------------
# pg_lsclusters -h: "VERSION NAME PORT STATUS OWNER DATADIR LOGFILE"
cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT_WANTED" '$3 == p' | head -n 1; }

line="$(cluster_line)"
if [ -z "$line" ]; then
    version=""
    for server in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$server" ] || continue
        v="${server#/usr/lib/postgresql/}"; v="${v%%/*}"
        if [ -z "$version" ] || [ "$(printf '%s\n%s\n' "$version" "$v" | sort -V | tail -n 1)" = "$v" ]; then
            version="$v"
        fi
    done
    [ -n "$version" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    name=main
    if pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
        name=dangan   # a "main" cluster exists on another port: leave it alone
    fi
    log "no cluster on port $PGPORT_WANTED; creating $version/$name"
    pg_createcluster --port "$PGPORT_WANTED" --encoding UTF8 --locale C.UTF-8 \
        "$version" "$name" </dev/null >&2 3>&-
    line="$(cluster_line)"
    [ -n "$line" ] || die "pg_createcluster did not create a cluster on port $PGPORT_WANTED"
fi

read -r version name _port status _rest <<<"$line"

# --- 2. running --------------------------------------------------------------
if [ "$status" != online ]; then
    log "starting cluster $version/$name"
    # pg_ctlcluster creates /var/run/postgresql when it is missing and
    # removes a stale postmaster.pid left by a killed server. The server it
    # starts lives on: it must not inherit our stdout, stderr or fd 3, or a
    # caller reading them through a pipe ($(...), | tee) would never see EOF.
    startlog="$(mktemp)"
    if ! pg_ctlcluster "$version" "$name" start </dev/null >"$startlog" 2>&1 3>&-; then
        cat "$startlog"; rm -f "$startlog"
        die "pg_ctlcluster $version $name start failed; see /var/log/postgresql/postgresql-$version-$name.log"
    fi
    cat "$startlog"; rm -f "$startlog"
else
    log "cluster $version/$name already running"
fi

ready=""
for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$PGPORT_WANTED"; then ready=1; break; fi
    sleep 0.5
done
[ -n "$ready" ] || die "server on 127.0.0.1:$PGPORT_WANTED did not accept connections within 30 s"

# --- 3. role and database ----------------------------------------------------
psql_admin() {
    as_postgres psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --no-align --tuples-only \
        --port "$PGPORT_WANTED" "$@"
}

psql_admin --dbname postgres >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
        CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
        RAISE NOTICE 'created role ${ROLE}';
    ELSE
        ALTER ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
    END IF;
END
\$\$;
SQL

encoding="$(psql_admin --dbname postgres \
    --command "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '${DATABASE}'")"
if [ -n "$encoding" ] && [ "$encoding" != UTF8 ]; then
    log "database $DATABASE has encoding $encoding; recreating it as UTF8"
    psql_admin --dbname postgres --command "DROP DATABASE ${DATABASE} WITH (FORCE)" >&2
    encoding=""
fi
if [ -z "$encoding" ]; then
    log "creating database $DATABASE"
    # template0 + C locale: UTF8 whatever the cluster's own locale and encoding.
    psql_admin --dbname postgres --command \
        "CREATE DATABASE ${DATABASE} OWNER ${ROLE} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >&2
else
    psql_admin --dbname postgres --command "ALTER DATABASE ${DATABASE} OWNER TO ${ROLE}" >&2
fi

# --- 4. the URL works --------------------------------------------------------
PGPASSWORD="$PASSWORD" psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 \
    "postgresql://${ROLE}@127.0.0.1:${PGPORT_WANTED}/${DATABASE}" --command 'SELECT 1' >/dev/null \
    || die "cannot log in as $ROLE over TCP on 127.0.0.1:$PGPORT_WANTED (check pg_hba.conf)"

log "ready: $DATABASE on 127.0.0.1:$PGPORT_WANTED (cluster $version/$name)"
printf '%s\n' "$URL" >&3
