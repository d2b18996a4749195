# The upgrade from 0.1.0.  A database installed as 0.1.0 (the script as
# released) and filled with every kind of state -- imports, a Google Health
# account synced from the fake, listening accounts and their listens, a
# queued backfill, S3 settings and an archive run -- is updated with ALTER
# EXTENSION tracker UPDATE.  It must then be exactly what a fresh install of
# this version is: schemas, tables, columns, constraints, indexes, functions
# (signature, body, volatility, settings), views, triggers, privileges,
# extension members and the marks for pg_dump, compared object by object
# and as the schema pg_dump writes; and it must hold the data it held, with
# the daily figures of this version.  Then it carries on: the queued
# backfill runs, listens sync, the archive archives.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fixtures = fixtures_dir();
my $tmp = PostgreSQL::Test::Utils::tempdir();
my $lastfm_key = 'c0ffee00c0ffee00c0ffee00c0ffee00';
my $bucket = 'tracker-upgrade';
my ($s3_access, $s3_secret) = ('UPGRADEACCESSKEY', 'upgrade-S3-secret');

my $google = start_fake(
	users => [
		{
			id => 'watch',
			refresh_token => 'rt-upgrade',
			tz => 'Europe/Berlin',
			age => 41,
			synthetic => { start => '2017-04-28', days => 10, seed => 9 }
		}
	]);
fake_call($google, 'POST', '/_fake/clients',
	{ client_id => 'upgrade-client', client_secret => 'upgrade-secret' });
my $music = start_music_fake(
	api_keys => [$lastfm_key],
	users => [
		{ service => 'lastfm', name => 'alice', tz => 'Europe/Berlin',
		  history => { start => '2025-06-01', days => 10, seed => 31 } },
		{ service => 'listenbrainz', name => 'bob', tz => 'America/New_York',
		  history => { start => '2025-06-01', days => 10, seed => 32 } },
	]);
my $s3 = start_s3_servers(buckets => [$bucket], keys => ["$s3_access:$s3_secret"]);
END
{
	stop_server($s3);
	stop_server($music);
	stop_server($google);
}

# Workers off while 0.1.0 is filled: what it holds is what these statements
# wrote, and nothing runs the library's code against the old schema.
my $node = tracker_node('upgrade', $google,
	"tracker.lastfm_url = '$music->{url}'",
	"tracker.listenbrainz_url = '$music->{url}/'",
	'tracker.enable_workers = off', 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h', 'tracker.archive_enabled = off');

my $version = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'tracker'");
like($version, qr/^\d+\.\d+\.\d+$/, "this version is $version");
my $root = "$FindBin::RealBin/../..";
like(slurp_file("$root/META.json"), qr/"version": "\Q$version\E"/, 'META.json gives this version');
like(slurp_file("$root/CHANGELOG.md"), qr/^## \Q$version\E /m, 'CHANGELOG.md has this version');

# ------------------------------------------------------------------------
# 0.1.0, filled.
# ------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('upgraded', "CREATE EXTENSION tracker VERSION '0.1.0'");
is(query_or_error($node, 'upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'tracker'"),
	'0.1.0', 'CREATE EXTENSION tracker VERSION 0.1.0 installs the released script');

# The release created the benchmark hook, which this library need not have
# (the script as shipped leaves it out): a stand-in of the same signature.
$node->safe_psql('upgraded', q{
	CREATE FUNCTION tracker.bench_ingest(account integer, bodies bytea[],
		write boolean DEFAULT true, data_type text DEFAULT 'heart-rate')
	RETURNS record LANGUAGE sql AS 'SELECT NULL::record';
	ALTER EXTENSION tracker ADD FUNCTION tracker.bench_ingest(integer, bytea[], boolean, text);
});

$node->safe_psql('upgraded', qq{
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import', '1988-04-01');
	SELECT tracker.add_account('watch', 'Europe/Berlin');
	SELECT tracker.add_account('alice', 'Europe/Berlin', 'lastfm', username => 'alice');
	SELECT tracker.add_account('bob', 'America/New_York', 'listenbrainz', username => 'bob');
	SELECT tracker.add_account('restored watch', 'UTC');
	SELECT tracker.set_oauth_client('google_health', 'upgrade-client', 'upgrade-secret');
	SELECT tracker.set_refresh_token(2, 'rt-upgrade');
	SELECT tracker.set_api_key('lastfm', '$lastfm_key');
	-- what a 0.1.0 database restored from a dump holds: connected, no token
	SELECT tracker.set_account_state(5, 'connected', NULL);
});

# This library writes the heart-rate zones under this version's column
# names (zone1 .. zone4, the scheme, the minutes below the zones): while it
# fills the 0.1.0 database, silver.daily_reported wears those names and a
# stand-in of this version's gold.daily takes the figures, and 0.1.0's
# tables are put back as they were, with the figures in 0.1.0's columns,
# before anything else reads them.  Likewise sleep sessions keep their UTC
# offsets and stages, in stand-ins dropped again after the sync.
my @zone_renames = (
	[ 'silver.daily_reported', 'out_of_range_min', 'zone1_min' ],
	[ 'silver.daily_reported', 'fat_burn_min', 'zone2_min' ],
	[ 'silver.daily_reported', 'cardio_min', 'zone3_min' ],
	[ 'silver.daily_reported', 'peak_min', 'zone4_min' ],
	[ 'silver.daily_reported', 'peak_max', 'zone4_max' ],
	[ 'silver.daily_reported', 'out_of_range_minutes', 'zone1_minutes' ],
	[ 'silver.daily_reported', 'fat_burn_minutes', 'zone2_minutes' ],
	[ 'silver.daily_reported', 'cardio_minutes', 'zone3_minutes' ],
	[ 'silver.daily_reported', 'peak_minutes', 'zone4_minutes' ],
	[ 'gold.daily', 'out_of_range_minutes', 'zone1_minutes' ],
	[ 'gold.daily', 'fat_burn_minutes', 'zone2_minutes' ],
	[ 'gold.daily', 'cardio_minutes', 'zone3_minutes' ],
	[ 'gold.daily', 'peak_minutes', 'zone4_minutes' ]);
my @silver_renames = grep { $_->[0] eq 'silver.daily_reported' } @zone_renames;
$node->safe_psql('upgraded', join('', map { "ALTER TABLE $_->[0] RENAME $_->[1] TO $_->[2];\n" } @silver_renames)
	  . q{
	ALTER TABLE gold.daily RENAME TO daily_as_released;
	CREATE TABLE gold.daily (LIKE gold.daily_as_released INCLUDING DEFAULTS INCLUDING INDEXES);
	ALTER TABLE gold.daily RENAME out_of_range_minutes TO zone1_minutes;
	ALTER TABLE gold.daily RENAME fat_burn_minutes TO zone2_minutes;
	ALTER TABLE gold.daily RENAME cardio_minutes TO zone3_minutes;
	ALTER TABLE gold.daily RENAME peak_minutes TO zone4_minutes;
	ALTER TABLE gold.daily ADD COLUMN zone_scheme text, ADD COLUMN below_zone_minutes integer;
	ALTER TABLE silver.sleep RENAME TO sleep_as_released;
	CREATE TABLE silver.sleep (LIKE silver.sleep_as_released INCLUDING DEFAULTS INCLUDING INDEXES);
	ALTER TABLE silver.sleep ADD COLUMN start_utc_offset_s integer, ADD COLUMN end_utc_offset_s integer;
	CREATE TABLE silver.sleep_stage (account_id integer, sleep_id text, start_at timestamptz,
		end_at timestamptz, stage text, PRIMARY KEY (account_id, sleep_id, start_at));
	CREATE TABLE silver.sleep_out_of_bed (account_id integer, sleep_id text, start_at timestamptz,
		end_at timestamptz, PRIMARY KEY (account_id, sleep_id, start_at));
});

# Imports, with a rejected file kept in bronze, and a day worn for two
# hours (which gets a resting heart rate from 0.1.0's algorithm only).
query_or_error($node, 'upgraded', "SELECT tracker.store_heart_rate(1, array_agg(t), array_agg(58::smallint)) "
	  . "FROM generate_series('2017-05-03 15:00+00'::timestamptz, '2017-05-03 16:59+00', '1 minute') t");
query_or_error($node, 'upgraded', "SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/korymath')");
query_or_error($node, 'upgraded', "SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/export')");
like(query_or_error($node, 'upgraded',
	"SELECT * FROM tracker.import_fitbit_file(1, '$fixtures/bad/heart_rate-2018-11-02.json')"),
	qr/could not import file/, 'a bad file is refused (and kept in bronze as rejected)');

# A sync from the fake in the session, and a backfill left queued.  The
# sync reads the data types 0.1.0 knows: this library has more, whose
# tables 0.1.0 lacks.
is(query_or_error($node, 'upgraded',
	"SELECT requests > 0, rows_written > 0, errors, state FROM tracker.sync(2, '[2017-04-28,2017-05-03)', "
	  . "ARRAY(SELECT data_type FROM tracker.provider_data_type WHERE provider = 'google_health'))"),
	't|t|0|connected', 'the Google Health account syncs from the fake');
$node->safe_psql('upgraded', join('', map { "ALTER TABLE $_->[0] RENAME $_->[2] TO $_->[1];\n" } @silver_renames)
	  . q{
	INSERT INTO gold.daily_as_released
	SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes, zone3_minutes,
		   zone4_minutes, zone_source, zone_bounds, resting_hr, resting_hr_raw, resting_hr_state,
		   algorithm_version, computed_at
	FROM gold.daily;
	DROP TABLE gold.daily;
	ALTER TABLE gold.daily_as_released RENAME TO daily;
	INSERT INTO silver.sleep_as_released
	SELECT account_id, sleep_id, sleep_type, start_at, end_at, day, nap, minutes_asleep,
		   minutes_awake, minutes_in_period, stages, payload_id, updated_at
	FROM silver.sleep;
	DROP TABLE silver.sleep, silver.sleep_stage, silver.sleep_out_of_bed;
	ALTER TABLE silver.sleep_as_released RENAME TO sleep;
});
my $job = query_or_error($node, 'upgraded', "SELECT tracker.backfill('[2017-05-03,2017-05-06)', 2)");
is(query_or_error($node, 'upgraded', "SELECT state FROM tracker.job WHERE job_id = $job"), 'queued',
	'a backfill waits in the queue');

# The daily figures as 0.1.0's library wrote them: this library computes
# with its own algorithm, so they are marked as 0.1.0 marked them (version
# 1), and the short day gets the resting heart rate version 1 gave it.
$node->safe_psql('upgraded', q{
	UPDATE gold.daily SET algorithm_version = 1;
	UPDATE gold.daily SET resting_hr = 58 WHERE account_id = 1 AND day = '2017-05-03';
});

# Listens as 0.1.0 kept them (keyed by account, time and track), two of
# them in one second, and their daily figures.
$node->safe_psql('upgraded', q{
	INSERT INTO silver.listen (account_id, played_at, track, artist, album, day,
							   recording_msid, url, source)
	SELECT a, t, 'Track ' || n, 'Artist ' || (n % 3), CASE WHEN n % 2 = 0 THEN 'Album' END,
		   (t AT TIME ZONE CASE a WHEN 3 THEN 'Europe/Berlin' ELSE 'America/New_York' END)::date,
		   CASE WHEN a = 4 AND n % 4 <> 0 THEN md5(a || '/' || n)::uuid END,
		   CASE WHEN a = 3 THEN 'https://www.last.fm/music/x/_/' || n END,
		   CASE a WHEN 3 THEN 'lastfm' ELSE 'listenbrainz' END
	FROM generate_series(3, 4) a,
		 generate_series(1, 40) n,
		 LATERAL (SELECT timestamptz '2025-05-01 12:00+00' + (n / 2) * interval '7 hours' AS t) x;
	SELECT tracker.recompute_listening(3), tracker.recompute_listening(4);
});

# S3 settings and an archive run.
query_or_error($node, 'upgraded', "SELECT tracker.set_s3('$s3->{url}', '$bucket', 'us-east-1', "
	  . "'$s3_access', '$s3_secret', 'tracker/', true)");
cmp_ok(query_or_error($node, 'upgraded',
	"SELECT count(*) FILTER (WHERE status = 'uploaded') FROM tracker.archive(current_date)"),
	'>=', 4, 'the archive uploads bundles');

is(query_or_error($node, 'upgraded', q{
	SELECT (SELECT count(*) FROM tracker.account_profile) > 0,
		   (SELECT count(*) FROM tracker.sync_log) > 0,
		   (SELECT count(*) FROM silver.listen),
		   (SELECT count(*) FROM gold.listening_daily) > 0,
		   (SELECT count(*) FROM bronze.payload WHERE status = 'rejected'),
		   (SELECT count(*) FROM tracker.archive_payload) > 0,
		   (SELECT count(*) FROM tracker.job_window WHERE state = 'queued') > 0,
		   (SELECT count(*) FROM gold.daily WHERE algorithm_version = 1) > 0}),
	't|t|80|t|1|t|t|t', 'the 0.1.0 database holds every kind of state');

# ------------------------------------------------------------------------
# What 0.1.0 held, to compare with what the upgrade keeps: every table with
# the columns it had.
# ------------------------------------------------------------------------
my %columns = map { split /\|/ } split /\n/, query_or_error($node, 'upgraded', q{
	SELECT c.oid::regclass, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
	FROM pg_depend d
		JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tracker'
		JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'r'
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
	GROUP BY 1});
ok(exists $columns{'tracker.s3_config'} && exists $columns{'silver.listen'},
	'0.1.0 has its own tables (tracker.s3_config among them)');

# The columns that change on purpose, checked on their own below: the
# figures of the new algorithm, the state of an account connected without a
# token, and the S3 settings' singleton key (tracker.s3_config is the view
# of the two tables that hold them now).
my %changes = (
	'gold.daily' => [qw(resting_hr resting_hr_state algorithm_version computed_at)],
	'tracker.account_auth' => [qw(state reason since)],
	'tracker.s3_config' => ['singleton']);

# A table's rows, in the columns 0.1.0 had, as a count and one digest; with
# $renamed, under the names this version gives the zones.
my %zone_name = map { ("$_->[0].$_->[1]" => $_->[2]) } @zone_renames;

sub table_digest
{
	my ($db, $table, $renamed) = @_;
	my %skip = map { $_ => 1 } @{ $changes{$table} || [] };
	my $list = join(', ', map { ($renamed && $zone_name{"$table.$_"}) || $_ }
		  grep { !$skip{$_} } split /, /, $columns{$table});
	return query_or_error($node, $db, "SELECT count(*) || ' rows ' || coalesce(md5(string_agg(md5(x::text), ',' "
		  . "ORDER BY md5(x::text))), '') FROM (SELECT $list FROM $table) x");
}

my %kept_before = map { $_ => table_digest('upgraded', $_) } keys %columns;
# (the sequences that have handed out a value: those of tables new in
# this version have not)
my $sequences_sql = q{
	SELECT s.schemaname || '.' || s.sequencename, s.last_value FROM pg_sequences s
	WHERE s.schemaname IN ('tracker', 'bronze', 'silver', 'gold')
	  AND s.last_value IS NOT NULL ORDER BY 1};
my $sequences_before = query_or_error($node, 'upgraded', $sequences_sql);
my $auth_before = query_or_error($node, 'upgraded',
	'SELECT account_id, state, reason FROM tracker.account_auth ORDER BY 1');

# ------------------------------------------------------------------------
# The upgrade, and a fresh install to compare it with.
# ------------------------------------------------------------------------
$node->safe_psql('upgraded', 'ALTER EXTENSION tracker UPDATE');
is(query_or_error($node, 'upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'tracker'"),
	$version, "ALTER EXTENSION tracker UPDATE brings it to $version");
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION tracker');

# Raw pages are compressed with lz4 from this version on, upgraded or
# fresh; the pages 0.1.0 stored with pglz still read back as they were
# (the table digests below).
for my $db ('upgraded', 'fresh')
{
	is(query_or_error($node, $db, q{
		SELECT attcompression FROM pg_attribute
		WHERE attrelid = 'bronze.payload'::regclass AND attname = 'body'}),
		'l', "$db: bronze.payload.body is compressed with lz4");
}

# An empty 0.1.0 database too, whose upgrade first meets a tracker_web role
# that is not safe to hand the dashboard's grants: it refuses, as the
# install does, and changes nothing.
$node->safe_psql('postgres', 'CREATE DATABASE empty');
$node->safe_psql('empty', "CREATE EXTENSION tracker VERSION '0.1.0'");
$node->safe_psql('postgres', 'ALTER ROLE tracker_web LOGIN');
my ($ret, $out, $err) = $node->psql('empty', 'ALTER EXTENSION tracker UPDATE');
like($err, qr/role "tracker_web" exists and is not safe to adopt.*\n.*It has LOGIN/,
	'the upgrade refuses a tracker_web role that can log in');
is(query_or_error($node, 'empty', "SELECT extversion FROM pg_extension WHERE extname = 'tracker'"),
	'0.1.0', 'and leaves the database at 0.1.0');
$node->safe_psql('postgres', 'ALTER ROLE tracker_web NOLOGIN');
$node->safe_psql('empty', 'ALTER EXTENSION tracker UPDATE');

# ------------------------------------------------------------------------
# Object by object: the catalogs' own description of everything the
# extension is, in both databases.
# ------------------------------------------------------------------------
# The lines of one definition that the other lacks, for a failure message.
sub lines_apart
{
	my ($fresh, $other, $db) = @_;
	my (%f, %o);
	$f{$_}++ for split /\n/, $fresh;
	$o{$_}++ for split /\n/, $other;
	my @only_f = grep { !$o{$_}-- } split /\n/, $fresh;
	my @only_o = grep { !$f{$_}-- } split /\n/, $other;
	return join("\n", (map { "  fresh only: $_" } @only_f), (map { "  $db only: $_" } @only_o));
}

my $fresh = describe_extension($node, 'fresh');
cmp_ok(scalar(keys %$fresh), '>', 300, 'the fresh install is described ('
	  . scalar(keys %$fresh) . ' objects and members)');
for my $db ('upgraded', 'empty')
{
	my $up = describe_extension($node, $db);
	my @only_fresh = grep { !exists $up->{$_} } sort keys %$fresh;
	my @only_up = grep { !exists $fresh->{$_} } sort keys %$up;
	my @differ = grep { exists $up->{$_} && $up->{$_} ne $fresh->{$_} } sort keys %$fresh;
	is(join("\n", @only_fresh), '', "$db: nothing of a fresh install is missing");
	is(join("\n", @only_up), '', "$db: nothing that a fresh install lacks");
	for my $o (@differ)
	{
		fail("$db: $o is as a fresh install has it");
		diag(lines_apart($fresh->{$o}, $up->{$o}, $db));
	}
	is(scalar(@differ), 0, "$db: every object is as a fresh install has it");
}

# The schema as pg_dump writes it, members of the extension included
# (--binary-upgrade): the same text, but for object ids, transaction ids,
# sequence values and the order in which pg_dump's marks were made.
sub schema_dump
{
	my ($db) = @_;
	my @lines;
	my $object = '(start)';
	my ($out, $err) = run_command([ 'pg_dump', '-h', $node->host, '-p', $node->port,
		'--schema-only', '--binary-upgrade', '-d', $db ]);
	die "pg_dump $db: $err" if $err ne '';
	for (split /\n/, $out)
	{
		$object = $1 if /^-- Name: (.*)$/;
		next if /binary_upgrade_set_next_|binary_upgrade_create_empty_extension|relfrozenxid/;
		next if /^\\(un)?restrict |^WHERE oid = |^UPDATE pg_catalog\.pg_class$|pg_catalog\.setval\(/;
		push @lines, [ $object, $_ ];
	}
	return \@lines;
}

my $fresh_dump = schema_dump('fresh');
for my $db ('upgraded', 'empty')
{
	my $dump = schema_dump($db);
	my $i = 0;
	$i++ while $i < @$dump && $i < @$fresh_dump && $dump->[$i][1] eq $fresh_dump->[$i][1];
	my $same = $i == @$dump && $i == @$fresh_dump;
	ok($same, "$db: pg_dump --schema-only writes what it writes for a fresh install");
	diag("first difference:\n  fresh, at $fresh_dump->[$i][0]:\n    " . ($fresh_dump->[$i][1] // '(end)')
		  . "\n  $db, at $dump->[$i][0]:\n    " . ($dump->[$i][1] // '(end)'))
	  unless $same;
}

# ------------------------------------------------------------------------
# The data kept.
# ------------------------------------------------------------------------
for my $t (sort keys %columns)
{
	if ($t eq 'tracker.s3_config')
	{
		# now the view of tracker.s3_target and tracker.s3_key
		is(table_digest('upgraded', $t), $kept_before{$t},
			'tracker.s3_config: the settings and keys, split in two tables, read back the same');
		next;
	}
	# the install script's own rows are compared with a fresh install below
	next if $t =~ /^tracker\.(provider_data_type|google_scope)$/;
	is(table_digest('upgraded', $t, 1), $kept_before{$t}, "$t: kept");
}
is(query_or_error($node, 'upgraded', $sequences_sql), $sequences_before, 'every sequence is where it was');
is(query_or_error($node, 'upgraded', q{
	SELECT (SELECT count(*) FROM tracker.s3_target), (SELECT count(*) FROM tracker.s3_key),
		   (SELECT state FROM tracker.s3_settings)}),
	'1|1|ready', 'the bucket and its keys are in their tables, ready');
is(query_or_error($node, 'upgraded', q{
	SELECT count(*), count(*) FILTER (WHERE listen_key = tracker.listen_key(source, artist, track, album, recording_msid))
	FROM silver.listen}),
	'80|80', 'every listen has its key');
is(query_or_error($node, 'upgraded', 'SELECT count(*) FROM tracker.job WHERE accounts_left_out IS NOT NULL'),
	'0', 'the jobs of 0.1.0 left no account out');
is(query_or_error($node, 'upgraded', 'SELECT account_id, state, reason FROM tracker.account_auth WHERE account_id <> 5 ORDER BY 1'),
	join("\n", grep { !/^5\|/ } split /\n/, $auth_before), 'the connection states are kept');
like(query_or_error($node, 'upgraded', 'SELECT state, reason FROM tracker.account_auth WHERE account_id = 5'),
	qr/^not_connected\|no credentials are held/,
	'but an account connected without a token (as restored from a dump) now says it needs connecting');

# The daily figures are those of this version's algorithm: computing them
# again from silver changes nothing.
my $gold_sql = 'SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
  . 'zone3_minutes, zone4_minutes, zone_source, zone_bounds, resting_hr, resting_hr_raw, '
  . 'resting_hr_state, algorithm_version FROM gold.daily ORDER BY 1, 2';
my $gold_after = query_or_error($node, 'upgraded', $gold_sql);
$node->safe_psql('fresh', q{
	SELECT tracker.add_account('one day', 'UTC');
	SELECT tracker.store_heart_rate(1, ARRAY[now()], ARRAY[60::smallint]);
});
is(query_or_error($node, 'upgraded', 'SELECT string_agg(DISTINCT algorithm_version::text, \',\') FROM gold.daily'),
	query_or_error($node, 'fresh', 'SELECT algorithm_version FROM gold.daily'),
	'the daily figures are of the algorithm version a fresh install computes with');
query_or_error($node, 'upgraded', 'SELECT tracker.recompute(account_id) FROM tracker.account ORDER BY 1');
is(query_or_error($node, 'upgraded', $gold_sql), $gold_after, 'and computing them again changes nothing');
is(query_or_error($node, 'upgraded', "SELECT wear_minutes, resting_hr FROM gold.daily WHERE account_id = 1 AND day = '2017-05-03'"),
	'120|', 'a day worn for two hours has no resting heart rate any more');
is(query_or_error($node, 'upgraded', q{
	SELECT account_id, zone_scheme, count(*),
		   bool_and(below_zone_minutes + zone1_minutes + zone2_minutes + zone3_minutes + zone4_minutes = wear_minutes)
	FROM gold.daily WHERE zone_source IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2}),
	"1|fitbit|5|t\n2|google_health|5|t",
	'the zones are named by their source and, with the minutes below them, add up to the worn minutes');

# The rows the install script writes are those of a fresh install.
for my $t ('tracker.provider', 'tracker.provider_data_type', 'tracker.google_scope')
{
	is(query_or_error($node, 'upgraded', "SELECT * FROM $t ORDER BY 1, 2"),
		query_or_error($node, 'fresh', "SELECT * FROM $t ORDER BY 1, 2"), "$t: as a fresh install writes it");
}
my $bench_sql = "SELECT string_agg(l.lanname, ',') FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
  . "WHERE p.proname LIKE 'bench%'";
is(query_or_error($node, 'upgraded', $bench_sql), query_or_error($node, 'fresh', $bench_sql),
	'the benchmark hook of 0.1.0 is gone (unless this is a build with make BENCH=1)');

# ------------------------------------------------------------------------
# The upgraded database carries on.
# ------------------------------------------------------------------------
$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.enable_workers = on');
$node->reload;
is(query_or_error($node, 'upgraded', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'the backfill queued in 0.1.0 runs');
is(query_or_error($node, 'upgraded', "SELECT count(*) FROM gold.daily WHERE account_id = 2 AND day >= '2017-05-03'"),
	'3', 'and brings its days');
is(query_or_error($node, 'upgraded',
	"SELECT errors, state FROM tracker.sync(4, '[2025-06-01,2025-06-11)')"),
	'0|connected', 'a ListenBrainz account syncs');
is(query_or_error($node, 'upgraded', q{
	SELECT count(*) FILTER (WHERE played_at < '2025-06-01'), count(*) FILTER (WHERE played_at >= '2025-06-01') > 0,
		   (SELECT count(*) FILTER (WHERE day < '2025-06-01') > 0 AND count(*) FILTER (WHERE day >= '2025-06-01') > 0
			FROM gold.listening_daily WHERE account_id = 4)
	FROM silver.listen WHERE account_id = 4}),
	'40|t|t', 'and its listens join those of 0.1.0, in the figures too');
my ($left_ret, $left_out, $left_err) = $node->psql('upgraded',
	"SELECT tracker.backfill('[2025-06-01,2025-06-03)')");
like($left_err, qr/leaves out the accounts that are not connected: 5 \(restored watch/,
	'a backfill of every account names the account left out');
is(query_or_error($node, 'upgraded', "SELECT accounts_left_out FROM tracker.job WHERE job_id = $left_out"),
	'{5}', 'and keeps it with the job');
is(query_or_error($node, 'upgraded', "SELECT tracker.wait($left_out, '3 minutes')"), 'done', 'and runs');
is(query_or_error($node, 'upgraded', q{
	SELECT string_agg(DISTINCT status, ',' ORDER BY status)
	FROM tracker.archive(current_date) WHERE account_id = 1}),
	'unchanged', 'the archive finds the months archived in 0.1.0 unchanged');

$node->stop;
done_testing();
