# Shell helpers for test/citus/run.sh: several throwaway PostgreSQL 15
# clusters on this machine, each listening on 127.0.0.1 (Citus nodes reach
# each other over TCP) and on a socket in its own folder.  Source this file.
#
#   node_init NAME PORT [conf line ...]   initdb + configure (not started)
#   node_start NAME / node_stop NAME      start / fast shutdown (by its pid file)
#   node_psql NAME [psql args ...]        psql as the superuser, database "tracker"
#   node_stop_all                         stop every node started here
#
# PostgreSQL refuses to run as root; as root the clusters run as the
# "postgres" user (or $TRACKER_TEST_USER).  CITUS_DIR is the folder that
# holds them all.

PG_BINDIR=${PG_BINDIR:-$("${PG_CONFIG:-pg_config}" --bindir)}
declare -A NODE_PORT=()

node_as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "${TRACKER_TEST_USER:-postgres}" -- "$@"
	else
		"$@"
	fi
}

node_init() {
	local name=$1 port=$2 dir=$CITUS_DIR/$1
	shift 2
	NODE_PORT[$name]=$port
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown "${TRACKER_TEST_USER:-postgres}" "$CITUS_DIR" "$dir"
	node_as_user "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir'"
		echo "port = $port"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "max_worker_processes = 32"
		echo "max_connections = 200"
		echo "timezone = 'UTC'"
		for line in "$@"; do echo "$line"; done
	} >>"$dir/data/postgresql.conf"
}

node_start() {
	local dir=$CITUS_DIR/$1
	node_as_user "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start \
		>/dev/null || { tail -20 "$dir/server.log"; return 1; }
}

node_stop() {
	local dir=$CITUS_DIR/$1
	if [ -f "$dir/data/postmaster.pid" ]; then
		node_as_user "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 120 stop >/dev/null 2>&1 || true
	fi
}

node_psql() {
	local name=$1
	shift
	"$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$CITUS_DIR/$name" -p "${NODE_PORT[$name]}" \
		-U postgres -d tracker "$@"
}

node_stop_all() {
	local name
	for name in "${!NODE_PORT[@]}"; do node_stop "$name"; done
}

# free_ports N: N TCP ports of 127.0.0.1 that nothing listens on now.
free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
