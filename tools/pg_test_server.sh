#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the test suite (CI and developers).
#
#   eval "$(tools/pg_test_server.sh start)"   # starts it, prints `export SHOPCRM_TEST_PG=...`
#   tools/pg_test_server.sh stop
#
# The tests create and drop their own databases through that URL; without it
# they skip the PostgreSQL cases and say so. PostgreSQL refuses to run as root,
# so as root the server runs as the `postgres` user.
set -euo pipefail
action=${1:-start}
dir=${PGTEST_DIR:-/tmp/shopcrm-pgtest}
port=${PGTEST_PORT:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    as_owner "$bindir/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    printf 'shopcrm\n' > "$dir/pw"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
    as_owner "$bindir/initdb" -D "$dir/data" -U shopcrm --pwfile="$dir/pw" \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    # fsync off: a test server's data is thrown away, and CI time is not.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" >/dev/null
    echo "export SHOPCRM_TEST_PG=postgresql://shopcrm:shopcrm@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" stop -m fast >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
