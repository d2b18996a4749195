# Makefile for the tracker extension (PGXS)

EXTENSION = tracker
EXTVERSION = 0.2.0

MODULE_big = tracker
OBJS = \
	src/tracker.o \
	src/common/spi.o \
	src/common/subxact.o \
	src/common/hash.o \
	src/common/gzip.o \
	src/common/jsondoc.o \
	src/common/autonomous.o \
	src/common/shmem.o \
	src/common/bgworker.o \
	src/core/series.o \
	src/core/figures.o \
	src/core/timeutil.o \
	src/core/series_sql.o \
	src/http/http.o \
	src/http/fetch.o \
	src/http/url.o \
	src/http/s3.o \
	src/http/s3_xml.o \
	src/store/account.o \
	src/store/bronze.o \
	src/store/silver.o \
	src/store/gold.o \
	src/store/store_sql.o \
	src/providers/json_check.o \
	src/providers/json_scan.o \
	src/providers/json_member.o \
	src/providers/provider.o \
	src/providers/google_oauth.o \
	src/providers/gh_parse.o \
	src/providers/gh_points.o \
	src/providers/gh_values.o \
	src/providers/google_health.o \
	src/providers/listen_parse.o \
	src/providers/listening.o \
	src/providers/lastfm.o \
	src/providers/listenbrainz.o \
	src/providers/fitbit_parse.o \
	src/providers/fitbit_import.o \
	src/sync/sync.o \
	src/archive/plan.o \
	src/archive/manifest.o \
	src/archive/bundle.o \
	src/archive/restore.o \
	src/archive/replay.o \
	src/archive/lifecycle.o \
	src/archive/worker.o \
	src/archive/archive_sql.o \
	src/bgw/launcher.o \
	src/bgw/pause.o \
	src/bgw/scheduler.o \
	src/bgw/worker.o \
	src/bgw/jobs_sql.o \
	src/notify/notify_send.o \
	src/notify/notify_worker.o

# vitals and body measurements
OBJS += \
	src/providers/gh_vitals.o \
	src/providers/gh_vitals_store.o \
	src/providers/fitbit_vitals_parse.o \
	src/providers/fitbit_vitals_import.o \
	src/store/vitals.o

# sleep: sessions with their stages, Fitbit sleep imports
OBJS += src/store/sleep.o src/providers/fitbit_sleep.o src/providers/import_sleep.o

# Google Health: reading each data type's merged stream, and scopes
OBJS += src/providers/gh_request.o

# activity: the Google Health activity types and their daily figures
OBJS += src/providers/gh_activity.o src/store/activity.o \
	src/providers/fitbit_activity.o src/providers/import_activity.o \
	src/providers/gh_activity_write.o

# bronze retention: archived payloads leave bronze after tracker.bronze_retention
OBJS += src/archive/retention.o

# owner sign-in and connecting from the dashboard
OBJS += src/owner/hmac.o src/providers/google_identity.o

# ingest: the dense point arrays read straight from the bytes
OBJS += src/providers/gh_fastpoints.o

# scaling out with Citus: the scheduler of a worker node stays idle
OBJS += src/bgw/citus_node.o

# bronze deltas: a page kept as a delta against an earlier one
OBJS += src/core/delta.o

# Measurement hooks for bench/ (bench/src/bench_hooks.c) go into the library
# only with `make BENCH=1`: the default tracker.so holds only what users call.
ifeq ($(BENCH),1)
OBJS += bench/src/bench_hooks.o
endif

# The install script is built from the parts in src/schema/, in this order
# (each part uses only what the parts before it create).  The benchmark hook
# (bench.sql) goes in only with `make BENCH=1`.
SCHEMA_PARTS = schemas core sync health activity jobs listening archive status api api_health export notify
# vitals and body measurements
SCHEMA_PARTS += vitals
# owner sign-in and connecting from the dashboard
SCHEMA_PARTS += owner
# scaling out with Citus: tracker.distribute()
SCHEMA_PARTS += citus
ifeq ($(BENCH),1)
SCHEMA_PARTS += bench
endif
SCHEMA_PARTS += privileges
SQL_PARTS = $(patsubst %,src/schema/%.sql,$(SCHEMA_PARTS))

# Upgrades: the steps between released versions, oldest first.  For each
# version a step starts from, src/schema/upgrade/build.sh writes the script
# from it to this version (its tables-and-data steps around this version's
# definitions).  Every released version's own install script is kept as it
# was released, so that CREATE EXTENSION tracker VERSION '...' works.
UPGRADE_STEPS = 0.1.0--0.2.0
UPGRADE_FROM = $(foreach s,$(UPGRADE_STEPS),$(firstword $(subst --, ,$(s))))
UPGRADE_SCRIPTS = $(patsubst %,tracker--%--$(EXTVERSION).sql,$(UPGRADE_FROM))
DATA_built = tracker--$(EXTVERSION).sql $(UPGRADE_SCRIPTS)
DATA = $(patsubst %,src/schema/upgrade/tracker--%.sql,$(UPGRADE_FROM))

# Regression tests need the library preloaded, so they run in a private
# instance started from test/tracker.conf (the pg_cron way).
REGRESS = setup accounts series figures import_json import_file daily listening api archive export hardening
# vitals and body measurements
REGRESS += import_vitals
REGRESS_OPTS = --temp-instance=./tmp_check --temp-config=./test/tracker.conf

TAP_TESTS = 1
PROVE_TESTS = test/t/00*.pl test/t/010_zones.pl test/t/011_devices.pl test/t/090_soak.pl
# sleep
PROVE_TESTS += test/t/014_sleep.pl
# activity
PROVE_TESTS += test/t/013_activity.pl
# vitals and body measurements
PROVE_TESTS += test/t/012_vitals.pl
# notifications
PROVE_TESTS += test/t/015_notify.pl
# bronze retention
PROVE_TESTS += test/t/018_bronze.pl
# scheduled syncs in the steady state
PROVE_TESTS += test/t/016_steady.pl
# bronze deltas
PROVE_TESTS += test/t/019_bronze_delta.pl

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Isrc
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK = -lcurl -ljson-c -lz

EXTRA_CLEAN = results regression.diffs regression.out tmp_check log build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The list of parts is a prerequisite too, so that building with and without
# BENCH=1 in turn builds the script again.
build/schema-parts: FORCE
	@mkdir -p build
	@echo '$(SQL_PARTS)' | cmp -s - $@ || echo '$(SQL_PARTS)' > $@

tracker--$(EXTVERSION).sql: build/schema-parts $(SQL_PARTS)
	cat $(SQL_PARTS) > $@

$(UPGRADE_SCRIPTS): tracker--%--$(EXTVERSION).sql: build/schema-parts $(SQL_PARTS) \
		$(wildcard src/schema/upgrade/*--*.sql) src/schema/upgrade/build.sh \
		src/schema/upgrade/definitions.awk
	src/schema/upgrade/build.sh $* $(EXTVERSION) '$(UPGRADE_STEPS)' $(SQL_PARTS) > $@.tmp
	mv $@.tmp $@

.PHONY: FORCE
FORCE:

# Plain-C unit tests of the codec, the figures and the parsers.  The
# parsers' sources, each with the JSON checks it uses (fuzz/run.sh,
# test/valgrind/run.sh and bench/lib/common.sh list the same files).
UNIT_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -Werror -Isrc
JSON_CHECK_SRC = src/providers/json_check.c src/providers/json_scan.c \
	src/providers/json_member.c
FITBIT_PARSE_SRC = src/providers/fitbit_parse.c src/providers/fitbit_sleep.c $(JSON_CHECK_SRC)
GH_PARSE_SRC = src/providers/gh_parse.c src/providers/gh_points.c \
	src/providers/gh_activity.c \
	src/providers/gh_values.c src/providers/gh_vitals.c $(JSON_CHECK_SRC)
LISTEN_PARSE_SRC = src/providers/listen_parse.c $(JSON_CHECK_SRC)
# ingest: the dense point arrays read straight from the bytes
GH_PARSE_SRC += src/providers/gh_fastpoints.c
.PHONY: unit test demo
unit:
	mkdir -p build
	$(CC) $(UNIT_CFLAGS) test/unit/test_series.c src/core/series.c -o build/test_series
	$(CC) $(UNIT_CFLAGS) test/unit/test_figures.c src/core/figures.c src/core/series.c -o build/test_figures
	$(CC) $(UNIT_CFLAGS) test/unit/test_fitbit_parse.c $(FITBIT_PARSE_SRC) -ljson-c -o build/test_fitbit_parse
	$(CC) $(UNIT_CFLAGS) test/unit/test_gh_parse.c $(GH_PARSE_SRC) -ljson-c -o build/test_gh_parse
	$(CC) $(UNIT_CFLAGS) test/unit/test_gh_vitals.c $(GH_PARSE_SRC) -ljson-c -lm -o build/test_gh_vitals
	$(CC) $(UNIT_CFLAGS) test/unit/test_fitbit_vitals.c src/providers/fitbit_vitals_parse.c \
		$(JSON_CHECK_SRC) -ljson-c -lm -o build/test_fitbit_vitals
	$(CC) $(UNIT_CFLAGS) test/unit/test_listen_parse.c $(LISTEN_PARSE_SRC) -ljson-c -o build/test_listen_parse
	$(CC) $(UNIT_CFLAGS) test/unit/test_gh_activity.c $(GH_PARSE_SRC) -ljson-c -o build/test_gh_activity
	$(CC) $(UNIT_CFLAGS) test/unit/test_fitbit_activity.c src/providers/fitbit_activity.c \
		$(JSON_CHECK_SRC) -ljson-c -o build/test_fitbit_activity
	build/test_series && build/test_figures && (cd test/unit && ../../build/test_fitbit_parse) && \
		(cd test/unit && ../../build/test_gh_parse) && build/test_listen_parse && \
		build/test_gh_activity && build/test_fitbit_activity && \
		build/test_gh_vitals && build/test_fitbit_vitals
	# sleep
	$(CC) $(UNIT_CFLAGS) test/unit/test_sleep_parse.c $(GH_PARSE_SRC) src/providers/fitbit_parse.c \
		src/providers/fitbit_sleep.c -ljson-c -o build/test_sleep_parse
	(cd test/unit && ../../build/test_sleep_parse)
	# bronze deltas: the byte delta codec
	$(CC) $(UNIT_CFLAGS) test/unit/test_delta.c src/core/delta.c -o build/test_delta
	build/test_delta

# Build, install, and run every suite (see test/run-all).
test:
	test/run-all

# The suites one by one (installcheck runs both).
.PHONY: installcheck-regress installcheck-tap
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

installcheck-tap:
	$(prove_installcheck)

# Benchmarks: every figure as a ratio against a baseline measured in the same
# run (see bench/README.md); prints the table and writes bench/results.md.
.PHONY: bench
bench:
	bench/run

# Fuzzing: build the parsers and the series codec with libFuzzer, ASan and
# UBSan (clang), replay fuzz/regressions/, then fuzz each target for
# FUZZ_SECONDS (default 30); see fuzz/run.sh for the other settings.
.PHONY: fuzz
fuzz:
	fuzz/run.sh

# The one-command demo: a dashboard over a year of generated data
# (scripts/demo; scripts/demo stop).
.PHONY: demo
demo:
	scripts/demo

# Link the library again whenever BENCH differs from the last build, so that
# a default build never keeps the hooks of an earlier `make BENCH=1`.
BENCH_FLAG := $(shell mkdir -p build && \
	(echo '$(BENCH)' | cmp -s - build/bench-flag || echo '$(BENCH)' > build/bench-flag) && \
	echo build/bench-flag)
$(shlib): $(BENCH_FLAG)

# Tracker on Citus: a coordinator and two worker nodes against a single node,
# the same data (test/citus/run.sh; builds Citus from ../shared/vendor when
# it is not installed, skips without it).
.PHONY: test-citus
test-citus: install
	PG_CONFIG='$(PG_CONFIG)' test/citus/run.sh
