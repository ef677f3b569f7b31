# A throwaway PostgreSQL cluster for the tests, sourced by scripts/test.
#
# pg_throwaway_start: initdb into a temporary folder, start the server on a free loopback port
# (random, retried when taken meanwhile) with trust authentication, and export DATABASE_URL. pg_throwaway_stop: stop it and delete
# the folder. initdb refuses to run as root, so as root the cluster runs as the `postgres`
# account.

pg_throwaway_find() {
  local tool=$1 candidate
  if command -v "$tool" >/dev/null 2>&1; then
    command -v "$tool"
    return 0
  fi
  for candidate in /usr/lib/postgresql/*/bin/"$tool" /usr/local/pgsql/bin/"$tool"; do
    if [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

pg_throwaway_fail() {
  echo "scripts/test: $*" >&2
  echo "scripts/test: the PostgreSQL tests need a server. Either install the PostgreSQL server" >&2
  echo "  (Debian/Ubuntu: apt-get install postgresql; it provides initdb and pg_ctl), or point" >&2
  echo "  DATABASE_URL at a server where this user may create databases, e.g." >&2
  echo "  DATABASE_URL=postgres://postgres:secret@127.0.0.1:5432/postgres scripts/test" >&2
  exit 1
}

pg_throwaway_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_throwaway_start() {
  local initdb pg_ctl port
  initdb=$(pg_throwaway_find initdb) || pg_throwaway_fail "initdb was not found"
  pg_ctl=$(pg_throwaway_find pg_ctl) || pg_throwaway_fail "pg_ctl was not found"
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    pg_throwaway_fail "running as root, and there is no 'postgres' account to run initdb as"
  fi

  PG_THROWAWAY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shiftcoach-pg.XXXXXX")
  chmod 755 "$PG_THROWAWAY_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_THROWAWAY_DIR"; fi

  pg_throwaway_as_owner "$initdb" --pgdata="$PG_THROWAWAY_DIR/data" --username=postgres \
    --auth=trust --encoding=UTF8 --no-sync >"$PG_THROWAWAY_DIR/initdb.log" 2>&1 \
    || { cat "$PG_THROWAWAY_DIR/initdb.log" >&2; pg_throwaway_fail "initdb failed"; }

  # A free loopback port, picked at random from a wide range so that clusters started at the
  # same moment (tests that start servers of their own run in parallel) rarely pick the same
  # one; a port taken between the check and the start is retried with another.
  local attempt started=
  for attempt in $(seq 1 20); do
    port=$((54329 + RANDOM % 5000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if pg_throwaway_as_owner "$pg_ctl" --pgdata="$PG_THROWAWAY_DIR/data" --wait \
      --log="$PG_THROWAWAY_DIR/server.log" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_THROWAWAY_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
      start >/dev/null; then
      started=yes
      break
    fi
    grep -q "could not bind\|could not create lock file\|already in use" "$PG_THROWAWAY_DIR/server.log" 2>/dev/null \
      || break
  done
  [ -n "$started" ] \
    || { cat "$PG_THROWAWAY_DIR/server.log" >&2; pg_throwaway_fail "the server did not start"; }
  PG_THROWAWAY_CTL=$pg_ctl
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL is up at $DATABASE_URL (data in $PG_THROWAWAY_DIR)"
}

pg_throwaway_stop() {
  if [ -n "${PG_THROWAWAY_DIR:-}" ] && [ -d "$PG_THROWAWAY_DIR" ]; then
    pg_throwaway_as_owner "$PG_THROWAWAY_CTL" --pgdata="$PG_THROWAWAY_DIR/data" --mode=immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_THROWAWAY_DIR"
  fi
}
