# Shell helpers for scripts that need a throwaway PostgreSQL 15 cluster with
# Tracker preloaded (benchmarks, reports, the demo).  Source this file.
#
#   cluster_start DIR [conf line ...]   initdb + start, socket in DIR
#   cluster_psql [psql args ...]        psql as the cluster's superuser
#   cluster_stop                        fast shutdown (also run on exit)
#
# PostgreSQL refuses to run as root; as root the cluster runs as the
# "postgres" user (or $TRACKER_TEST_USER).

PG_BINDIR=${PG_BINDIR:-$( ("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir || pg_config --bindir) 2>/dev/null)}
CLUSTER_DIR=
CLUSTER_PORT=${CLUSTER_PORT:-5432}

cluster_as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "${TRACKER_TEST_USER:-postgres}" -- "$@"
	else
		"$@"
	fi
}

cluster_start() {
	CLUSTER_DIR=$1
	shift
	mkdir -p "$CLUSTER_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown "${TRACKER_TEST_USER:-postgres}" "$CLUSTER_DIR"
	fi
	cluster_as_user "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust \
		--no-sync -E UTF8 --locale=C >"$CLUSTER_DIR/initdb.log" 2>&1 ||
		{ cat "$CLUSTER_DIR/initdb.log"; return 1; }
	{
		echo "shared_preload_libraries = 'tracker'"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$CLUSTER_DIR'"
		echo "port = $CLUSTER_PORT"
		echo "fsync = off"
		echo "max_worker_processes = 16"
		for line in "$@"; do echo "$line"; done
	} >>"$CLUSTER_DIR/data/postgresql.conf"
	cluster_as_user "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" \
		-w -t 60 start >/dev/null || { cat "$CLUSTER_DIR/server.log"; return 1; }
	trap cluster_stop EXIT
}

cluster_psql() {
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" \
		-U postgres -d postgres "$@"
}

cluster_stop() {
	if [ -n "$CLUSTER_DIR" ] && [ -f "$CLUSTER_DIR/data/postmaster.pid" ]; then
		cluster_as_user "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
}
