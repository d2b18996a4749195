#!/bin/bash
# Build Tracker's fuzz targets with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, replay the saved regression inputs, then fuzz
# each target for a fixed time.  `make fuzz` runs this.
#
# Settings (environment):
#   FUZZ_SECONDS   seconds per target (default 30)
#   FUZZ_RUNS      executions per target instead of a time (e.g. 10000000)
#   FUZZ_JOBS      targets fuzzed at once (default: the number of CPUs)
#   FUZZ_TARGETS   which targets (default: all of them, see below)
#   FUZZ_OUT       build and work directory (default build/fuzz); the
#                  corpora in FUZZ_OUT/corpus grow from run to run, and
#                  FUZZ_OUT/executions.tsv adds up executions per target
#   FUZZ_SHARED    real data for seeds (default ../shared/data; skipped
#                  when absent)
#   FUZZ_NO_FAKE=1 do not start the fake API for seeds
#   FUZZ_MERGE=1   minimize each corpus after fuzzing
#   CLANG          the compiler (default clang, or clang-14)
#
# A crash leaves the input in FUZZ_OUT/artifacts/<target>/; copy it into
# fuzz/regressions/<target>/ (with a name that says what it is) once the bug
# is fixed, so that every later run replays it.  Exit status 1 when a
# regression input fails or fuzzing found something.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${FUZZ_OUT:-$ROOT/build/fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
RUNS=${FUZZ_RUNS:-}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
SHARED=${FUZZ_SHARED:-$(dirname "$ROOT")/shared/data}
CLANG=${CLANG:-$(command -v clang || command -v clang-14 || true)}

# The parsers' sources, each with the JSON checks it uses (as in the
# Makefile's unit target).
JSON_CHECK_SRC="src/providers/json_check.c src/providers/json_scan.c src/providers/json_member.c"
GH_PARSE_SRC="src/providers/gh_parse.c src/providers/gh_points.c src/providers/gh_activity.c src/providers/gh_values.c src/providers/gh_vitals.c $JSON_CHECK_SRC"
# ingest: the dense point arrays read straight from the bytes
GH_PARSE_SRC+=" src/providers/gh_fastpoints.c"

# name | sources | dictionary | largest input
TARGET_TABLE="
series|src/core/series.c||2048
fitbit_parse|src/providers/fitbit_parse.c src/providers/fitbit_sleep.c $JSON_CHECK_SRC|fitbit|16384
gh_page|$GH_PARSE_SRC|gh|8192
gh_token|$GH_PARSE_SRC|gh|4096
gh_api_error|$GH_PARSE_SRC|gh|4096
gh_user|$GH_PARSE_SRC|gh|4096
fitbit_vitals|src/providers/fitbit_vitals_parse.c $JSON_CHECK_SRC|fitbit|16384
"
# ingest: the fast point readers against the general path, input as gh_page
TARGET_TABLE+="gh_fastpoints|$GH_PARSE_SRC|gh|16384
"
# bronze deltas: the byte delta codec, round trips and arbitrary deltas
TARGET_TABLE+="delta|src/core/delta.c||16384
"
# Last.fm/ListenBrainz pages, once their parser and its harness exist.
if [ -f src/providers/listen_parse.c ] && [ -f fuzz/fuzz_listen_parse.c ]; then
	TARGET_TABLE+="listen_parse|src/providers/listen_parse.c $JSON_CHECK_SRC|listen|8192
"
fi
ALL_TARGETS=$(printf '%s' "$TARGET_TABLE" | awk -F'|' 'NF {print $1}')
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

if [ -z "$CLANG" ]; then
	echo "fuzz: clang not found; on Debian: apt-get install clang libclang-rt-14-dev" >&2
	exit 2
fi
CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined"
CFLAGS+=" -fno-sanitize-recover=all -Wall -Wextra -Werror -Isrc"
LIBS=$(pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

mkdir -p "$OUT"/{bin,seeds,corpus,logs,artifacts}
probe="$OUT/bin/.probe"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' > "$probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err"; then
	cat "$probe.err" >&2
	echo "fuzz: $CLANG cannot build libFuzzer targets; on Debian: apt-get install libclang-rt-14-dev" >&2
	exit 2
fi
rm -f "$probe" "$probe.c" "$probe.err"

field() { printf '%s' "$TARGET_TABLE" | awk -F'|' -v t="$1" -v f="$2" '$1 == t {print $f}'; }

echo "=== build ($CLANG)"
for t in $TARGETS; do
	srcs=$(field "$t" 2)
	[ -n "$srcs" ] || { echo "fuzz: unknown target $t" >&2; exit 2; }
	# shellcheck disable=SC2086
	"$CLANG" $CFLAGS "fuzz/fuzz_$t.c" $srcs $LIBS -o "$OUT/bin/fuzz_$t"
	dict=$(field "$t" 3)
	if [ -n "$dict" ]; then
		cat fuzz/dict/json.dict "fuzz/dict/$dict.dict" > "$OUT/bin/$t.dict"
	fi
	echo "built $OUT/bin/fuzz_$t"
done

echo "=== seeds"
seed_args=("$OUT/seeds" --shared "$SHARED")
[ "${FUZZ_NO_FAKE:-}" = 1 ] && seed_args+=(--no-fake)
rm -rf "$OUT/seeds"
/usr/bin/python3 fuzz/make_seeds.py "${seed_args[@]}"

echo "=== regression inputs"
failed=0
for t in $TARGETS; do
	dir=fuzz/regressions/$t
	[ -d "$dir" ] || continue
	files=$(find "$dir" -type f ! -name '*.md' | sort)
	[ -n "$files" ] || continue
	# shellcheck disable=SC2086
	if "$OUT/bin/fuzz_$t" -runs=1 $files > "$OUT/logs/$t.regressions.log" 2>&1; then
		echo "$t: $(echo "$files" | wc -l) regression inputs pass"
	else
		echo "$t: a regression input FAILS (see $OUT/logs/$t.regressions.log)"
		grep -E 'PROPERTY VIOLATED|ERROR: AddressSanitizer|runtime error|Running:' \
			"$OUT/logs/$t.regressions.log" | head -10 | sed 's/^/    /'
		failed=1
	fi
done

if [ -n "$RUNS" ]; then
	echo "=== fuzzing: $RUNS runs per target, $JOBS at a time"
else
	echo "=== fuzzing: $SECONDS_PER_TARGET s per target, $JOBS at a time"
fi
fuzz_one() {
	local t=$1
	local corpus="$OUT/corpus/$t"
	local args=()
	mkdir -p "$corpus" "$OUT/artifacts/$t"
	cp -n "$OUT/seeds/$t/"* "$corpus/" 2>/dev/null || true
	[ -f "$OUT/bin/$t.dict" ] && args+=("-dict=$OUT/bin/$t.dict")
	if [ -n "$RUNS" ]; then
		args+=("-runs=$RUNS")
	else
		args+=("-max_total_time=$SECONDS_PER_TARGET")
	fi
	"$OUT/bin/fuzz_$t" "$corpus" "${args[@]}" -max_len="$(field "$t" 4)" \
		-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$OUT/artifacts/$t/" > "$OUT/logs/$t.log" 2>&1
	local rc=$?
	if [ "${FUZZ_MERGE:-}" = 1 ] && [ $rc = 0 ]; then
		local min="$OUT/corpus/$t.min"
		rm -rf "$min" && mkdir -p "$min"
		"$OUT/bin/fuzz_$t" -merge=1 -max_len="$(field "$t" 4)" "$min" "$corpus" \
			>> "$OUT/logs/$t.merge.log" 2>&1 && rm -rf "$corpus" && mv "$min" "$corpus"
	fi
	return $rc
}
export -f fuzz_one field
export OUT RUNS SECONDS_PER_TARGET TARGET_TABLE FUZZ_MERGE

start=$(date +%s)
status=0
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'fuzz_one {} || echo "{}" >> "$OUT/logs/failed"' || true

echo "=== results"
printf '%-14s %12s %14s %10s %s\n' target executions total_executions corpus findings
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
touch "$OUT/executions.tsv"
for t in $TARGETS; do
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/logs/$t.log" | tail -1)
	n=${n:-0}
	findings=$(find "$OUT/artifacts/$t" -type f -newermt "@$start" 2>/dev/null | wc -l)
	printf '%s\t%s\t%s\t%s\n' "$stamp" "$t" "$n" "$findings" >> "$OUT/executions.tsv"
	total=$(awk -F'\t' -v t="$t" '$2 == t {s += $3} END {print s + 0}' "$OUT/executions.tsv")
	printf '%-14s %12s %14s %10s %s\n' "$t" "$n" "$total" \
		"$(find "$OUT/corpus/$t" -type f | wc -l)" "$findings"
	if [ "$findings" != 0 ]; then
		status=1
		grep -E 'ERROR|PROPERTY VIOLATED|runtime error|SUMMARY' "$OUT/logs/$t.log" | head -5 | sed 's/^/    /'
		find "$OUT/artifacts/$t" -type f -newermt "@$start" | sed 's/^/    input: /'
	fi
done
if [ -f "$OUT/logs/failed" ]; then
	status=1
	rm -f "$OUT/logs/failed"
fi
if [ $failed != 0 ]; then
	echo "a regression input in fuzz/regressions/ fails (see above)"
	status=1
fi
[ $status = 0 ] && echo "no findings" || echo "FINDINGS: reproduce with $OUT/bin/fuzz_<target> <input>"
exit $status
