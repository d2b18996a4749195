# Bronze deltas: with scheduled syncs in the steady state (the fake in live
# mode, tracker.clock moved in step with the fake's clock), a page that
# repeats the hour of samples the page before it carried is kept as a delta
# against that page; every payload still reads back (tracker.payload_body())
# as exactly the bytes received; bronze holds far fewer bytes than the
# pages; chains stay bounded; a base cannot be deleted from under a payload
# that rests on it; the archive holds the full bytes, and a restore into a
# fresh database replays to the same silver and gold; retention after a
# verified archive rewrites whatever rests on a payload it removes, so every
# payload that stays is readable and silver is untouched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX qw(strftime);
use TrackerTest;

# The simulated day: 2026-05-12 (UTC), rounds every 15 minutes.
my $t0 = 1778544000;    # 2026-05-12T00:00:00Z
my $rounds = $ENV{DELTA_ROUNDS} || 24;
sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])); }

my $bucket = 'tracker-test';
my $access_key = 'TRACKERTESTKEY';
my $secret = 'tracker-test-secret/0123+abc';
my $s3 = start_s3_servers(buckets => [$bucket], keys => ["$access_key:$secret"]);
END { stop_server($s3) if $s3; }

my $fake = start_fake(
	users => [
		{
			id => 'live',
			refresh_token => 'rt-live',
			tz => 'Europe/Berlin',
			devices => [ 'pixel_watch', 'fitbit_charge' ],
			upload => { every_minutes => 5 },
			synthetic => { start => '2026-05-09', days => 5, seed => 3 }
		}
	]);
END { stop_server($fake) if $fake; }
fake_call($fake, 'POST', '/_fake/clock', { now => iso($t0) });

my $node = tracker_node('delta', $fake, 'tracker.scheduler_naptime = 100ms',
	"tracker.http_timeout = '60s'", "tracker.clock = '" . iso($t0) . "'",
	'tracker.archive_enabled = off', "tracker.bronze_retention = '30d'",
	'log_min_error_statement = panic');
END { $node->stop('immediate') if $node; }

sub sql { my ($db, $query) = @_; return $node->safe_psql($db, $query); }

sql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('live', 'Europe/Berlin');
	SELECT tracker.set_refresh_token(1, 'rt-live');
});

my $job = sql('postgres', "SELECT tracker.backfill('[2026-05-10,2026-05-13)')");
is(sql('postgres', "SELECT tracker.wait($job, '10 minutes')"), 'done', 'the backfill is done');

# One round: both clocks at $t, then wait (with a deadline) until the
# account has had its scheduled sync of $t and no sync is open.
sub round
{
	my ($t) = @_;
	my $at = iso($t);
	fake_call($fake, 'POST', '/_fake/clock', { now => $at });
	sql('postgres', "ALTER SYSTEM SET tracker.clock = '$at'; SELECT pg_reload_conf();");
	sql('postgres', 'SELECT tracker.wake_scheduler()');
	return poll_until($node,
		"SELECT (SELECT count(*) FROM tracker.account_schedule WHERE last_queued_at = '$at') = 1"
		  . " AND NOT EXISTS (SELECT 1 FROM tracker.job WHERE state IN ('queued', 'running'))",
		't', 300);
}

ok(round($t0), 'the first scheduled sync is done');
my $first_steady = sql('postgres', 'SELECT coalesce(max(payload_id), 0) FROM bronze.payload');
my $ok = 1;
for my $r (1 .. $rounds - 1)
{
	$ok = round($t0 + 900 * $r) or last;
}
ok($ok, "$rounds rounds of scheduled syncs ran");
sql('postgres', 'ALTER SYSTEM SET tracker.enable_workers = off; SELECT pg_reload_conf();');

# ------------------------------------------------------------------------
# Near-copies are deltas; every payload reads back as received.
# ------------------------------------------------------------------------
my ($hr_deltas, $hr_later) = split /\|/, sql('postgres', qq{
	SELECT count(*) FILTER (WHERE base_payload_id IS NOT NULL), count(*)
	FROM bronze.payload WHERE kind = 'heart-rate' AND payload_id > $first_steady});
cmp_ok($hr_later, '>=', $rounds - 1, "$hr_later heart-rate pages of the later syncs");
cmp_ok($hr_deltas * 10, '>=', $hr_later * 9, "$hr_deltas of them are kept as deltas");
is(sql('postgres', q{
	SELECT count(*) FROM bronze.payload b
	WHERE b.base_payload_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM bronze.payload p
		WHERE p.account_id = b.account_id AND p.payload_id = b.base_payload_id
		  AND p.payload_id < b.payload_id AND p.source = b.source AND p.kind = b.kind)}),
	'0', 'every base is an earlier payload of the same account, source and data type');

my $readback = q{
	SELECT count(*), count(*) FILTER (WHERE sha256(x.body) = p.sha256
									   AND octet_length(x.body) = p.byte_size)
	FROM bronze.payload p,
		LATERAL (SELECT tracker.payload_body(account_id => p.account_id,
											 payload_id => p.payload_id) AS body) x};
my ($all, $good) = split /\|/, sql('postgres', $readback);
is($good, $all, "every one of the $all payloads reads back with its own SHA-256 and size");

is(sql('postgres', q{
	WITH RECURSIVE chain AS (
		SELECT account_id, payload_id, base_payload_id, 0 AS depth FROM bronze.payload
		UNION ALL
		SELECT c.account_id, c.payload_id, p.base_payload_id, c.depth + 1
		FROM chain c JOIN bronze.payload p
			ON p.account_id = c.account_id AND p.payload_id = c.base_payload_id)
	SELECT max(depth) <= 32 FROM chain}), 't', 'no chain is longer than 32 deltas');
is(sql('postgres', 'SELECT tracker.payload_body(1, -1) IS NULL'), 't',
	'a payload the account does not hold reads as null');

# Bytes: what bronze holds against the pages it was given.
my ($pages, $stored, $on_disk, $pages_later, $stored_later) = split /\|/, sql('postgres', qq{
	SELECT sum(byte_size), sum(octet_length(body)), sum(pg_column_size(body)),
		   sum(byte_size) FILTER (WHERE payload_id > $first_steady),
		   sum(octet_length(body)) FILTER (WHERE payload_id > $first_steady)
	FROM bronze.payload});
diag(sprintf('bronze: %d bytes received, %d kept (%.1fx; %d on disk after lz4); '
	  . 'scheduled syncs: %d received, %d kept (%.1fx)',
	$pages, $stored, $pages / $stored, $on_disk, $pages_later, $stored_later,
	$pages_later / $stored_later));
cmp_ok($pages_later, '>=', 3 * $stored_later,
	'the pages of the scheduled syncs take at most a third of their size');

# A base cannot go while a payload rests on it, nor can a delta name a
# base that does not exist.
my ($ret, $out, $err) = $node->psql('postgres', q{
	DELETE FROM bronze.payload WHERE (account_id, payload_id) IN
		(SELECT account_id, base_payload_id FROM bronze.payload
		 WHERE base_payload_id IS NOT NULL LIMIT 1)});
like($err, qr/ERROR:  payload \d+ of account 1 is the base of payload \d+/,
	'deleting a base that a payload rests on fails');
($ret, $out, $err) = $node->psql('postgres', q{
	UPDATE bronze.payload SET base_payload_id = -1 WHERE payload_id =
		(SELECT max(payload_id) FROM bronze.payload WHERE base_payload_id IS NOT NULL)});
like($err, qr/ERROR:  the base -1 of payload \d+ of account 1 does not exist/,
	'a delta against a payload that does not exist is refused');

# ------------------------------------------------------------------------
# The archive holds the full bytes; a restore replays to the same silver.
# ------------------------------------------------------------------------
my %snapshot_sql = (
	heart_rate_day => 'SELECT account_id, day, samples, first_at, last_at, md5(series) '
	  . 'FROM silver.heart_rate_day ORDER BY 1, 2',
	daily_reported => q{SELECT to_jsonb(x) - ARRAY['updated_at', 'payload_id'] }
	  . 'FROM silver.daily_reported x ORDER BY account_id, day',
	steps => 'SELECT account_id, start_at, end_at, day, steps FROM silver.steps ORDER BY 1, 2',
	# the simulated day is not over: its zone minutes come from the day's
	# roll-up pages, which a replay does not read
	gold => 'SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
	  . "zone3_minutes, zone4_minutes, resting_hr FROM gold.daily WHERE day < '2026-05-12' ORDER BY 1, 2",
	gold_today => 'SELECT account_id, day, samples, wear_minutes FROM gold.daily ORDER BY 1, 2',
	samples => 'SELECT account_id, count(*), sum(bpm), min(ts), max(ts) FROM silver.heart_rate '
	  . 'GROUP BY 1 ORDER BY 1',);

sub snapshot
{
	my ($db) = @_;
	my %s;
	$s{$_} = sql($db, $snapshot_sql{$_}) for keys %snapshot_sql;
	return \%s;
}
my $bronze_sql = q{SELECT account_id, payload_id, source, kind, encode(sha256, 'hex'), byte_size,
	status, md5(tracker.payload_body(account_id, payload_id)) FROM bronze.payload ORDER BY 1, 2};
my $snap = snapshot('postgres');
my $bronze = sql('postgres', $bronze_sql);

sub set_s3
{
	my ($db) = @_;
	sql($db, qq{SET log_statement = 'none';
		SELECT tracker.set_s3('$s3->{url}', '$bucket', 'us-east-1', '$access_key', '$secret', 'tracker/', true)});
}
set_s3('postgres');
like(sql('postgres',
		"SELECT count(*), count(*) FILTER (WHERE status = 'uploaded') FROM tracker.archive(current_date)"),
	qr/^(\d+)\|\1$/, 'the archive uploads and verifies every month');

sql('postgres', 'CREATE DATABASE copy');
sql('copy', 'CREATE EXTENSION tracker');
set_s3('copy');
is(sql('copy', "SELECT count(*) FILTER (WHERE status <> 'restored') FROM tracker.restore_from_s3()"),
	'0', 'every archived month is restored into a fresh database');
is(sql('copy', $bronze_sql), $bronze,
	'bronze comes back byte for byte (each SHA-256 checked on the way)');
is(sql('copy', 'SELECT count(*) FROM bronze.payload WHERE base_payload_id IS NOT NULL'), '0',
	'a restore writes full payloads');
my $copy = snapshot('copy');
is($copy->{$_}, $snap->{$_}, "replaying the payloads gives the same $_") for sort keys %$snap;

# ------------------------------------------------------------------------
# Retention after the verified archive: nothing that stays loses its base.
# ------------------------------------------------------------------------
my $cut = sql('postgres', qq{SELECT min(payload_id) + (max(payload_id) - min(payload_id)) / 2
	FROM bronze.payload WHERE payload_id > $first_steady});
sql('postgres',
	"UPDATE bronze.payload SET received_at = received_at - interval '40 days' WHERE payload_id <= $cut");
my $orphans = sql('postgres', qq{SELECT string_agg(payload_id::text, ',' ORDER BY payload_id)
	FROM bronze.payload WHERE payload_id > $cut AND base_payload_id <= $cut});
ok($orphans, "payloads that stay rest on payloads that go: $orphans");
my $staying = sql('postgres', "SELECT count(*) FROM bronze.payload WHERE payload_id > $cut");
my $gone = sql('postgres', 'SELECT payloads FROM tracker.bronze_retire()');
cmp_ok($gone, '>', 0, "retention removed $gone archived payloads");
is(sql('postgres', 'SELECT count(*) FROM bronze.payload'), $staying, 'every newer payload stays');
is(sql('postgres',
		"SELECT count(*) FROM bronze.payload WHERE payload_id IN ($orphans) AND base_payload_id IS NULL"),
	scalar(my @o = split /,/, $orphans), 'the payloads whose base left are kept whole');
($all, $good) = split /\|/, sql('postgres', $readback);
is($good, $all, "every one of the $all remaining payloads reads back with its own SHA-256");
is(sql('postgres', $bronze_sql), join("\n", grep { (split /\|/)[1] > $cut } split /\n/, $bronze),
	'they are the bytes received');
is_deeply(snapshot('postgres'), $snap, 'silver and gold are untouched by retention');

done_testing();
