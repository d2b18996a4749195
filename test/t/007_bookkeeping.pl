# Worker bookkeeping: a window's worker is alive only if it is attached to
# the database in shared memory, never because some process happens to
# have its pid; the archive worker has a place of its own beside the sync
# workers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IO::Socket::INET;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fixtures = fixtures_dir();
my @users = map {
	{
		id => "u$_",
		refresh_token => "rt-$_",
		tz => 'UTC',
		synthetic => { start => '2026-01-01', days => 10, seed => $_ }
	}
} (1 .. 3);
my $fake = start_fake(users => \@users);

# S3 that accepts connections and never answers: the archive worker stays
# in its first request for a while.
my $s3 = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0,
	Proto => 'tcp')
  or die "cannot listen: $!";
my $s3url = 'http://127.0.0.1:' . $s3->sockport;

my $node = tracker_node('bookkeeping', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h', 'tracker.max_sync_workers = 2',
	'tracker.http_timeout = 30s');
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres',
	"SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret')");
for my $i (1 .. 3)
{
	$node->safe_psql('postgres', "SELECT tracker.add_account('u$i', 'UTC')");
	$node->safe_psql('postgres', "SELECT tracker.set_refresh_token($i, 'rt-$i')");
}

# A window marked running by a pid that belongs to a live process, but not
# to a sync worker of this database (as after the system reused the pid of
# a worker that died): the scheduler puts it back in the queue.
my $other = $node->background_psql('postgres');
my $job = $other->query_safe(q{
	BEGIN;
	SELECT tracker.backfill('[2026-01-02,2026-01-03)', 1, ARRAY['steps']);
});
$other->query_safe(
	"UPDATE tracker.job_window SET state = 'running', worker_pid = pg_backend_pid(), "
	  . "claimed_at = now(), attempts = 1 WHERE job_id = $job");
$other->query_safe('COMMIT');
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '60 seconds')"), 'done',
	'the window was put back in the queue and done, though its pid is alive');
$other->quit;

# The archive worker runs (stuck in a request to S3) ...
$node->safe_psql('postgres',
	"SELECT tracker.set_s3('$s3url', 'bucket', 'us-east-1', 'key', 'secret', path_style => true)");
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker archive worker'", '1', 60),
	'the archive worker runs');

# ... and does not take a sync worker's place: once the sync workers of
# the first scheduled syncs have gone (idle), two accounts with slow
# answers keep both sync workers busy at once.
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker sync worker'", '0', 60),
	'no sync worker runs');
fake_call($fake, 'POST', '/_fake/faults', [ { match => { path_regex => 'dataPoints' }, times => -1, delay_ms => 2000 } ]);
$node->safe_psql('postgres', "SELECT tracker.backfill('[2026-01-01,2026-01-09)', $_)") for (2, 3);
ok(poll_until($node,
		"SELECT count(*) FILTER (WHERE backend_type = 'tracker sync worker' AND query LIKE 'tracker: syncing%') "
		  . "|| ' ' || count(*) FILTER (WHERE backend_type = 'tracker archive worker') FROM pg_stat_activity",
		'2 1', 60),
	'tracker.max_sync_workers sync workers are busy while the archive worker runs');

# The archive worker starts while every sync worker is busy.
my $archive_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'tracker archive worker'");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($archive_pid)");
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker archive worker' AND pid <> $archive_pid",
		'1', 60),
	'a new archive worker starts while every sync worker is busy');
like($node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE backend_type = 'tracker sync worker') FROM pg_stat_activity"),
	qr/^2$/, 'beside both sync workers');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.archive_run WHERE state = 'running'"),
	'1', 'the run the terminated worker left went back to the queue and runs again');

fake_call($fake, 'DELETE', '/_fake/faults');
$node->stop;
stop_fake($fake);
close($s3);
done_testing();
