#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the tests: a temporary data directory, trust
# authentication, listening on 127.0.0.1 only, on a free port. Installs the server from Debian's
# packages when it is missing.
#   scripts/pg-test-server.sh start   → prints "URL DATADIR" on stdout
#   scripts/pg-test-server.sh stop DIR
set -euo pipefail
cmd=${1:?start or stop}
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ "$cmd" = start ]; then
  bin=$(find_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "pg-test-server: installing postgresql" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin)
  fi
  dir=$(mktemp -d /tmp/nianbao-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  run=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U nianbao --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "$dir" > "$dir/dir"
  printf "postgresql://nianbao@127.0.0.1:%s/postgres %s\n" "$port" "$dir"
elif [ "$cmd" = stop ]; then
  dir=${2:?data directory}
  bin=$(find_bin)
  run=()
  [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
fi
