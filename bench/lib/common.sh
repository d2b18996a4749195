# Shell helpers shared by the benchmark scripts in bench/.  Source this file
# from the repository root (each script cd's there first).
#
#   bench_init NAME          a work folder /tmp/tracker-bench-NAME.XXXXXX in $WORK
#                            (readable by the cluster's user), removed on exit
#   bench_cluster [conf ...] cluster_start in $WORK/pg with the benchmark settings
#   free_port                a free TCP port on 127.0.0.1
#   metric KEY VALUE         record a figure: appended to $BENCH_RESULTS (when
#                            set) as KEY<tab>VALUE; repeated keys are runs of
#                            one figure (bench/lib/report.py takes the median)
#   build_tool NAME          compile bench/src/NAME.c into $WORK/NAME
#   python_fake ARGS...      the fake Google Health API (stdlib Python)
#   bench_hooks              make sure the installed library has the
#                            measurement hooks: build and install it with
#                            make BENCH=1 when it does not (bench/run does)
#
# Every server a script starts is stopped by pid on exit.

. test/lib/cluster.sh

BENCH_ROOT=$PWD
PG_INCLUDE_SERVER=$("$PG_BINDIR/pg_config" --includedir-server 2>/dev/null || pg_config --includedir-server)
PG_INCLUDE=$("$PG_BINDIR/pg_config" --includedir 2>/dev/null || pg_config --includedir)
PG_PKGLIBDIR=$("$PG_BINDIR/pg_config" --pkglibdir 2>/dev/null || pg_config --pkglibdir)
BENCH_PIDS=()

bench_cleanup() {
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	cluster_stop
	if [ -n "${WORK:-}" ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$WORK"
	fi
}

bench_hooks() {
	local lib
	lib="$PG_PKGLIBDIR/tracker.so"
	# grep reads all of nm's output (no -q): under pipefail an early exit
	# would fail nm with SIGPIPE and the check with it.
	if [ -f "$lib" ] && nm -D "$lib" 2>/dev/null | grep -c ' tracker_bench_http$' >/dev/null; then
		return 0
	fi
	echo "bench: building and installing Tracker with its measurement hooks (make BENCH=1)"
	make -s BENCH=1 PG_CONFIG="$PG_BINDIR/pg_config" || return 1
	if [ -w "$PG_PKGLIBDIR" ]; then
		make -s install BENCH=1 PG_CONFIG="$PG_BINDIR/pg_config" >/dev/null
	else
		sudo make -s install BENCH=1 PG_CONFIG="$PG_BINDIR/pg_config" >/dev/null
	fi
}

bench_init() {
	WORK=$(mktemp -d "/tmp/tracker-bench-$1.XXXXXX")
	chmod 755 "$WORK"
	trap bench_cleanup EXIT
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The benchmark cluster: the settings every part shares, then the caller's.
bench_cluster() {
	CLUSTER_PORT=$(free_port)
	cluster_start "$WORK/pg" \
		"shared_buffers = '1GB'" \
		"max_wal_size = '20GB'" \
		"checkpoint_timeout = '1h'" \
		"jit = off" \
		"timezone = 'UTC'" \
		"$@"
	# cluster_start's EXIT trap would skip our own clean-up
	trap bench_cleanup EXIT
}

metric() {
	if [ -n "${BENCH_RESULTS:-}" ]; then
		printf '%s\t%s\n' "$1" "$2" >>"$BENCH_RESULTS"
	fi
}

build_tool() {
	local name=$1
	case $name in
		parsebench)
			cc -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter \
				-I"$PG_INCLUDE_SERVER" -I"$PG_INCLUDE/internal" -Isrc \
				bench/src/parsebench.c src/providers/gh_parse.c src/providers/gh_points.c \
				src/providers/gh_activity.c src/providers/gh_vitals.c \
				src/providers/gh_fastpoints.c \
				src/providers/gh_values.c src/providers/json_check.c \
				src/providers/json_scan.c src/providers/json_member.c \
				-o "$WORK/parsebench" \
				"$PG_PKGLIBDIR/libpgcommon.a" "$PG_PKGLIBDIR/libpgport.a" -ljson-c -lm ;;
		loadclient)
			cc -std=gnu11 -O2 -Wall -Wextra -I"$PG_INCLUDE" -Isrc \
				bench/src/loadclient.c -o "$WORK/loadclient" -lpq -ljson-c ;;
		*)
			echo "build_tool: unknown tool $name" >&2
			return 1 ;;
	esac
}

# Median of the numbers on standard input.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The fake Google Health API with the users of a JSON file, no rate limit,
# listening on 127.0.0.1 only; sets FAKE_URL and FAKE_PID.
start_fake() {
	rm -f "$WORK/fake.port"
	/usr/bin/python3 test/fakes/google_health.py --port 0 --port-file "$WORK/fake.port" \
		--config "$1" --user-rate 0 --log "$WORK/fake.log" >"$WORK/fake.out" 2>&1 &
	FAKE_PID=$!
	BENCH_PIDS+=("$FAKE_PID")
	local i
	for i in $(seq 1 300); do
		[ -s "$WORK/fake.port" ] && break
		kill -0 "$FAKE_PID" 2>/dev/null || { cat "$WORK/fake.out"; return 1; }
		sleep 0.1
	done
	FAKE_URL="http://127.0.0.1:$(tr -d '[:space:]' <"$WORK/fake.port")"
}

# fake_call METHOD PATH [JSON]: the fake's control API; prints the answer.
fake_call() {
	/usr/bin/python3 - "$FAKE_URL" "$@" <<'PY'
import sys, urllib.request
url, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(url + path, data=data, method=method,
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=60) as r:
    sys.stdout.write(r.read().decode())
PY
}

# The settings that point a cluster's Tracker at the fake.
fake_conf() {
	printf '%s\n' \
		"tracker.google_health_url = '$FAKE_URL'" \
		"tracker.google_token_url = '$FAKE_URL/token'" \
		"tracker.google_auth_url = '$FAKE_URL/o/oauth2/v2/auth'" \
		"tracker.requests_per_minute = 100000"
}

# Seconds of CPU (user + system) a process has used so far.
proc_cpu() {
	awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / tck }' "/proc/$1/stat"
}

# Start the /proc sampler of the running cluster (and extra pids).
start_procmon() {
	local pm
	pm=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
	/usr/bin/python3 bench/lib/procmon.py "$WORK/proc.log" "$pm" "$@" &
	PROCMON_PID=$!
	BENCH_PIDS+=("$PROCMON_PID")
}

stop_procmon() {
	kill -TERM "$PROCMON_PID" 2>/dev/null || true
	wait "$PROCMON_PID" 2>/dev/null || true
}

now() { date +%s.%N; }
