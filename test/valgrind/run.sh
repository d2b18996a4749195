#!/bin/bash
# Run Tracker's regression and TAP suites with every server process
# (postmaster, backends, background workers, autonomous writers) under
# Valgrind memcheck, then the plain-C unit tests and the fuzz corpora too,
# and report the errors, separating Tracker's from the rest.
#
#   test/valgrind/run.sh [regress] [tap] [unit] [corpus]   (default: all)
#
# Settings (environment):
#   VALGRIND_OUT        where logs go (default /tmp/tracker-valgrind)
#   VALGRIND_TAP_TESTS  TAP files (default test/t/*.pl)
#   VALGRIND_REGRESS    regression tests (default: the Makefile's REGRESS)
#   VALGRIND_CORPUS     fuzz corpus directory of fuzz/run.sh (default
#                       build/fuzz/corpus; fuzz/corpus and fuzz/regressions
#                       always run)
#   VALGRIND_SUPP       extra suppression file(s), e.g. PostgreSQL's own
#                       src/tools/valgrind.supp from a source tree
#   TRACKER_TEST_USER   user the suites run as when started as root
#                       (default postgres)
#
# How the server runs under Valgrind: a directory of wrappers comes first
# in the path (and is pg_regress's --bindir): "postgres" there execs
# valgrind --trace-children=yes on the real postgres (except for -V,
# --boot, --single and -C, which need no checking and would only be
# slow), "pg_ctl" is a copy of the real one so that it starts the wrapper
# next to it, everything else links to the real binaries.  Each process
# writes its own log (valgrind --log-file=...%p).  Debian's server is built
# without USE_VALGRIND, so memcheck sees malloc-level errors (invalid reads
# and writes outside malloc'd blocks, uses of uninitialised values, bad
# frees, errors in libcurl, json-c and Tracker's plain C), not palloc
# chunk overruns inside a memory context block.
#
# Exit status: 0 when no error has a Tracker frame, 1 otherwise, 2 when the
# run itself could not be made.  A suite that fails (timeouts are likely:
# everything is 20 to 50 times slower) is reported but does not change the
# exit status; the Valgrind verdict is what this script is for.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config
BINDIR=$("$PG_CONFIG" --bindir)
OUT=${VALGRIND_OUT:-/tmp/tracker-valgrind}
STEPS=${*:-regress tap unit corpus}

command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)" >&2; exit 2; }

step() { printf '\n=== %s\n' "$*"; }

step "build and install"
make -s PG_CONFIG="$PG_CONFIG" || exit 2
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -s install PG_CONFIG="$PG_CONFIG" || exit 2
else
	sudo make -s install PG_CONFIG="$PG_CONFIG" || exit 2
fi

rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/logs" "$OUT/suites"
chmod 1777 "$OUT/logs"

SUPP_ARGS="--suppressions=$ROOT/test/valgrind/valgrind.supp"
for s in ${VALGRIND_SUPP:-}; do
	SUPP_ARGS="$SUPP_ARGS --suppressions=$s"
done
VALGRIND_OPTS="--tool=memcheck --quiet --trace-children=yes --num-callers=30 \
--error-limit=no --leak-check=no --read-var-info=no --track-origins=yes \
--gen-suppressions=all $SUPP_ARGS"

# The wrapper directory.
for f in "$BINDIR"/*; do
	ln -sf "$f" "$OUT/bin/$(basename "$f")"
done
rm -f "$OUT/bin/postgres" "$OUT/bin/pg_ctl"
cp "$BINDIR/pg_ctl" "$OUT/bin/pg_ctl"
cat > "$OUT/bin/postgres" <<EOF
#!/bin/sh
# postgres under Valgrind memcheck (made by test/valgrind/run.sh)
case "\$1" in
	-V|--version|--boot|--single|-C|--describe-config|--check)
		exec "$BINDIR/postgres" "\$@" ;;
esac
exec valgrind $VALGRIND_OPTS --log-file="$OUT/logs/server.%p.log" "$BINDIR/postgres" "\$@"
EOF
chmod 755 "$OUT/bin/postgres"
"$OUT/bin/postgres" -V >/dev/null || exit 2

# Where and as whom the suites run (PostgreSQL refuses to run as root).
if [ "$(id -u)" = 0 ]; then
	TEST_USER=${TRACKER_TEST_USER:-postgres}
	WORK=$OUT/tree
	mkdir -p "$WORK"
	tar -C "$ROOT" --exclude=./.git --exclude=./node_modules --exclude=./test/e2e/node_modules --exclude='*.o' --exclude='*.bc' \
		--exclude='*.so' --exclude=./tmp_check --exclude=./results --exclude=./build \
		--exclude=./.demo -cf - . | tar -C "$WORK" -xf -
	chown -R "$TEST_USER" "$WORK" "$OUT/suites"
	as_test_user() { runuser -u "$TEST_USER" -- env "$@"; }
else
	WORK=$ROOT
	as_test_user() { env "$@"; }
fi

failed_suites=()
run_suite() {
	local name=$1
	shift
	step "$name (log: $OUT/suites/$name.log)"
	local t0=$SECONDS
	if (cd "$WORK" && as_test_user "$@") > "$OUT/suites/$name.log" 2>&1; then
		echo "--- $name: ok ($((SECONDS - t0)) s)"
	else
		echo "--- $name: FAILED ($((SECONDS - t0)) s); the last lines:"
		tail -25 "$OUT/suites/$name.log" | sed 's/^/    /'
		failed_suites+=("$name")
	fi
}

# Timeouts of the TAP framework, and the soak's bounds: everything is slow.
SLOW_ENV=(PG_TEST_TIMEOUT_DEFAULT=1800 TRACKER_SOAK_SECONDS=${TRACKER_SOAK_SECONDS:-40}
	TRACKER_SOAK_MIN_RATE=0 TRACKER_SOAK_MAX_GROWTH_KB=65536)

for s in $STEPS; do
	case $s in
		regress)
			run_suite regress PATH="$OUT/bin:$PATH" TRACKER_FIXTURES="$WORK/test/fixtures" \
				make -s installcheck-regress PG_CONFIG="$PG_CONFIG" \
				EXTRA_REGRESS_OPTS="--bindir=$OUT/bin" \
				${VALGRIND_REGRESS:+REGRESS="$VALGRIND_REGRESS"}
			[ -f "$WORK/regression.diffs" ] && cp "$WORK/regression.diffs" "$OUT/suites/"
			;;
		tap)
			run_suite tap PATH="$OUT/bin:$PATH" "${SLOW_ENV[@]}" \
				make -s installcheck-tap PG_CONFIG="$PG_CONFIG" bindir="$OUT/bin" \
				${VALGRIND_TAP_TESTS:+PROVE_TESTS="$VALGRIND_TAP_TESTS"}
			;;
		unit)
			# the plain-C unit tests, each binary under memcheck
			run_suite unit-build make -s unit PG_CONFIG="$PG_CONFIG"
			for t in "$WORK"/build/test_*; do
				[ -x "$t" ] || continue
				run_suite "unit-$(basename "$t")" sh -c "cd '$WORK/test/unit' && valgrind $VALGRIND_OPTS \
					--log-file='$OUT/logs/unit.$(basename "$t").%p.log' '$t'"
			done
			;;
		corpus)
			# the fuzz targets built with the system compiler, over their corpora
			mkdir -p "$OUT/replay"
			corpus=${VALGRIND_CORPUS:-$ROOT/build/fuzz/corpus}
			for src in fuzz/fuzz_*.c; do
				t=$(basename "$src" .c)
				t=${t#fuzz_}
				case $t in
					series) lib=src/core/series.c ;;
					fitbit_parse) lib="src/providers/fitbit_parse.c src/providers/fitbit_sleep.c" ;;
					gh_*) lib="src/providers/gh_parse.c src/providers/gh_points.c src/providers/gh_activity.c src/providers/gh_values.c src/providers/gh_vitals.c src/providers/gh_fastpoints.c" ;;
					listen_parse) lib=src/providers/listen_parse.c ;;
					*) continue ;;
				esac
				[ -f "${lib%% *}" ] || continue
				[ "$t" = series ] || lib="$lib src/providers/json_check.c src/providers/json_scan.c src/providers/json_member.c"
				cc -g -O1 -Isrc fuzz/standalone_main.c "$src" $lib -ljson-c -o "$OUT/replay/$t" || continue
				dirs=()
				for d in "fuzz/corpus/$t" "fuzz/regressions/$t" "$corpus/$t"; do
					[ -d "$d" ] && dirs+=("$d")
				done
				[ ${#dirs[@]} -gt 0 ] || continue
				step "corpus $t: ${dirs[*]}"
				valgrind $VALGRIND_OPTS --log-file="$OUT/logs/corpus.$t.%p.log" \
					"$OUT/replay/$t" "${dirs[@]}" > "$OUT/suites/corpus-$t.log" 2>&1 \
					|| failed_suites+=("corpus-$t")
				tail -1 "$OUT/suites/corpus-$t.log"
			done
			;;
		*)
			echo "unknown step $s" >&2
			exit 2
			;;
	esac
done

step "results"
/usr/bin/python3 "$ROOT/test/valgrind/summarize.py" "$OUT/logs" "$ROOT"
status=$?
if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "suites that failed under Valgrind (timeouts are expected to be the cause; see $OUT/suites): ${failed_suites[*]}"
fi
exit $status
