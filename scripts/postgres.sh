#!/usr/bin/env bash
# Sourced by scripts/test.sh: installs PostgreSQL from Debian's packages when
# it is missing, starts a throwaway server on 127.0.0.1:${LIANXI_TEST_PG_PORT:-55432}
# and exports LIANXI_TEST_PG_DSN for the tests. A DSN already in the
# environment is used as it is. LIANXI_TEST_PG_DURABLE=1 keeps PostgreSQL's
# durable defaults (fsync on), as the benchmark needs; tests run with fsync
# off, which is safe for a throwaway server and faster.

pg_start() {
  if [ -n "${LIANXI_TEST_PG_DSN:-}" ]; then
    echo "using PostgreSQL at LIANXI_TEST_PG_DSN"
    export LIANXI_TEST_PG_BIN="${LIANXI_TEST_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
    return
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "installing PostgreSQL (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local port=${LIANXI_TEST_PG_PORT:-55432}
  # Skip ports something else already listens on.
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  PG_TEST_DIR=$(mktemp -d /tmp/lianxi-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_TEST_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -A trust -U postgres >/dev/null
  local fsync="-c fsync=off"
  [ -n "${LIANXI_TEST_PG_DURABLE:-}" ] && fsync=""
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w start \
    -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 $fsync -c max_connections=200" >/dev/null
  PG_TEST_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop)
  export LIANXI_TEST_PG_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  export LIANXI_TEST_PG_BIN="$bin"
  echo "PostgreSQL started on 127.0.0.1:$port"
}

pg_stop() {
  if [ -n "${PG_TEST_STOP:-}" ]; then
    "${PG_TEST_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
  fi
}
