# A fact that must outlive the caller's transaction (here: a payload
# rejected by validation, kept in bronze) is written by a short-lived
# background worker.  When every worker slot is taken, the write waits for
# one to free up; if none does, the caller's statement fails with a clear
# error.  It is never dropped with a mere warning.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

# Two static workers (Tracker's launcher, the logical replication
# launcher) and one slot left, which a parallel query can take.
my $node = tracker_node('autonomous', undef, 'max_worker_processes = 3',
	'tracker.enable_workers = off');
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres',
	"SELECT tracker.add_account('files', 'UTC', 'fitbit_import')");

sub bad_doc
{
	my ($second) = @_;
	return '{"activities-heart": [{"dateTime": "2017-05-09", "value": {"heartRateZones": []}}], '
	  . '"activities-heart-intraday": {"dataset": [{"time": "00:00:0' . $second
	  . '", "value": 300}]}}';
}

# A psql running statements in the background; finish() collects its
# output and errors.
sub start_psql
{
	my %p = (out => '', err => '');
	$p{h} = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), map { ('-c', $_) } @_ ],
		'<', '/dev/null', '>', \$p{out}, '2>', \$p{err});
	return \%p;
}

# The free slot is taken by a parallel worker of a query that sleeps.
sub take_the_slot
{
	my $p = start_psql('SET max_parallel_workers_per_gather = 1', 'SET force_parallel_mode = on',
		'SET parallel_setup_cost = 0', 'SELECT pg_sleep(600)');
	ok(poll_until($node,
			"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'", '1', 60),
		'a parallel worker takes the last background worker slot');
	return $p;
}

sub free_the_slot
{
	my ($p) = @_;
	$node->safe_psql('postgres',
		"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
		  . "AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()");
	$p->{h}->finish;
}

# The slot frees up while the write waits: the payload is kept.
my $holder = take_the_slot();
my $import = start_psql("SELECT * FROM tracker.import_fitbit_json(1, '" . bad_doc(1) . "')");
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%import_fitbit_json%' "
		  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid()", '1', 60),
	'the import waits for a background worker slot');
free_the_slot($holder);
$import->{h}->finish;
like($import->{err}, qr/ERROR:  could not import document/, 'the import fails for its bad document');
unlike($import->{err}, qr/WARNING/, 'with no warning');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM bronze.payload WHERE account_id = 1 AND status = 'rejected'"),
	'1', 'the rejected payload is kept in bronze');

# No slot frees up: the statement fails and says why.
$holder = take_the_slot();
$import = start_psql("SELECT * FROM tracker.import_fitbit_json(1, '" . bad_doc(2) . "')");
$import->{h}->finish;
free_the_slot($holder);
like($import->{err},
	qr/ERROR:  could not write to bronze\.payload in a transaction of its own: no background worker slot is free/,
	'without a slot the statement fails with a clear error');
like($import->{err}, qr/HINT:  Raise max_worker_processes\./, '... and a hint');
unlike($import->{err}, qr/WARNING/, 'not a warning');

$node->stop;
done_testing();
