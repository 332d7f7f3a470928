#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL server for the malgraph-store tests and print its URL.
#
#   export MALGRAPH_TEST_POSTGRES="$(bash crates/store/scripts/start-test-postgres.sh)"
#
# - Installs PostgreSQL with apt-get when no server binaries are found (needs root).
# - Runs the server as a non-root OS user (default `pgtest`, created when missing) because
#   PostgreSQL refuses to run as root; trust authentication on 127.0.0.1 only.
# - Data directory: $MALGRAPH_PG_DATA (default /tmp/malgraph-pgdata); port $MALGRAPH_PG_PORT
#   (default 55432). Creates database `malgraph_test`.
# - Idempotent: a server already answering on the port is reused, an existing cluster is reused.
# - Every wait is bounded. Only the URL goes to stdout; progress goes to stderr.
set -euo pipefail

PORT="${MALGRAPH_PG_PORT:-55432}"
DATA="${MALGRAPH_PG_DATA:-/tmp/malgraph-pgdata}"
OSUSER="${MALGRAPH_PG_OSUSER:-pgtest}"
DB="malgraph_test"
HOST="127.0.0.1"

log() { echo "start-test-postgres: $*" >&2; }

# The server user may not be allowed into the caller's working directory.
cd /tmp

find_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL is not installed and we are not root: cannot install it"
        exit 1
    fi
    log "installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >&2
    timeout 900 apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir || true)"
    if [ -z "$BINDIR" ]; then
        log "PostgreSQL binaries still not found after apt-get install"
        exit 1
    fi
fi

# Run a command as the server's OS user (root cannot run PostgreSQL).
if [ "$(id -u)" -eq 0 ]; then
    if ! id "$OSUSER" >/dev/null 2>&1; then
        log "creating OS user $OSUSER"
        useradd -m -s /bin/sh "$OSUSER" >&2
    fi
    as_pg() { runuser -u "$OSUSER" -- "$@"; }
    DBUSER="$OSUSER"
else
    as_pg() { "$@"; }
    DBUSER="$(id -un)"
fi

ready() { "$BINDIR/pg_isready" -h "$HOST" -p "$PORT" -t 2 >/dev/null 2>&1; }

if ready; then
    log "a server already answers on $HOST:$PORT: reusing it"
else
    # A cluster left by another major version cannot be started by these binaries: redo it.
    if [ -f "$DATA/PG_VERSION" ]; then
        have="$(cat "$DATA/PG_VERSION")"
        want="$("$BINDIR/postgres" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')"
        if [ "$have" != "$want" ]; then
            log "cluster in $DATA is version $have, binaries are $want: re-initialising"
            rm -rf "$DATA"
        fi
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
        log "initdb into $DATA"
        mkdir -p "$DATA"
        if [ "$(id -u)" -eq 0 ]; then chown "$OSUSER" "$DATA"; fi
        chmod 700 "$DATA"
        as_pg "$BINDIR/initdb" -D "$DATA" -U "$DBUSER" --auth=trust -E UTF8 --locale=C >&2
    fi
    # A stale pid file from a killed server would block the start.
    if [ -f "$DATA/postmaster.pid" ] && ! as_pg "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        rm -f "$DATA/postmaster.pid"
    fi
    log "starting server on $HOST:$PORT"
    as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=$HOST -c unix_socket_directories=$DATA -c max_connections=200 -c fsync=off" \
        start >&2
    for _ in $(seq 1 60); do
        ready && break
        sleep 1
    done
    if ! ready; then
        log "server did not become ready; log follows"
        tail -n 40 "$DATA/server.log" >&2 || true
        exit 1
    fi
fi

PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL="psql"
exists="$(as_pg "$PSQL" -h "$HOST" -p "$PORT" -U "$DBUSER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null || true)"
if [ "$exists" != "1" ]; then
    log "creating database $DB"
    as_pg "$PSQL" -h "$HOST" -p "$PORT" -U "$DBUSER" -d postgres -qc "CREATE DATABASE $DB" >&2
fi

echo "postgres://$DBUSER@$HOST:$PORT/$DB"
