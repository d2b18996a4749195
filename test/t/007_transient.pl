# A window that meets a lock held by somebody else's long transaction (a big
# import of the same days, say) is not at fault: a lock timeout, a deadlock
# or a serialization failure puts it back in the queue with a growing delay
# and does not count as one of its attempts.  Held for longer than several
# lock timeouts, then released, the rows are written and the job ends done
# with all the data.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fixtures = fixtures_dir();
my $fake = start_fake(users => [ kory_user() ]);
my $node = tracker_node('transient', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h');
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres', q{
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import');
	SELECT tracker.set_refresh_token(1, 'rt-kory');
});
my $range = "'[2017-05-01,2017-05-04)'";
$node->safe_psql('postgres',
	"SELECT count(*) FROM tracker.import_fitbit_file(2, '$fixtures/korymath')");
my $cols = 'day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
  . 'zone3_minutes, zone4_minutes, resting_hr, reported_resting_hr';
my $imported = $node->safe_psql('postgres', "SELECT $cols FROM tracker.daily(2, $range)");

# A first backfill writes the days.
my $job = $node->safe_psql('postgres', "SELECT tracker.backfill($range, 1)");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '2 minutes')"), 'done',
	'the first backfill is done');
is($node->safe_psql('postgres', "SELECT $cols FROM tracker.daily(1, $range)"),
	$imported, 'it holds the days');

# A long transaction holds the rows every window of the range must write.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
$holder->query_safe(
	"SELECT count(*) FROM (SELECT 1 FROM gold.daily WHERE account_id = 1 "
	  . "AND ${range}::daterange \@> day FOR UPDATE) d");
$holder->query_safe(
	"SELECT count(*) FROM (SELECT 1 FROM silver.heart_rate_day WHERE account_id = 1 "
	  . "AND ${range}::daterange \@> day FOR UPDATE) d");

my $timeouts = sub {
	my $n = () = slurp_file($node->logfile) =~ /canceling statement due to lock timeout/g;
	return $n;
};
my $before = $timeouts->();
$job = $node->safe_psql('postgres', "SELECT tracker.backfill($range, 1)");

# Wait until windows have met the lock more times than the three errors a
# window used to be given up after.
my $deadline = time() + 180;
sleep(1) while $timeouts->() - $before < 5 && time() < $deadline;
cmp_ok($timeouts->() - $before, '>=', 5, 'the workers met the lock timeout five times or more');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.job_window WHERE job_id = $job AND state = 'failed'"),
	'0', 'no window was given up');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.job_window WHERE job_id = $job AND attempts > 1"),
	'0', 'lock timeouts are not counted as attempts');
like($node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT last_error, ' ') FROM tracker.job_window WHERE job_id = $job AND state = 'queued'"),
	qr/lock timeout/, 'the windows wait in the queue, saying why');

# The lock goes away: the windows are written, all of them.
$holder->query_safe('COMMIT');
$holder->quit;
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '3 minutes')"), 'done',
	'the job ends done once the lock is released');
is($node->safe_psql('postgres', "SELECT $cols FROM tracker.daily(1, $range)"),
	$imported, 'with all the data');

$node->stop;
stop_fake($fake);
done_testing();
