# A backfill of every account plans only the connected ones, says which it
# left out, and finishes; the install refuses a pre-existing tracker_web
# role that could log in or holds more than the api schema.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fake = start_fake(users => [ kory_user(refresh_token => 'rt-kory-0123456789', age => 29) ]);
my $node = tracker_node('backfill', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h', "tracker.lastfm_url = 'http://127.0.0.1:9'");

sub query { return $node->safe_psql('postgres', $_[0]); }

query(q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.add_account('never connected', 'UTC');
	SELECT tracker.add_account('no key', 'UTC', 'lastfm', username => 'someone');
	SELECT tracker.add_account('files', 'UTC', 'fitbit_import');
	SET log_statement = 'none';
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-kory-0123456789');
});

my ($ret, $job, $err) = $node->psql('postgres',
	"SELECT tracker.backfill('[2017-05-01,2017-05-03)')");
is($ret, 0, 'a backfill of every account is queued');
like($err,
	qr/NOTICE:  backfill $job leaves out the accounts that are not connected: 2 \(never connected, not_connected\), 3 \(no key, not_connected\)/,
	'it says which accounts it leaves out');
like($err, qr/HINT:  Connect them/, 'and what to do about them');
is(($node->psql('postgres', "SELECT accounts_left_out FROM tracker.jobs WHERE id = $job"))[1],
	'{2,3}', 'the job row names them too');
is(query("SELECT string_agg(DISTINCT account_id::text, ',') FROM tracker.job_window WHERE job_id = $job"),
	'1', 'only the connected account is planned');
is(query("SELECT tracker.wait($job, '2 minutes')"), 'done', 'and the backfill finishes');

# A backfill of one account still waits for it to be connected.
$job = query("SELECT tracker.backfill('[2017-05-01,2017-05-03)', 2)");
is(query("SELECT count(*) > 0 FROM tracker.job_window WHERE job_id = $job AND account_id = 2"),
	't', 'a backfill of one disconnected account is planned for when it is connected');
query("SELECT tracker.cancel($job)");

# The dashboard's role: a pre-existing tracker_web is adopted only when it is
# a plain role without login.
query('CREATE DATABASE roles');
sub install
{
	my ($ret, $out, $err) = $node->psql('roles', 'CREATE EXTENSION tracker');
	return $ret == 0 ? 'installed' : $err;
}
query('ALTER ROLE tracker_web LOGIN');
my $refused = install();
like($refused, qr/role "tracker_web" exists and is not safe to adopt/,
	'a tracker_web that can log in is refused');
like($refused, qr/DETAIL:  It has LOGIN\./, 'the error says why');
like($refused, qr/HINT:  Make it a plain role/, 'and how to fix it');

for my $attr (qw(SUPERUSER CREATEROLE CREATEDB REPLICATION BYPASSRLS))
{
	query("ALTER ROLE tracker_web NOLOGIN $attr");
	like(install(), qr/DETAIL:  It has $attr\./, "a tracker_web with $attr is refused");
	query("ALTER ROLE tracker_web NO$attr");
}
query('GRANT pg_read_server_files TO tracker_web');
like(install(), qr/DETAIL:  It is a member of pg_read_server_files\./,
	'a tracker_web that is a member of another role is refused');
query('REVOKE pg_read_server_files FROM tracker_web');

# A role PostgREST logs in as may be a member of tracker_web.
query('CREATE ROLE authenticator LOGIN NOINHERIT; GRANT tracker_web TO authenticator');
is(install(), 'installed', 'a plain tracker_web (with a member) is adopted');

$node->stop;
stop_fake($fake);
done_testing();
