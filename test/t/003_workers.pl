# The background workers: launcher, per-database scheduler, sync workers,
# tracker.backfill(), and surviving restarts, kills and API faults.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use TrackerTest;

my $fixtures = fixtures_dir();
my $fake = start_fake(
	users => [
		kory_user(),
		{
			id => 'other',
			refresh_token => 'rt-other',
			tz => 'Europe/Berlin',
			synthetic => { start => '2017-04-20', days => 80, seed => 7 }
		}
	]);

my $node = tracker_node('workers', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h', 'restart_after_crash = on');
my $range = "'[2017-04-30,2017-07-01)'";

sub scheduler_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'tracker scheduler' AND datname = 'postgres'");
}

# No extension, no scheduler (after the launcher's first look).
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker launcher'", '1'),
	'the launcher runs');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler'", '0'),
	'no scheduler without the extension');

# CREATE EXTENSION starts the scheduler within seconds.
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler'", '1', 20),
	'CREATE EXTENSION starts the scheduler');

$node->safe_psql('postgres', q{
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import');
	SELECT tracker.add_account('other', 'Europe/Berlin');
	SELECT tracker.set_refresh_token(1, 'rt-kory');
	SELECT tracker.set_refresh_token(3, 'rt-other');
});
$node->safe_psql('postgres',
	"SELECT count(*) FROM tracker.import_fitbit_file(2, '$fixtures/korymath')");

my $daily_cols = 'day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
  . 'zone3_minutes, zone4_minutes, resting_hr, zone_source, reported_resting_hr, '
  . 'reported_zone1_minutes, reported_zone2_minutes, reported_zone3_minutes, '
  . 'reported_zone4_minutes';
my $imported = $node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(2, $range)");

# A backfill completes in the background and matches the direct import.
my $job = $node->safe_psql('postgres', "SELECT tracker.backfill($range, 1)");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'the backfill completes');
is($node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)"),
	$imported, 'backfilled days equal the imported files');
like($node->safe_psql('postgres',
		"SELECT windows_done = windows_total, rows_written > 0, requests > 0, state FROM tracker.jobs WHERE id = $job"),
	qr/^t\|t\|t\|done$/, 'tracker.jobs shows the progress');

# Workers are visible, with what they do and never a token.
my $activity = $node->safe_psql('postgres',
	"SELECT string_agg(backend_type || ':' || coalesce(query, ''), E'\\n') FROM pg_stat_activity WHERE backend_type LIKE 'tracker%'");
unlike($activity, qr/rt-kory|Bearer/, 'pg_stat_activity holds no token');

# Restart in the middle of a backfill: resumes, identical results.
sub reset_account
{
	$node->safe_psql('postgres', q{
		DELETE FROM silver.heart_rate_day WHERE account_id = 1;
		DELETE FROM silver.daily_reported WHERE account_id = 1;
		DELETE FROM gold.daily WHERE account_id = 1;
		DELETE FROM bronze.payload WHERE account_id = 1;
	});
}
# A backfill of the account from scratch, slowed down by the fake so that
# it is still running when something happens to the workers; returns once
# a window is done.
sub slow_backfill
{
	my ($delay_ms, $what) = @_;
	reset_account();
	fake_call($fake, 'POST', '/_fake/faults',
		[ { match => { data_type => 'heart-rate' }, times => -1, delay_ms => $delay_ms } ]);
	my $id = $node->safe_psql('postgres', "SELECT tracker.backfill($range, 1)");
	ok(poll_until($node,
			"SELECT count(*) > 0 FROM tracker.job_window WHERE job_id = $id AND state = 'done'", 't'),
		"$what is under way");
	return $id;
}
$job = slow_backfill(400, 'the backfill');
$node->restart;
fake_call($fake, 'DELETE', '/_fake/faults');
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'after a restart the backfill completes');
is($node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)"),
	$imported, 'after a restart the results are identical');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM (SELECT sha256 FROM bronze.payload WHERE account_id = 1 GROUP BY sha256 HAVING count(*) > 1) d"),
	'0', 'no payload stored twice');

# SIGKILL of the scheduler: the server restarts it, the job completes.
$job = slow_backfill(300, 'the second backfill');
my $pid = scheduler_pid();
kill 'KILL', $pid;
fake_call($fake, 'DELETE', '/_fake/faults');
# The server restarts every backend after a crash; wait until it is back.
ok(poll_until($node, 'SELECT 1', '1', 60), 'the server is back after the crash restart');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler' AND pid <> $pid", '1', 60),
	'a new scheduler runs after SIGKILL');
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'after SIGKILL the backfill completes');
is($node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)"),
	$imported, 'after SIGKILL the results are identical');

# pg_terminate_backend: the launcher starts the scheduler again.
$pid = scheduler_pid();
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler' AND pid <> $pid", '1', 60),
	'a terminated scheduler comes back');

# Storms of 429 and 500, timeouts and malformed pages: back off, then complete.
reset_account();
fake_call($fake, 'POST', '/_fake/faults',
	[
		{ match => { data_type => 'heart-rate' }, times => 6, status => 429, retry_after => 1 },
		{ match => { data_type => 'daily-resting-heart-rate' }, times => 8, status => 500 },
		{ match => { data_type => 'daily-heart-rate-zones' }, times => 4, delay_ms => 3000 },
	]);
$job = $node->safe_psql('postgres', "SELECT tracker.backfill($range, 1)");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '4 minutes')"), 'done',
	'the backfill completes after 429/500 storms and timeouts');
is($node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)"),
	$imported, 'after the storms the results are identical');
ok($node->safe_psql('postgres',
		"SELECT count(*) > 0 FROM tracker.sync_log WHERE account_id = 1 AND http_status IN (429, 500)") eq 't',
	'the failures are in the sync log');

# A malformed page fails its window, not the job's other windows, not the worker.
fake_call($fake, 'DELETE', '/_fake/faults');
fake_call($fake, 'POST', '/_fake/faults',
	[ { match => { data_type => 'steps' }, times => 1, body => 'malformed' } ]);
$job = $node->safe_psql('postgres', "SELECT tracker.backfill('[2017-05-01,2017-05-03)', 1)");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '2 minutes')"), 'failed',
	'a job with a malformed page ends failed');
like($node->safe_psql('postgres', "SELECT windows_failed, windows_total > 1, last_error FROM tracker.jobs WHERE id = $job"),
	qr/^1\|t\|.*not JSON/, 'only that window failed, with the reason');
fake_call($fake, 'DELETE', '/_fake/faults');

# Revoked token: needs_reauth, no loop; the other account goes on.
fake_call($fake, 'POST', '/_fake/revoke', { refresh_token => 'rt-kory' });
$node->safe_psql('postgres', q{UPDATE tracker.credential SET access_expires_at = now() - interval '1 hour'});
$job = $node->safe_psql('postgres', "SELECT tracker.backfill('[2017-05-01,2017-05-10)')");
ok(poll_until($node,
		"SELECT state FROM tracker.account_status WHERE account = 1", 'needs_reauth', 60),
	'a revoked account turns needs_reauth');
ok(poll_until($node,
		"SELECT count(*) = 0 FROM tracker.job_window WHERE job_id = $job AND account_id = 3 AND state IN ('queued', 'running')",
		't', 120),
	'the other account completes its windows');
my $r1 = fake_call($fake, 'GET', '/_fake/stats')->{total};
usleep(2_000_000);
my $r2 = fake_call($fake, 'GET', '/_fake/stats')->{total};
is($r2, $r1, 'no requests are made for the revoked account (no retry loop)');
is($node->safe_psql('postgres', "SELECT state FROM tracker.jobs WHERE id = $job"), 'running',
	'the job waits for the account to be reconnected');

# Reconnecting resumes its jobs.
fake_call($fake, 'POST', '/_fake/users', { id => 'kory', refresh_token => 'rt-kory-2',
	tz => 'America/Edmonton', data_dir => "$fixtures/korymath" });
$node->safe_psql('postgres', "SELECT tracker.set_refresh_token(1, 'rt-kory-2')");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '2 minutes')"), 'done',
	'reconnecting resumes the job');

# Network down: the source is marked offline and recovers by itself.
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.google_health_url = 'http://127.0.0.1:9'");
$node->reload;
$job = $node->safe_psql('postgres', "SELECT tracker.backfill('[2017-05-01,2017-05-02)', 1, ARRAY['heart-rate'])");
ok(poll_until($node, "SELECT state FROM tracker.source_status WHERE provider = 'google_health'",
		'offline', 60), 'connection failures mark the source offline');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET tracker.google_health_url');
$node->reload;
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'the job completes once the network is back');
is($node->safe_psql('postgres', "SELECT state FROM tracker.source_status WHERE provider = 'google_health'"),
	'online', 'the source is online again');

# Scheduled syncs; SIGHUP changes tracker.sync_interval live.
$node->safe_psql('postgres', 'DELETE FROM tracker.account_schedule');
ok(poll_until($node, "SELECT count(*) > 0 FROM tracker.job WHERE kind = 'sync' AND account_id = 3", 't', 30),
	'a scheduled sync is queued for a connected account');
my $syncs = $node->safe_psql('postgres', "SELECT count(*) FROM tracker.job WHERE kind = 'sync' AND account_id = 3");
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.sync_interval = '2s'");
$node->reload;
ok(poll_until($node, "SELECT count(*) > $syncs + 1 FROM tracker.job WHERE kind = 'sync' AND account_id = 3", 't', 60),
	'after SIGHUP the new interval applies');
like($node->safe_psql('postgres', 'SELECT next_sync IS NOT NULL, data_up_to IS NOT NULL FROM tracker.account_status WHERE account = 3'),
	qr/^t\|t$/, 'account_status shows the next sync and the data held');
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.sync_interval = '1h'");
$node->reload;

# DROP EXTENSION stops the scheduler.
$node->safe_psql('postgres', 'DROP EXTENSION tracker');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'tracker s%'", '0', 30),
	'DROP EXTENSION stops the scheduler and workers');

# DROP DATABASE and ALTER DATABASE ... RENAME are not blocked.
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION tracker');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler' AND datname = 'other'", '1', 30),
	'a scheduler runs in the new database');
$node->safe_psql('postgres', 'ALTER DATABASE other RENAME TO other2');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker scheduler' AND datname = 'other2'", '1', 30),
	'RENAME is not blocked and the scheduler comes back');
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE other2');
is($ret, 0, 'DROP DATABASE is not blocked by the scheduler');

$node->stop;
stop_fake($fake);
done_testing();
