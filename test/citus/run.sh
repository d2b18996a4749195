#!/bin/bash
# make test-citus: Tracker on Citus, against a single-node run of the same data.
#
# A coordinator and two worker nodes as three local clusters, and one plain
# cluster without Citus, all syncing ACCOUNTS users of the project's fake
# Google Health API (test/fakes/google_health.py):
#   1. the single node: every account connected (its first scheduled sync),
#      a backfill of DAYS days, one more round of scheduled syncs;
#   2. Citus: tracker.distribute() with one worker node; the first third of
#      the accounts backfilled on it (measured); the second worker node
#      added, the second third backfilled while citus_rebalance_start()
#      moves shards to it and the first worker node is restarted; the last
#      third backfilled on the two nodes (measured); one more round of
#      scheduled syncs;
#   3. checks: every per-account query a router plan (one task); no window
#      failed, none left open; every silver and gold table, and the
#      dashboard's api calls answered through the coordinator, identical
#      row for row (md5 of ordered output) to the single node's; the worker
#      nodes' schedulers idle.
# The measured figures go to $CITUS_DIR/figures.txt and standard output.
#
# Needs Citus 13 in the PostgreSQL of PG_CONFIG: when it is missing, it is
# built from ../shared/vendor (beside the checkout) with the script there;
# without ../shared the test is skipped.  Settings (environment): ACCOUNTS
# (default 30), DAYS (default 1), SYNC_WORKERS (tracker.max_sync_workers,
# default 4), SHARDS (shards per distributed table, default 8), KEEP=1 keeps
# the clusters' folder.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
export PG_CONFIG
ACCOUNTS=${ACCOUNTS:-30}
DAYS=${DAYS:-1}
SYNC_WORKERS=${SYNC_WORKERS:-4}
SHARDS=${SHARDS:-8}
vendor=$root/../shared/vendor

if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
	if [ ! -f "$vendor/citus-13.2.2.tar.gz" ]; then
		echo "test-citus: skipped: Citus is not installed and ../shared/vendor (its source) is absent"
		exit 0
	fi
	echo "test-citus: building Citus from $vendor (about 5 minutes)"
	bash "$vendor/build-citus.sh" "$PG_CONFIG"
fi
[ "$ACCOUNTS" -ge 3 ] || { echo "test-citus: ACCOUNTS must be at least 3" >&2; exit 2; }

CITUS_DIR=$(mktemp -d -t tracker-citus.XXXXXX)
chmod 755 "$CITUS_DIR"
# shellcheck source=test/citus/cluster.sh
. "$root/test/citus/cluster.sh"
fake_pid=
cleanup() {
	node_stop_all
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "test-citus: kept $CITUS_DIR"; else rm -rf "$CITUS_DIR"; fi
}
trap cleanup EXIT

failures=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
check() {	# check WHAT GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
now() { date +%s.%N; }

# The data: ACCOUNTS synthetic users (three time zones), DAYS+2 days from
# 2026-05-05; the clocks stand at noon UTC of the day after the backfill.
first_day=2026-05-05
last_day=$(date -u -d "$first_day + $DAYS days" +%F)	# exclusive
t0="$(date -u -d "$last_day + 1 day" +%F)T12:00:00Z"
t1="$(date -u -d "$last_day + 1 day" +%F)T12:15:00Z"
python3 - "$ACCOUNTS" "$first_day" "$((DAYS + 2))" >"$CITUS_DIR/users.json" <<'PY'
import json, sys
n, start, days = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
zones = ["UTC", "Europe/Berlin", "America/New_York"]
print(json.dumps({"users": [
    {"id": "u%d" % i, "refresh_token": "rt-%d" % i, "tz": zones[i % 3],
     "synthetic": {"start": start, "days": days, "seed": i}}
    for i in range(1, n + 1)]}))
PY
/usr/bin/python3 "$root/test/fakes/google_health.py" --port 0 --port-file "$CITUS_DIR/fake.port" \
	--config "$CITUS_DIR/users.json" --user-rate 0 --log "$CITUS_DIR/fake.log" &
fake_pid=$!
for _ in $(seq 300); do [ -s "$CITUS_DIR/fake.port" ] && break; sleep 0.1; done
[ -s "$CITUS_DIR/fake.port" ] || { echo "the fake API did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$CITUS_DIR/fake.port")"
# The fake's clock, set with Python's standard library (no curl needed).
set_fake_clock() {
	/usr/bin/python3 -c 'import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/_fake/clock", data=json.dumps({"now": sys.argv[2]}).encode(),
                             headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(req, timeout=30).read()' "$url" "$1"
}
set_fake_clock "$t0"

tracker_conf=(
	"tracker.google_health_url = '$url'"
	"tracker.google_token_url = '$url/token'"
	"tracker.google_auth_url = '$url/o/oauth2/v2/auth'"
	"tracker.requests_per_minute = 100000"
	"tracker.retry_base_delay = '50ms'"
	"tracker.retry_max_delay = '1s'"
	"tracker.max_retries = 8"
	"tracker.http_timeout = '120s'"
	"tracker.scheduler_naptime = '200ms'"
	"tracker.archive_enabled = off"
	"tracker.max_sync_workers = $SYNC_WORKERS"
	"tracker.trailing_days = 1"
	"tracker.notify_enabled = off"
	"tracker.clock = '$t0'")
citus_conf=(
	"shared_preload_libraries = 'citus,tracker'"
	"wal_level = logical"
	"citus.shard_replication_factor = 1")
read -r p_single p_coord p_w1 p_w2 < <(free_ports 4)

# poll NODE SQL [SECONDS]: until SQL answers t, with a deadline.
poll() {
	local deadline=$((SECONDS + ${3:-600}))
	while [ "$(node_psql "$1" -c "$2" 2>/dev/null || true)" != t ]; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.5
	done
}

# connect NODE FROM TO: accounts FROM..TO get their refresh tokens; wait
# for each one's first scheduled sync (a full one) to be done.
connect() {
	node_psql "$1" -c "SELECT count(tracker.set_refresh_token(a, 'rt-' || a)) FROM generate_series($2, $3) a" >/dev/null
	node_psql "$1" -c "SELECT tracker.wake_scheduler()" >/dev/null
	poll "$1" "SELECT (SELECT count(*) FROM tracker.account_schedule WHERE account_id BETWEEN $2 AND $3
			AND last_queued_at = '$t0') = $3 - $2 + 1
		AND NOT EXISTS (SELECT 1 FROM tracker.job WHERE state IN ('queued', 'running'))" 900 ||
		fail "$1: the first scheduled syncs of accounts $2..$3 are done"
}

# backfill NODE FROM TO LABEL [HOOK]: queue the backfill of accounts FROM..TO,
# run HOOK (in the background) while it runs, wait; append the figures.
backfill() {
	local node=$1 lo=$2 hi=$3 label=$4 hook=${5:-} start end jobs hook_pid=
	start=$(now)
	jobs=$(node_psql "$node" -c "SELECT min(j) || ' ' || max(j) FROM (SELECT tracker.backfill(
		'[$first_day,$last_day)', a) AS j FROM generate_series($lo, $hi) a) s")
	read -r jlo jhi <<<"$jobs"
	if [ -n "$hook" ]; then $hook & hook_pid=$!; fi
	poll "$node" "SELECT NOT EXISTS (SELECT 1 FROM tracker.job WHERE job_id BETWEEN $jlo AND $jhi
		AND state IN ('queued', 'running'))" 1800 || fail "$label: the backfill ends"
	end=$(now)
	if [ -n "$hook_pid" ]; then wait "$hook_pid" || fail "$label: $hook"; fi
	node_psql "$node" -c "SELECT '$label' || ' | ' || $hi - $lo + 1 || ' | ' || round(($end - $start)::numeric, 1)
		|| ' | ' || sum(w.requests) || ' | ' || sum(w.rows_written) || ' | '
		|| round(sum(w.rows_written) / ($end - $start)::numeric) || ' | '
		|| round(($hi - $lo + 1) * 3600 / ($end - $start)::numeric)
		FROM tracker.job_window w WHERE w.job_id BETWEEN $jlo AND $jhi" | tee -a "$CITUS_DIR/figures.txt"
	check "$label: every job done" "$(node_psql "$node" -c "SELECT count(*) FROM tracker.job
		WHERE job_id BETWEEN $jlo AND $jhi AND state <> 'done'")" 0
}

# round NODE: one more scheduled sync of every account, at t1.
round() {
	set_fake_clock "$t1"
	node_psql "$1" -c "ALTER SYSTEM SET tracker.clock = '$t1'" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 1
	node_psql "$1" -c "SELECT tracker.wake_scheduler()" >/dev/null
	poll "$1" "SELECT (SELECT count(*) FROM tracker.account_schedule WHERE last_queued_at = '$t1') = $ACCOUNTS
		AND NOT EXISTS (SELECT 1 FROM tracker.job WHERE state IN ('queued', 'running'))" 900 ||
		fail "$1: the scheduled syncs at $t1 are done"
	set_fake_clock "$t0"
}

setup_tracker() {
	node_psql "$1" -c "CREATE EXTENSION tracker" \
		-c "SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret')" >/dev/null
}

add_accounts() {
	node_psql "$1" -c "SELECT count(tracker.add_account('u' || a,
		(ARRAY['UTC', 'Europe/Berlin', 'America/New_York'])[a % 3 + 1])) FROM generate_series(1, $ACCOUNTS) a" >/dev/null
}

# digest NODE: md5 of every silver and gold table (ordered, without the
# columns that say when a row was written) and of the dashboard's calls.
digest() {
	node_psql "$1" -f "$root/test/citus/digest.sql"
}

# Three groups of accounts: A measured on one worker node, B under a
# rebalance and a restart, C measured on two.
na=$((ACCOUNTS / 3)); nb=$((ACCOUNTS / 3))
a_lo=1; a_hi=$na; b_lo=$((na + 1)); b_hi=$((na + nb)); c_lo=$((na + nb + 1)); c_hi=$ACCOUNTS
echo "label | accounts | seconds | requests | points | points/s | accounts/h" >"$CITUS_DIR/figures.txt"

echo "# single node: $ACCOUNTS accounts, $DAYS day(s), $SYNC_WORKERS sync workers"
node_init single "$p_single" "shared_preload_libraries = 'tracker'" "${tracker_conf[@]}"
node_start single
node_as_user "$PG_BINDIR/createdb" -h "$CITUS_DIR/single" -p "$p_single" -U postgres tracker
setup_tracker single
add_accounts single
connect single 1 "$ACCOUNTS"
backfill single 1 "$ACCOUNTS" "single node, every account"
round single
digest single >"$CITUS_DIR/single.digest"
node_stop single

echo "# Citus: a coordinator and two worker nodes, $SHARDS shards per table"
for n in coord w1 w2; do
	eval "port=\$p_$n"
	node_init "$n" "$port" "${citus_conf[@]}" "${tracker_conf[@]}"
	node_start "$n"
	node_as_user "$PG_BINDIR/createdb" -h "$CITUS_DIR/$n" -p "$port" -U postgres tracker
	node_psql "$n" -c "CREATE EXTENSION citus" >/dev/null
done
# A worker node gets Tracker before it joins (its tables become the shells).
setup_tracker w1
setup_tracker w2
setup_tracker coord
node_psql coord -c "SELECT citus_set_coordinator_host('127.0.0.1', $p_coord)" \
	-c "SELECT citus_add_node('127.0.0.1', $p_w1)" >/dev/null
node_psql coord -c "SELECT count(*) FROM tracker.distribute(shard_count => $SHARDS)" >/dev/null
check "tracker.distribute() is idempotent" \
	"$(node_psql coord -c "SELECT count(*) FROM tracker.distribute()")" 0
check "distributed tables, all co-located" \
	"$(node_psql coord -c "SELECT count(*) || ' ' || count(DISTINCT colocationid) FROM pg_dist_partition WHERE partmethod = 'h'")" \
	"$(node_psql coord -c "SELECT count(*) || ' 1' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname IN ('tracker', 'bronze', 'silver', 'gold')
		AND tracker.citus_table_kind(c.oid) = 'distributed'")"
add_accounts coord

connect coord "$a_lo" "$a_hi"
backfill coord "$a_lo" "$a_hi" "Citus, 1 worker node"

node_psql coord -c "SELECT citus_add_node('127.0.0.1', $p_w2)" >/dev/null
connect coord "$b_lo" "$b_hi"
mid_backfill() {
	sleep 5
	node_psql coord -c "SET client_min_messages = warning" -c "SELECT citus_rebalance_start()" >/dev/null
	sleep 3
	node_stop w1
	sleep 2
	node_start w1
	node_psql coord -c "SELECT citus_rebalance_wait()" >/dev/null
}
backfill coord "$b_lo" "$b_hi" "Citus, rebalance and restart" mid_backfill
check "shards on both worker nodes" \
	"$(node_psql coord -c "SELECT count(DISTINCT nodeport) FROM pg_dist_shard_placement p
		JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'silver.steps'::regclass")" 2

connect coord "$c_lo" "$c_hi"
backfill coord "$c_lo" "$c_hi" "Citus, 2 worker nodes"
round coord

check "no window failed or left open" "$(node_psql coord -c "SELECT count(*) FROM tracker.job_window
	WHERE state <> 'done'")" 0
check "no job failed" "$(node_psql coord -c "SELECT count(*) FROM tracker.job WHERE state <> 'done'")" 0
echo "# windows claimed more than once (retried after an error): $(node_psql coord -c \
	"SELECT count(*) FROM tracker.job_window WHERE attempts > 1")"

# Every per-account query is a router query: one task, on one node.
for q in "SELECT * FROM gold.daily WHERE account_id = 7 AND day >= '$first_day'" \
	"SELECT h.day, a.time_zone FROM silver.heart_rate_day h JOIN tracker.account a USING (account_id) WHERE h.account_id = 7" \
	"SELECT count(*) FROM silver.steps s JOIN silver.sleep z USING (account_id) WHERE s.account_id = 7" \
	"UPDATE tracker.sync_state SET newest_at = newest_at WHERE account_id = 7"; do
	plan=$(node_psql coord -c "EXPLAIN $q")
	if grep -q "Task Count: 1$" <<<"$plan" && ! grep -q "Task Count: [02-9]" <<<"$plan"; then
		pass "router plan: $q"
	else
		fail "router plan: $q"; echo "$plan"
	fi
done

digest coord >"$CITUS_DIR/citus.digest"
if diff "$CITUS_DIR/single.digest" "$CITUS_DIR/citus.digest"; then
	pass "silver, gold and api answers identical to the single node ($(wc -l <"$CITUS_DIR/citus.digest") digests)"
else
	fail "silver, gold and api answers differ from the single node"
fi
for n in w1 w2; do
	if grep -q "tracker scheduler stays idle: this database is a Citus worker node" "$CITUS_DIR/$n/server.log"; then
		pass "$n: the scheduler stays idle"
	else
		fail "$n: the scheduler stays idle"
	fi
	check "$n: no sync worker ran" "$(grep -c 'tracker sync worker' "$CITUS_DIR/$n/server.log" || true)" 0
done

echo "# figures ($ACCOUNTS accounts, $DAYS day(s) each, $SYNC_WORKERS sync workers, $(nproc) cores)"
cat "$CITUS_DIR/figures.txt"
if [ "$failures" -gt 0 ]; then
	echo "test-citus: $failures check(s) failed (logs in $CITUS_DIR with KEEP=1)"
	exit 1
fi
echo "test-citus: all checks passed"
