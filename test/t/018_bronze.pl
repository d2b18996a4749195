# Bronze retention (tracker.bronze_retention, tracker.bronze_retire()) against
# the S3 servers of test/s3/ on 127.0.0.1: with retention on, nothing leaves
# bronze without an archive, nor when the archive failed verification;
# after a verified bundle the old payloads go and the newer ones stay; the
# month stays "unchanged" in the archive; a late payload of a retired month
# gets a new version that carries the retired payloads over; and a restore
# from S3 into a fresh database gives back bronze, silver and gold exactly.
# Last, the archive worker applies retention after a scheduled run, in
# short transactions, and logs what it removed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use HTTP::Tiny;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use JSON::PP;
use File::Find;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $bucket = 'tracker-test';
my $access_key = 'TRACKERTESTKEY';
my $secret = 'tracker-test-secret/0123+abc';

my $s3 = start_s3_servers(buckets => [$bucket], keys => ["$access_key:$secret"]);
END { stop_server($s3); }
my $http = HTTP::Tiny->new(timeout => 30);

sub front
{
	my ($method, $path, $body) = @_;
	my $res = $http->request($method, "$s3->{front}/_control/$path",
		defined $body ? { content => encode_json($body) } : {});
	die "recorder $method $path: $res->{status} $res->{content}"
	  unless $res->{success};
	return decode_json($res->{content});
}

my $fake = start_fake(
	users => [
		{
			id => 'other',
			refresh_token => 'rt-other',
			tz => 'Europe/Berlin',
			synthetic => { start => '2017-04-27', days => 7, seed => 5 }
		}
	]);
END { stop_fake($fake) if $fake; }

# The workers stay off until the last part: nothing syncs behind the test.
my $node = tracker_node('bronze', $fake,
	'tracker.enable_workers = off', 'tracker.archive_enabled = off',
	'tracker.archive_interval = 2s', 'tracker.scheduler_naptime = 200ms',
	"tracker.bronze_retention = '30d'", "tracker.http_timeout = '60s'",
	'log_min_error_statement = panic');
END { $node->stop('immediate') if $node; }

sub set_s3
{
	my ($db, $endpoint) = @_;
	$node->safe_psql($db, qq{SET log_statement = 'none';
		SELECT tracker.set_s3('$endpoint', '$bucket', 'us-east-1', '$access_key', '$secret', 'tracker/', true)});
}

sub fails
{
	my ($db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, $sql);
	return $ret == 0 ? '' : $err;
}

sub poll_db
{
	my ($db, $query, $expected, $seconds) = @_;
	my $until = time() + ($seconds || 90);
	my $got = '';
	while (time() < $until)
	{
		my ($ret, $out, $err) = $node->psql($db, $query);
		$got = $ret == 0 ? $out : "(error: $err)";
		return 1 if $got eq $expected;
		usleep(100_000);
	}
	diag("poll_db timed out: $query gave '$got', expected '$expected'");
	return 0;
}

my %snapshot_sql = (
	heart_rate_day => 'SELECT account_id, day, samples, first_at, last_at, md5(series) '
	  . 'FROM silver.heart_rate_day ORDER BY 1, 2',
	daily_reported => 'SELECT account_id, day, resting_hr, zone1_min, zone2_min, '
	  . 'zone3_min, zone4_min, zone4_max, zone1_minutes, zone2_minutes, zone3_minutes, '
	  . 'zone4_minutes, source, payload_id FROM silver.daily_reported ORDER BY 1, 2',
	exercise => 'SELECT account_id, exercise_id, start_at, end_at, day, payload_id '
	  . 'FROM silver.exercise ORDER BY 1, 2',
	sleep => 'SELECT account_id, sleep_id, start_at, end_at, day, stages, payload_id '
	  . 'FROM silver.sleep ORDER BY 1, 2',
	steps => 'SELECT account_id, start_at, end_at, day, steps FROM silver.steps ORDER BY 1, 2',
	gold => 'SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
	  . 'zone3_minutes, zone4_minutes, resting_hr, resting_hr_state FROM gold.daily ORDER BY 1, 2',
	figures => "SELECT a.account_id, d.* FROM tracker.account a, "
	  . "tracker.daily(a.account_id, '[2017-01-01,2019-01-01)') d ORDER BY 1, 2",
	samples => 'SELECT account_id, count(*), sum(bpm), min(ts), max(ts) FROM silver.heart_rate '
	  . 'GROUP BY 1 ORDER BY 1',);

sub snapshot
{
	my ($db) = @_;
	my %s;
	$s{$_} = $node->safe_psql($db, $snapshot_sql{$_}) for keys %snapshot_sql;
	return \%s;
}

my $bronze_sql = 'SELECT account_id, payload_id, source, kind, origin, '
  . "encode(sha256, 'hex'), byte_size, http_status, status, reason, "
  . 'md5(tracker.payload_body(account_id, payload_id)) '
  . 'FROM bronze.payload ORDER BY 1, 2';

# ------------------------------------------------------------------------
# A synced account, a file account with a rejected payload.
# ------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE orig');
$node->safe_psql('orig', q{
	CREATE EXTENSION tracker;
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('other', 'Europe/Berlin', birth_date => '1990-02-03');
	SELECT tracker.set_refresh_token(1, 'rt-other');
	SELECT tracker.add_account('files', 'Europe/Berlin', 'fitbit_import', '1988-04-01');
});
is($node->safe_psql('orig', "SELECT rejected, errors FROM tracker.sync(1, '[2017-04-27,2017-05-01)')"),
	'0|0', 'April syncs');
my $fixtures = fixtures_dir();
fails('orig', "SELECT * FROM tracker.import_fitbit_file(2, '$fixtures/bad/heart_rate-2018-11-02.json')");
is($node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE status = 'rejected'"),
	'1', 'a rejected payload is in bronze');
is($node->safe_psql('orig', 'SHOW tracker.bronze_retention'), '30d', 'retention is 30 days');

# Every payload so far arrived "40 days ago".
$node->safe_psql('orig', "UPDATE bronze.payload SET received_at = received_at - interval '40 days'");
my $old = $node->safe_psql('orig', 'SELECT count(*) FROM bronze.payload');
cmp_ok($old, '>=', 8, "$old old payloads");
my $bronze_before = $node->safe_psql('orig', $bronze_sql);
# A page of April, kept aside for a late re-fetch later on.
$node->safe_psql('orig', q{CREATE TABLE public.april AS
	SELECT tracker.payload_body(account_id, payload_id) AS body FROM bronze.payload
	WHERE account_id = 1 AND kind = 'heart-rate'
	ORDER BY payload_id LIMIT 1});

# ------------------------------------------------------------------------
# No archive: nothing goes.
# ------------------------------------------------------------------------
is($node->safe_psql('orig', 'SELECT payloads, bytes FROM tracker.bronze_retire()'),
	'0|0', 'without an archive configured nothing leaves bronze');
is($node->safe_psql('orig', 'SELECT count(*) FROM bronze.payload'), $old, 'every payload stays');

# ------------------------------------------------------------------------
# An archive whose verification fails: nothing goes.
# ------------------------------------------------------------------------
set_s3('orig', $s3->{front});
is($node->safe_psql('orig', 'SELECT payloads FROM tracker.bronze_retire()'),
	'0', 'configured but never archived: nothing goes');
front('POST', 'faults', [ { method => 'HEAD', path => '/bundles/', times => -1, status => 404 } ]);
like(fails('orig', 'SELECT * FROM tracker.archive(current_date)'),
	qr/uploaded object ".*" is missing/, 'the archive fails its verification');
front('DELETE', 'faults');
is($node->safe_psql('orig', 'SELECT payloads FROM tracker.bronze_retire()'),
	'0', 'after a failed verification nothing goes');
is($node->safe_psql('orig', 'SELECT count(*) FROM bronze.payload'), $old, 'every payload stays');

# ------------------------------------------------------------------------
# A verified archive: the old payloads go, the newer stay.
# ------------------------------------------------------------------------
my $first = $node->safe_psql('orig',
	"SELECT count(*), count(*) FILTER (WHERE status = 'uploaded') FROM tracker.archive(current_date)");
like($first, qr/^(\d+)\|\1$/, 'the archive uploads and verifies every month');
is($node->safe_psql('orig', 'SELECT count(*) FROM tracker.archive_bundle WHERE verified_at IS NULL'),
	'0', 'every bundle is verified');

# Newer payloads: May, synced now.
is($node->safe_psql('orig', "SELECT rejected, errors FROM tracker.sync(1, '[2017-05-01,2017-05-03)')"),
	'0|0', 'May syncs');
my $new = $node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE received_at > now() - interval '1 day'");
cmp_ok($new, '>', 0, "$new new payloads");
my $snap = snapshot('orig');

is($node->safe_psql('orig', 'SELECT payloads FROM tracker.bronze_retire(max_payloads => 3)'),
	'3', 'retention works in batches');
my $rest = $node->safe_psql('orig', 'SELECT payloads FROM tracker.bronze_retire()');
is($node->safe_psql('orig', 'SELECT count(*) FROM tracker.archive_retired'), 3 + $rest,
	'what leaves bronze is remembered for the archive');
is($node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE received_at < now() - interval '30 days'"),
	'0', 'every old payload (all in verified bundles) left bronze');
is(3 + $rest, $old, 'all of them');
is($node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE received_at > now() - interval '1 day'"),
	$new, 'every payload newer than the setting stays');
is($node->safe_psql('orig', "SELECT count(*) FROM tracker.archive_retired WHERE status = 'rejected'"),
	'1', 'the rejected payload went too, since a verified bundle holds it');
is($node->safe_psql('orig', 'SELECT payloads FROM tracker.bronze_retire()'), '0', 'a second call finds nothing');
my $after = snapshot('orig');
is_deeply($after, $snap, 'silver and gold are untouched by retention');

# The months whose payloads left stay "archived"; archiving again uploads
# only what is new (May).
is($node->safe_psql('orig',
		"SELECT count(*) FROM tracker.archive_status s WHERE state <> 'archived' "
		  . "AND EXISTS (SELECT 1 FROM tracker.archive_retired r WHERE r.account_id = s.account_id "
		  . " AND r.data_type = s.data_type AND date_trunc('month', r.day) = s.month)"),
	'0', 'months whose payloads left bronze stay archived');
my $second = $node->safe_psql('orig',
	"SELECT string_agg(a.status, ',') FROM tracker.archive(current_date) a "
	  . "WHERE EXISTS (SELECT 1 FROM tracker.archive_retired r WHERE r.account_id = a.account_id "
	  . " AND r.data_type = a.data_type AND date_trunc('month', r.day) = a.month)");
like($second, qr/^unchanged(,unchanged)*$/, 'archiving again leaves the retired months unchanged');
is($node->safe_psql('orig', "SELECT count(*) FROM tracker.archive_bundle WHERE month = '2017-05-01'"),
	$node->safe_psql('orig', "SELECT count(DISTINCT data_type) FROM tracker.archive_payload WHERE day >= '2017-05-01' AND day < '2017-06-01'"),
	'and archives the new month');

# A late payload for a retired month (the same page re-fetched with other
# bytes): a new version of the month carries the retired payloads over.
my ($late_type, $late_month) = split /\|/, $node->safe_psql('orig',
	"SELECT data_type, date_trunc('month', day)::date FROM tracker.archive_retired "
	  . "WHERE account_id = 1 AND data_type = 'heart-rate' ORDER BY payload_id LIMIT 1");
is($late_type, 'heart-rate', 'a retired heart-rate month');
$node->safe_psql('orig', q{
	INSERT INTO bronze.payload (account_id, source, kind, origin, sha256, byte_size, http_status, status, body)
	SELECT 1, 'google_health', 'heart-rate', 'late re-fetch', sha256(b), length(b), 200, 'accepted', b
	FROM (SELECT body || '\x0a'::bytea AS b FROM public.april) q});
my $third = $node->safe_psql('orig',
	"SELECT month, version, payloads, status FROM tracker.archive(current_date) "
	  . "WHERE status = 'uploaded' ORDER BY month");
my $retired_in_month = $node->safe_psql('orig',
	"SELECT count(*) FROM tracker.archive_retired WHERE account_id = 1 AND data_type = 'heart-rate' "
	  . "AND date_trunc('month', day) = '$late_month'");
my $bundle_row = $node->safe_psql('orig',
	"SELECT version, payloads, bundle_key FROM tracker.archive_bundle "
	  . "WHERE account_id = 1 AND data_type = 'heart-rate' AND month = '$late_month'");
my ($v, $np, $bkey) = split /\|/, $bundle_row;
like($third, qr/^\Q$late_month\E\|$v\|$np\|uploaded$/m, 'the late payload gives its month a new version');
cmp_ok($v, '>', 1, "version $v");
my $in_bronze = $node->safe_psql('orig',
	"SELECT count(*) FROM tracker.archive_payload WHERE account_id = 1 AND data_type = 'heart-rate' "
	  . "AND date_trunc('month', day) = '$late_month'");
is($np, $retired_in_month + $in_bronze, 'it holds the retired payloads and those in bronze');

# ------------------------------------------------------------------------
# Restore into a fresh database: bronze, silver and gold come back exactly.
# ------------------------------------------------------------------------
$node->safe_psql('postgres', 'DROP DATABASE orig');
$node->safe_psql('postgres', 'CREATE DATABASE orig');
$node->safe_psql('orig', 'CREATE EXTENSION tracker');
set_s3('orig', $s3->{url});
my $restore = $node->safe_psql('orig',
	"SELECT count(*) FILTER (WHERE status <> 'restored') FROM tracker.restore_from_s3()");
is($restore, '0', 'every archived month is restored');
is_deeply(snapshot('orig'), $snap, 'silver, gold and the figures are as before retention');
is($node->safe_psql('orig',
		$bronze_sql =~ s/ORDER BY/WHERE received_at < now() - interval '30 days' ORDER BY/r),
	$bronze_before, 'every retired payload is back in bronze, with its id');
is($node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE origin = 'late re-fetch'"),
	'1', 'and the late one');
is($node->safe_psql('orig', 'SELECT count(*) FROM tracker.archive_retired'), '0',
	'a fresh database has nothing retired');
is($node->safe_psql('orig',
		"SELECT count(*) FILTER (WHERE status <> 'unchanged') FROM tracker.archive(current_date)"),
	'0', 'archiving the restored database uploads nothing');

# ------------------------------------------------------------------------
# The archive worker applies retention after a scheduled run.
# ------------------------------------------------------------------------
$node->safe_psql('orig', "UPDATE bronze.payload SET received_at = received_at - interval '40 days'");
my $held = $node->safe_psql('orig', 'SELECT count(*) FROM bronze.payload');
my $log_offset = -s $node->logfile;
my $last = $node->safe_psql('orig', 'SELECT max(run_id) FROM tracker.archive_run');
$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.archive_enabled = on');
$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.enable_workers = on');
$node->reload;
ok(poll_db('orig',
		"SELECT state FROM tracker.archive_run WHERE run_id > $last "
		  . "AND trigger = 'scheduled' AND state IN ('done', 'failed') ORDER BY run_id LIMIT 1",
		'done', 120),
	'a scheduled archive runs');
$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.archive_enabled = off');
$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.enable_workers = off');
$node->reload;
is($node->safe_psql('orig', "SELECT count(*) FROM bronze.payload WHERE received_at < now() - interval '30 days'"),
	'0', 'the archive worker removed the old archived payloads');
is($node->safe_psql('orig', 'SELECT count(*) FROM tracker.archive_retired'), $held,
	'each of them is remembered');
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/bronze retention removed $held archived payloads \(\d+ bytes\) received more than 2592000 seconds ago, in \d+ transactions?/,
	'and logged how many it removed');

done_testing();
