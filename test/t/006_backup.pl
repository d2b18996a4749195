# Backups the way every PostgreSQL user makes them: a database holding
# imports, a Google Health account synced from the fake, Last.fm and
# ListenBrainz accounts, finished jobs and an archive run is dumped with the
# real pg_dump -Fc (by a superuser, and by a role that may read the data but
# not the secrets) and restored with pg_restore into new databases.  Every
# table and figure must come back; no secret may reach a dump; the restored
# database must show which accounts need connecting again, and then take
# new accounts, imports, backfills and archive runs without colliding with
# the restored keys.
use strict;
use warnings;
use FindBin;
use JSON::PP;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fixtures = fixtures_dir();
my $tmp = PostgreSQL::Test::Utils::tempdir();

# Secrets, distinctive enough to be searched for in the dumps.
my $refresh = 'rt-Backup-Refresh-7c3e9a';
my $client_secret = 'Backup-Client-Secret-51d2f0';
my $lastfm_key = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
my $s3_access = 'BACKUPACCESSKEY7';
my $s3_secret = 'backup-S3-secret/4242+xyz';
my $bucket = 'tracker-backup';

# What a dump must leave out: the secrets, and the install script's own rows
# (CREATE EXTENSION puts them back).  Every other table of the extension
# must come back exactly; account_auth is compared on its own below.
my %secret_table = map { $_ => 1 }
  qw(tracker.credential tracker.oauth_client tracker.oauth_pending tracker.api_key tracker.s3_key
	tracker.notify_secret tracker.jwt_secret);
my %reference_table = map { $_ => 1 }
  qw(tracker.provider tracker.provider_data_type tracker.google_scope);

my $google = start_fake(
	users => [
		{
			id => 'watch',
			refresh_token => $refresh,
			tz => 'Europe/Berlin',
			age => 41,
			synthetic => { start => '2017-04-28', days => 12, seed => 5 }
		}
	]);
fake_call($google, 'POST', '/_fake/clients',
	{ client_id => 'backup-client', client_secret => $client_secret });
my $music = start_music_fake(
	api_keys => [$lastfm_key],
	users => [
		{ service => 'lastfm', name => 'alice', tz => 'Europe/Berlin',
		  history => { start => '2025-06-01', days => 30, seed => 21 } },
		{ service => 'listenbrainz', name => 'bob', tz => 'America/New_York',
		  history => { start => '2025-06-01', days => 30, seed => 22 } },
	]);
my $s3 = start_s3_servers(buckets => [$bucket], keys => ["$s3_access:$s3_secret"]);
END
{
	stop_server($s3);
	stop_server($music);
	stop_server($google);
}

my $node = tracker_node('backup', $google,
	"tracker.lastfm_url = '$music->{url}'",
	"tracker.listenbrainz_url = '$music->{url}/'",
	'tracker.scheduler_naptime = 200ms', 'tracker.sync_interval = 1h',
	'tracker.archive_enabled = off', 'log_min_error_statement = panic');
my @conn = ('-h', $node->host, '-p', $node->port);

# A query's output, or "(error: ...)": a failure is a failed test, not the
# end of the script.
sub sql
{
	my ($db, $query) = @_;
	my ($ret, $out, $err) = $node->psql($db, $query);
	return $ret == 0 ? $out : "(error: $err)";
}

# Statements that carry secrets stay out of the statement log.
sub secret_sql
{
	my ($db, $query) = @_;
	return sql($db, "SET log_statement = 'none'; $query");
}

sub wait_job
{
	my ($db, $job, $what) = @_;
	is(sql($db, "SELECT tracker.wait($job, '3 minutes')"), 'done', $what);
}

sub jobs_idle
{
	my ($db) = @_;
	my $deadline = time() + 180;
	while (time() < $deadline)
	{
		return 1 if sql($db,
			"SELECT count(*) FROM tracker.job WHERE state IN ('queued', 'running')") eq '0';
		sleep(1);
	}
	return 0;
}

# ------------------------------------------------------------------------
# The database to back up.
# ------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE orig');
$node->safe_psql('orig', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import', '1988-04-01');
	SELECT tracker.add_account('watch', 'Europe/Berlin');
	SELECT tracker.add_account('alice', 'Europe/Berlin', 'lastfm', username => 'alice');
	SELECT tracker.add_account('bob', 'America/New_York', 'listenbrainz', username => 'bob');
	SELECT tracker.add_account('pending', 'UTC');
});
secret_sql('orig', "SELECT tracker.set_oauth_client('google_health', 'backup-client', '$client_secret')");
secret_sql('orig', "SELECT tracker.set_refresh_token(2, '$refresh')");
secret_sql('orig', "SELECT tracker.set_api_key('lastfm', '$lastfm_key')");
like(sql('orig', "SELECT tracker.authorize_url(5, 'http://127.0.0.1/cb')"), qr/^http/,
	'an authorization is under way for another account');

# Imports: files of the import account, and a bad file kept as rejected.
sql('orig', "SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/korymath')");
sql('orig', "SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/export')");
like(sql('orig', "SELECT * FROM tracker.import_fitbit_file(1, '$fixtures/bad/heart_rate-2018-11-02.json')"),
	qr/could not import file/, 'a bad file is refused (and kept in bronze as rejected)');

# Backfills by the background workers: Google Health and both listening services.
my $gh_job = sql('orig', "SELECT tracker.backfill('[2017-04-28,2017-05-03)', 2)");
my $lf_job = sql('orig', "SELECT tracker.backfill('[2025-06-01,2025-06-16)', 3)");
my $lb_job = sql('orig', "SELECT tracker.backfill('[2025-06-01,2025-06-16)', 4)");
wait_job('orig', $gh_job, 'the Google Health backfill finishes');
wait_job('orig', $lf_job, 'the Last.fm backfill finishes');
wait_job('orig', $lb_job, 'the ListenBrainz backfill finishes');
ok(jobs_idle('orig'), 'the scheduled syncs finish too');

# An archive run.
secret_sql('orig', "SELECT tracker.set_s3('$s3->{url}', '$bucket', 'us-east-1', '$s3_access', "
	  . "'$s3_secret', 'tracker/', true)");
my $archived = sql('orig',
	"SELECT count(*) FILTER (WHERE status = 'uploaded') FROM tracker.archive(current_date)");
cmp_ok($archived, '>=', 10, 'the archive uploads a bundle per account, data type and month');

is(sql('orig', q{
	SELECT (SELECT count(*) FROM tracker.account_profile) > 0,
		   (SELECT count(*) FROM tracker.sync_state) > 0,
		   (SELECT count(*) FROM tracker.sync_log) > 0,
		   (SELECT count(*) FROM tracker.account_schedule) > 0,
		   (SELECT count(*) FROM silver.listen) > 0,
		   (SELECT count(*) FROM silver.heart_rate_day WHERE account_id = 2) > 0,
		   (SELECT count(*) FROM bronze.payload WHERE status = 'rejected'),
		   (SELECT count(*) FROM tracker.archive_run WHERE state = 'done')}),
	't|t|t|t|t|t|1|1', 'the database holds every kind of state');
my $access_token = sql('orig', 'SELECT access_token FROM tracker.credential WHERE account_id = 2');
my $verifier = sql('orig', 'SELECT code_verifier FROM tracker.oauth_pending WHERE account_id = 5');
like($access_token, qr/^\S{8,}$/, 'the Google Health account holds an access token');

# ------------------------------------------------------------------------
# Every table, sequence and figure, to compare.
# ------------------------------------------------------------------------
my @tables = split /\n/, $node->safe_psql('orig', q{
	SELECT c.oid::regclass FROM pg_depend d
		JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tracker'
		JOIN pg_class c ON c.oid = d.objid
	WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
	ORDER BY 1::text});

# One line per table: rows, and a digest of them all.
sub table_digests
{
	my ($db) = @_;
	my %d;
	for my $t (@tables)
	{
		$d{$t} = sql($db,
			"SELECT count(*) || ' rows ' || coalesce(md5(string_agg(md5(x::text), ',' "
			  . "ORDER BY md5(x::text))), '') FROM $t x");
	}
	return \%d;
}

my $sequences_sql = q{
	SELECT s.schemaname || '.' || s.sequencename, s.last_value FROM pg_sequences s
	WHERE s.schemaname IN ('tracker', 'bronze', 'silver', 'gold') ORDER BY 1};

my %figures_sql = (
	daily => "SELECT a.account_id, d.* FROM tracker.account a, "
	  . "tracker.daily(a.account_id, '[2017-01-01,2019-01-01)') d ORDER BY 1, 2",
	samples => 'SELECT account_id, count(*), sum(bpm), min(ts), max(ts) FROM silver.heart_rate '
	  . 'GROUP BY 1 ORDER BY 1',
	listening => "SELECT a.account_id, l.* FROM tracker.account a, "
	  . "tracker.listening(a.account_id, '[2025-01-01,2026-01-01)') l ORDER BY 1, 2",
	top_artists => "SELECT * FROM tracker.top_artists(4, '[2025-01-01,2026-01-01)')",
	data_status => 'SELECT * FROM tracker.data_status ORDER BY 1',
	archive_status => 'SELECT * FROM tracker.archive_status ORDER BY 1, 2, 3',
	archive_summary => "SELECT (tracker.archive_summary()::jsonb - 'configured' - 'next_run_at' "
	  . "- 'keys_missing')::text",
	jobs => 'SELECT id, account, kind, days, data_types, state, windows_done, windows_total, '
	  . 'windows_failed, rows_written, requests, last_error, created_at, finished_at '
	  . 'FROM tracker.jobs ORDER BY id',
	accounts => 'SELECT account, name, provider, last_sync, data_up_to, errors_24h '
	  . 'FROM tracker.account_status ORDER BY 1',
	s3_settings => 'SELECT endpoint, bucket, region, prefix, path_style, updated_at FROM tracker.s3_settings',
	account_auth => 'SELECT account_id, state, reason, scopes, missing_scopes FROM tracker.account_auth '
	  . 'ORDER BY 1',);

sub figures
{
	my ($db) = @_;
	my %f;
	$f{$_} = sql($db, $figures_sql{$_}) for keys %figures_sql;
	return \%f;
}

my $before = table_digests('orig');
my $figures_before = figures('orig');
my $sequences_before = sql('orig', $sequences_sql);
like($sequences_before, qr/tracker\.account_account_id_seq\|5$/m, 'five accounts were created');

# ------------------------------------------------------------------------
# pg_dump -Fc, by the superuser and by a role that may not read secrets.
# ------------------------------------------------------------------------
my $revoke = join(', ', sort keys %secret_table);
$node->safe_psql('orig', qq{
	CREATE ROLE tracker_dumper LOGIN;
	GRANT USAGE ON SCHEMA tracker, bronze, silver, gold TO tracker_dumper;
	GRANT SELECT ON ALL TABLES IN SCHEMA tracker, bronze, silver, gold TO tracker_dumper;
	GRANT SELECT ON ALL SEQUENCES IN SCHEMA tracker, bronze, silver, gold TO tracker_dumper;
	DO \$\$
	DECLARE
		t text;
	BEGIN
		FOREACH t IN ARRAY string_to_array('$revoke, tracker.s3_config', ', ') LOOP
			IF to_regclass(t) IS NOT NULL THEN
				EXECUTE format('REVOKE ALL ON %s FROM tracker_dumper', t);
			END IF;
		END LOOP;
	END
	\$\$;
});
is($node->safe_psql('orig', q{
	SELECT count(*) FROM unnest(ARRAY['tracker.credential', 'tracker.oauth_client',
		'tracker.oauth_pending', 'tracker.api_key', 'tracker.s3_key', 'tracker.s3_config']) t
	WHERE to_regclass(t) IS NOT NULL AND has_table_privilege('tracker_dumper', t, 'SELECT')}),
	'0', 'the dump role may read no secret');

command_ok([ 'pg_dump', @conn, '-Fc', '-f', "$tmp/super.dump", 'orig' ],
	'pg_dump -Fc by the superuser');
command_ok([ 'pg_dump', @conn, '-U', 'tracker_dumper', '-Fc', '-f', "$tmp/reader.dump", 'orig' ],
	'pg_dump -Fc by a role that may not read the secrets');
is_deeply(table_digests('orig'), $before, 'nothing changed in the database while it was dumped');

for my $dump ('super', 'reader')
{
	command_ok([ 'pg_restore', '-f', "$tmp/$dump.sql", "$tmp/$dump.dump" ],
		"the $dump dump as SQL");
	my $text = slurp_file("$tmp/$dump.sql");
	my @found = grep { index($text, $_) >= 0 }
	  ($refresh, $client_secret, $lastfm_key, $s3_access, $s3_secret, $access_token, $verifier);
	is(scalar(@found), 0, "the $dump dump holds no secret");
	ok($text =~ /setval\('tracker\.account_account_id_seq', 5, true\)/,
		"the $dump dump sets the sequences");
}

# ------------------------------------------------------------------------
# pg_restore into new databases.
# ------------------------------------------------------------------------
for my $db ('restored', 'restored_reader')
{
	my $dump = $db eq 'restored' ? 'super' : 'reader';
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	# The superuser's dump is restored the plain way, one object after the
	# other: CREATE EXTENSION commits (and wakes the scheduler) long before
	# the extension's tables are copied, so the workers must stand aside
	# while pg_restore is connected.  The other in one transaction.
	# (The test framework names every connection after the test; pg_restore
	# is run as a person runs it, under its own name.)
	my @mode = $db eq 'restored' ? () : ('--single-transaction');
	{
		local $ENV{PGAPPNAME};
		delete $ENV{PGAPPNAME};
		command_ok([ 'pg_restore', @conn, @mode, '-d', $db, "$tmp/$dump.dump" ],
			"pg_restore @mode of the $dump dump");
	}
}

my $after = table_digests('restored');
for my $t (@tables)
{
	next if $t eq 'tracker.account_auth';
	if ($secret_table{$t})
	{
		like($after->{$t}, qr/^0 rows/, "$t: secrets are not restored");
	}
	else
	{
		is($after->{$t}, $before->{$t}, "$t: restored exactly");
	}
}
is(sql('orig', q{
	SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
	FROM pg_depend d
		JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tracker'
		JOIN pg_class c ON c.oid = d.objid
	WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'S')
	  AND c.oid <> ALL (e.extconfig)}),
	join(', ', sort(keys %secret_table, keys %reference_table)),
	'every table and sequence but the secrets and the reference rows is in dumps');
is(sql('restored', $sequences_sql), $sequences_before, 'every sequence is where it was');
# The raw pages keep their lz4 compression through the dump: the column's
# setting comes with CREATE EXTENSION, and the restored pages are
# compressed by it again.
for my $db ('orig', 'restored')
{
	is(sql($db, q{
		SELECT a.attcompression::text || ':' ||
			   (SELECT coalesce(string_agg(DISTINCT pg_column_compression(body), ','), '')
				FROM bronze.payload WHERE octet_length(body) > 4096)
		FROM pg_attribute a
		WHERE a.attrelid = 'bronze.payload'::regclass AND a.attname = 'body'}),
		'l:lz4', "$db: bronze.payload.body is compressed with lz4, and so is every large page");
}
# (account_auth rows written again at restore carry the time of the restore)
my $reader = table_digests('restored_reader');
delete $reader->{'tracker.account_auth'};
is_deeply($reader, { map { $_ => $after->{$_} } grep { $_ ne 'tracker.account_auth' } keys %$after },
	'the dump of the role that may not read secrets restores the same');
is(sql('restored_reader', $figures_sql{account_auth}), sql('restored', $figures_sql{account_auth}),
	'and the same connection states');

my $figures_after = figures('restored');
for my $f (sort keys %figures_sql)
{
	next if $f eq 'account_auth';
	is($figures_after->{$f}, $figures_before->{$f}, "figures: $f");
}

# What needs connecting again, and why.
my $status = sql('restored', 'SELECT account, state, reason FROM tracker.account_status ORDER BY 1');
like($status, qr/^2\|not_connected\|.*credentials.*dump.*tracker\.connect\(\)/m,
	'the restored Google Health account needs connecting again, and says why');
like($status, qr/^3\|not_connected\|no Last\.fm API key is set/m,
	'the Last.fm account waits for its key');
like($status, qr/^4\|connected\|$/m, 'the ListenBrainz account needs nothing');
like($status, qr/^5\|not_connected\|$/m, 'the account never connected is still not connected');
is(sql('restored', 'SELECT state, reason FROM tracker.s3_settings'),
	'keys_missing|the S3 keys are not part of a dump: set them with tracker.set_s3_keys()',
	'the archive settings say that the keys must be set again');
like(sql('restored', 'SELECT tracker.archive_summary()'), qr/"configured" : false.*"keys_missing" : true/,
	'and so does the archive summary');

# The workers run in the restored database, and leave the account without
# credentials alone: a backfill queued for it waits, with no request, no
# error and no backoff, while another account's backfill runs.
my $gh_log = sql('restored', 'SELECT count(*) FROM tracker.sync_log WHERE account_id = 2');
my $gh2 = sql('restored', "SELECT tracker.backfill('[2017-05-03,2017-05-08)', 2)");
my $lb2 = sql('restored', "SELECT tracker.backfill('[2025-06-16,2025-07-01)', 4)");
wait_job('restored', $lb2, 'a backfill runs in the restored database');
cmp_ok($gh2, '>', sql('orig', 'SELECT max(job_id) FROM tracker.job'), 'with new job ids');
is(sql('restored', qq{
	SELECT (SELECT count(*) FROM tracker.sync_log WHERE account_id = 2),
		   (SELECT string_agg(DISTINCT state || ' ' || attempts, ',') FROM tracker.job_window WHERE job_id = $gh2),
		   (SELECT count(*) FROM tracker.account_backoff WHERE account_id = 2),
		   (SELECT state FROM tracker.account_auth WHERE account_id = 2)}),
	"$gh_log|queued 0|0|not_connected", 'the account without credentials waits and is left alone');
$node->safe_psql('postgres', 'DROP DATABASE restored_reader');

# ------------------------------------------------------------------------
# The restored database carries on: a new account, an import, backfills,
# an archive run.
# ------------------------------------------------------------------------
my $max_payload = sql('orig', 'SELECT max(payload_id) FROM bronze.payload');
my $max_log = sql('orig', 'SELECT max(log_id) FROM tracker.sync_log');
my $max_run = sql('orig', 'SELECT max(run_id) FROM tracker.archive_run');

is(sql('restored', "SELECT tracker.add_account('new files', 'America/Edmonton', 'fitbit_import', '1988-04-01')"),
	'6', 'a new account takes the next id');
is(sql('restored', "SELECT count(*) FILTER (WHERE status = 'imported') FROM tracker.import_fitbit_file(6, '$fixtures/korymath')"),
	'3', 'an import into the new account');
is(sql('restored', "SELECT min(payload_id) > $max_payload FROM bronze.payload WHERE account_id = 6"),
	't', 'its payloads take new ids');
is(sql('restored', "SELECT d.* FROM tracker.daily(6, '[2017-01-01,2018-01-01)') d"),
	sql('restored', "SELECT d.* FROM tracker.daily(1, '[2017-01-01,2018-01-01)') d"),
	'and give the figures the restored account has for the same days');

secret_sql('restored', "SELECT tracker.set_oauth_client('google_health', 'backup-client', '$client_secret')");
secret_sql('restored', "SELECT tracker.set_refresh_token(2, '$refresh')");
secret_sql('restored', "SELECT tracker.set_api_key('lastfm', '$lastfm_key')");
like(sql('restored', 'SELECT account, state FROM tracker.account_status WHERE account IN (2, 3) ORDER BY 1'),
	qr/^2\|connected\n3\|connected$/, 'connecting again makes both accounts connected');
my $lf2 = sql('restored', "SELECT tracker.backfill('[2025-06-16,2025-07-01)', 3)");
wait_job('restored', $gh2, 'the waiting Google Health backfill runs once the account is connected');
wait_job('restored', $lf2, 'a Last.fm backfill in the restored database');
is(sql('restored', "SELECT count(*) > 0, min(log_id) > $max_log FROM tracker.sync_log "
	  . "WHERE account_id = 2 AND at >= (SELECT created_at FROM tracker.job WHERE job_id = $gh2)"),
	't|t', 'the sync log takes new ids');
is(sql('restored', "SELECT count(*) FROM gold.daily WHERE account_id = 2 AND day >= '2017-05-03'"), '5',
	'the new Google Health days are there');
is(sql('restored', "SELECT count(*) FILTER (WHERE day >= '2025-06-16') > 0 "
	  . "FROM tracker.listening(3, '[2025-01-01,2026-01-01)')"),
	't', 'the Last.fm account carries on');

# The archive as the second copy: a payload that arrived in the original
# database after the dump was taken, and was archived, comes back from S3.
my $day = JSON::PP->new->decode(slurp_file("$fixtures/korymath/2017-05-02_datadumpHeart.json"));
$day->{'activities-heart-intraday'}{dataset}[100]{value} += 7;
mkdir "$tmp/later";
open(my $fh, '>', "$tmp/later/2017-05-02_datadumpHeart.json") or die;
print $fh JSON::PP->new->encode($day);
close($fh);
is(sql('orig', "SELECT status FROM tracker.import_fitbit_file(1, '$tmp/later/2017-05-02_datadumpHeart.json')"),
	'imported', 'after the dump, the original database takes a corrected day');
is(sql('orig', "SELECT count(*) FROM tracker.archive(current_date) WHERE status = 'uploaded'"), '1',
	'and archives it');

secret_sql('restored', "SELECT tracker.set_s3_keys('$s3_access', '$s3_secret')");
is(sql('restored', 'SELECT state FROM tracker.s3_settings'), 'ready', 'the keys make the archive ready');
is(sql('restored', 'SELECT sum(restored) FROM tracker.restore_from_s3(account => 1)'), '1',
	'restoring from S3 on top of the dump brings back the one payload the dump lacks');
is(sql('restored', "SELECT d.* FROM tracker.daily(1, '[2017-01-01,2019-01-01)') d"),
	sql('orig', "SELECT d.* FROM tracker.daily(1, '[2017-01-01,2019-01-01)') d"),
	'and the figures of the original database');
is(sql('restored', "SELECT string_agg(encode(sha256, 'hex'), ',' ORDER BY payload_id) FROM bronze.payload WHERE account_id = 1"),
	sql('orig', "SELECT string_agg(encode(sha256, 'hex'), ',' ORDER BY payload_id) FROM bronze.payload WHERE account_id = 1"),
	'and its payloads');

# Archiving again: only what is new or changed is uploaded.
my $run = sql('restored', q{
	SELECT string_agg(DISTINCT status, ',' ORDER BY status) FILTER (WHERE account_id IN (1, 4)),
		   string_agg(DISTINCT status || ' v' || version, ',') FILTER (WHERE account_id = 6),
		   count(*) FILTER (WHERE account_id = 2 AND month = '2017-05-01' AND status = 'uploaded' AND version > 1) > 0
	FROM tracker.archive(current_date)});
is($run, 'unchanged|uploaded v1|t',
	'archiving again: the restored months are unchanged, the new account and the changed month uploaded');
is(sql('restored', 'SELECT max(run_id) FROM tracker.archive_run'), $max_run + 1,
	'the archive run takes the next id');
is(sql('restored', "SELECT count(*) FROM tracker.archive_status WHERE state <> 'archived'"), '0',
	'every month is archived');

$node->stop;
done_testing();
