# Commands that need a database without connections (DROP DATABASE,
# CREATE DATABASE ... TEMPLATE, ALTER DATABASE ... RENAME, DROP EXTENSION
# tracker) stop that database's workers only for a role PostgreSQL lets run
# them.  A role that owns nothing, issuing each of them (refused) three
# times, must not disturb anything: the same scheduler and sync workers go
# on, the windows in flight stay with their workers, no pause is left.  For
# the owner, the pause lasts as long as the command's transaction: a DROP
# EXTENSION rolled back or refused lets the workers come back at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fake = start_fake(users => [ kory_user() ]);
my $node = tracker_node('commands', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h');

$node->safe_psql('postgres', 'CREATE DATABASE x');
$node->safe_psql('x', 'CREATE EXTENSION tracker');
$node->safe_psql('x', q{
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.set_refresh_token(1, 'rt-kory');
});
my $xoid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'x'");
# May create databases, owns none: so each command gets as far as its
# ownership check.
$node->safe_psql('postgres', 'CREATE ROLE mallory LOGIN CREATEDB');

# Tracker's processes in x, with their start times: a restarted process
# has a new pid or at least a new start.
sub processes
{
	return $node->safe_psql('postgres',
		"SELECT string_agg(backend_type || ' ' || pid || ' ' || backend_start, E'\\n' ORDER BY pid) "
		  . "FROM pg_stat_activity WHERE datname = 'x' AND backend_type LIKE 'tracker s%'");
}

sub launcher_activity
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(query, '') FROM pg_stat_activity WHERE backend_type = 'tracker launcher'");
}

# A backfill whose requests each take a while, so that windows are in
# flight while the commands come.
fake_call($fake, 'POST', '/_fake/faults',
	[ { match => { data_type => 'heart-rate' }, times => -1, delay_ms => 1500 } ]);
my $job = $node->safe_psql('x', "SELECT tracker.backfill('[2017-04-30,2017-07-01)', 1)");
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'x' AND backend_type = 'tracker sync worker' "
		  . "AND query LIKE 'tracker: syncing account 1 heart-rate%'", '1', 60),
	'a sync worker is in the middle of a heart-rate window');

my $before = processes();
my @in_flight = split /\n/, $node->safe_psql('x',
	"SELECT job_id || ' ' || seq || ' ' || coalesce(cursor_end, 0) || ' ' || worker_pid || ' ' || claimed_at "
	  . "FROM tracker.job_window WHERE state = 'running'");
like($before, qr/tracker scheduler .*\n.*tracker sync worker/, 'a scheduler and a sync worker run in x');
ok(@in_flight > 0, 'a window is in flight');

# Each command three times, each refused.
my @commands = (
	[ 'postgres', 'DROP DATABASE x', qr/must be owner of database x/ ],
	[ 'postgres', 'CREATE DATABASE y TEMPLATE x', qr/permission denied to copy database "x"/ ],
	[ 'postgres', 'ALTER DATABASE x RENAME TO z', qr/must be owner of database x/ ],
	[ 'x', 'DROP EXTENSION tracker', qr/must be owner of extension tracker/ ]);
for my $round (1 .. 3)
{
	for my $c (@commands)
	{
		my ($db, $sql, $refusal) = @$c;
		my ($ret, $out, $err) = $node->psql($db, $sql, extra_params => [ '-U', 'mallory' ]);
		isnt($ret, 0, "round $round: mallory's $sql is refused");
		like($err, $refusal, "round $round: ... by PostgreSQL's own check");
	}
}

is(processes(), $before, 'the same scheduler and sync worker run, none was stopped or restarted');
for my $w (@in_flight)
{
	# A heart-rate window takes a bounded number of pages per claim: its
	# worker may have handed it back at a later cursor (queued, or claimed
	# again by the same worker) while the commands came.  Anything else (a
	# new worker, an error, a cursor that did not move) is a disturbance.
	my ($j, $q, $cursor, $pid, $claim) = split / /, $w, 5;
	my $now = $node->safe_psql('x',
		"SELECT state || ' ' || coalesce(worker_pid || ' ' || claimed_at, '') || '|' "
		  . "|| CASE WHEN coalesce(cursor_end, 0) <> $cursor AND last_error IS NULL "
		  . "    AND (state = 'queued' OR worker_pid = $pid) THEN 't' ELSE 'f' END "
		  . "FROM tracker.job_window WHERE job_id = $j AND seq = $q");
	like($now, qr/^(running \Q$pid $claim\E\|[tf]|done .*|(queued |running \Q$pid\E .*)\|t)$/,
		"window $j/$q kept its worker and claim, moved on at a later cursor, or ended done");
}
is($node->safe_psql('x', "SELECT coalesce(last_error, '') FROM tracker.job WHERE job_id = $job"),
	'', 'no scheduler restart was noted on the job');
unlike(launcher_activity(), qr/paused/, 'no database is paused');
fake_call($fake, 'DELETE', '/_fake/faults');
is($node->safe_psql('x', "SELECT tracker.wait($job, '3 minutes')"), 'done', 'the backfill completes');

# The owner's DROP EXTENSION in a transaction: the workers stop and stay
# stopped while the transaction is open ...
my $owner = $node->background_psql('x');
$owner->query_safe('BEGIN');
$owner->query_safe('DROP EXTENSION tracker');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'x' AND backend_type LIKE 'tracker s%'",
		'0', 30),
	"the owner's DROP EXTENSION stops x's scheduler");
like(launcher_activity(), qr/paused databases: $xoid\b/, 'x is paused while the transaction is open');
# ... and come back as soon as it is rolled back, with no restart delay.
$owner->query_safe('ROLLBACK');
ok(poll_until($node,
		"SELECT position('paused' IN coalesce(query, '')) FROM pg_stat_activity WHERE backend_type = 'tracker launcher'",
		'0', 30),
	'the rollback ends the pause');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'x' AND backend_type = 'tracker scheduler'",
		'1', 30),
	'the scheduler is back after the rollback');

# A DROP EXTENSION the owner may run but that fails (another object
# depends on the extension): the pause ends with the error.
$owner->query_safe('CREATE VIEW accounts AS SELECT * FROM tracker.account');
my ($ret, $out, $err) = $node->psql('x', 'DROP EXTENSION tracker');
like($err, qr/cannot drop extension tracker because other objects depend on it/,
	"the owner's DROP EXTENSION fails on a dependent view");
ok(poll_until($node,
		"SELECT position('paused' IN coalesce(query, '')) FROM pg_stat_activity WHERE backend_type = 'tracker launcher'",
		'0', 30),
	'the failed command leaves no pause');
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'x' AND backend_type = 'tracker scheduler'",
		'1', 30),
	'the scheduler is back after the failed DROP EXTENSION');
$owner->quit;

# The owner's DROP DATABASE still works (the workers step aside).
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE x');
is($ret, 0, "the owner's DROP DATABASE is not blocked by Tracker's workers") or diag($err);

$node->stop;
stop_fake($fake);
done_testing();
