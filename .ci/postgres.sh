#!/usr/bin/env bash
# A throwaway PostgreSQL for the orchestrator's tests: Debian's packages, a cluster in a temp
# directory on a free port, trust auth on loopback only. Sourced by .ci/run; usable by hand:
#   source .ci/postgres.sh && pg_test_start   # exports AUTONOMY_TEST_PG_URL
#   pg_test_stop
# Runs as the current user, or as `postgres` when that is root (initdb refuses root).

pg_test_start() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
  fi
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_TEST_DIR="$(mktemp -d /tmp/autonomy-pg.XXXXXX)"
  local port
  # A free port from the kernel (python3, else node, else a fixed high port).
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null || echo 55432)"
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_TEST_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_TEST_DIR/initdb.log" 2>&1 || { cat "$PG_TEST_DIR/initdb.log"; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TEST_DIR -c fsync=off -c max_connections=200" start >/dev/null || { cat "$PG_TEST_DIR/server.log"; return 1; }
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres autonomy_test
  PG_TEST_BIN="$bin"
  PG_TEST_AS="${as[*]}"
  export PG_TEST_DIR PG_TEST_BIN PG_TEST_AS
  export AUTONOMY_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/autonomy_test"
  echo "postgres: $AUTONOMY_TEST_PG_URL (data in $PG_TEST_DIR)"
}

pg_test_stop() {
  [ -n "${PG_TEST_DIR:-}" ] || return 0
  # shellcheck disable=SC2086
  $PG_TEST_AS "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
  unset PG_TEST_DIR AUTONOMY_TEST_PG_URL
}
