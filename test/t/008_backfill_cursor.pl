# A backfill pages heart rate and steps down its whole range with one
# cursor that passes from window to window: as many requests as the API's
# pages need (no part-filled page where a window ends, no page twice),
# every sample the fake holds, and a window interrupted (429s, a restart)
# resumes at its cursor and loses nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use POSIX qw(ceil);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TrackerTest;

my ($first, $days) = ('2025-03-01', 21);
my $range = "'[2025-03-01,2025-03-22)'";
my $fake = start_fake(users => [ { id => 'syn', refresh_token => 'rt-syn', tz => 'Europe/Berlin',
	rate_limit => 0, synthetic => { start => $first, days => $days, seed => 3 } } ]);

# What one full page costs the fake here and now: the newest day's first
# page of heart rate (10,000 samples, the day made on the way), asked twice.
# A request may take ten times the slower of the two before it times out.
my $http = HTTP::Tiny->new(timeout => 120);
my $token = json_decode($http->post_form("$fake->{url}/token",
	{ grant_type => 'refresh_token', refresh_token => 'rt-syn',
	  client_id => 'test-client', client_secret => 'test-secret' })->{content})->{access_token};
my $slowest = 0;
for my $day ('2025-03-21', '2025-03-20')
{
	my $t0 = time();
	my $res = $http->get("$fake->{url}/v4/users/me/dataTypes/heart-rate/dataPoints:reconcile?pageSize=10000&filter="
		  . "heart_rate.sample_time.physical_time%20%3E%3D%20%22${day}T00%3A00%3A00Z%22",
		{ headers => { Authorization => "Bearer $token" } });
	die "the fake did not answer: $res->{status}" unless $res->{success};
	$slowest = time() - $t0 if time() - $t0 > $slowest;
}
my $timeout = ceil(10 * $slowest) < 10 ? 10 : ceil(10 * $slowest);
note(sprintf('a full page took the fake at most %.2f s: tracker.http_timeout = %d s', $slowest, $timeout));

my $node = tracker_node('cursor', $fake, 'tracker.scheduler_naptime = 200ms',
	'tracker.sync_interval = 1h', "tracker.http_timeout = '${timeout}s'");
sub query { return $node->safe_psql('postgres', $_[0]); }
query(q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('syn', 'Europe/Berlin');
	INSERT INTO tracker.account_schedule (account_id, last_queued_at) VALUES (1, now());
	SET log_statement = 'none';
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-syn');
});

# What the fake holds: samples of each day, and steps points (one a worn minute).
my $truth = fake_call($fake, 'GET',
	"/_fake/truth?user=syn&from=$first&to=2025-03-21&type=heart-rate,steps");
my ($samples, $steps, @per_day) = (0, 0);
for my $day (sort keys %{ $truth->{days} })
{
	my $t = $truth->{days}{$day};
	$samples += $t->{'heart-rate'}{samples};
	$steps += $t->{steps}{minutes};
	push @per_day, "$day|$t->{'heart-rate'}{samples}";
}
my $per_day = join("\n", @per_day);
my $held = "SELECT string_agg(day || '|' || samples, E'\\n' ORDER BY day) "
  . "FROM silver.heart_rate_day WHERE account_id = 1";

fake_call($fake, 'DELETE', '/_fake/stats');
my $job = query("SELECT tracker.backfill($range, 1, ARRAY['heart-rate', 'steps'])");
is(query("SELECT string_agg(data_type || ' ' || days || ' ' || page_floor, ', ' ORDER BY seq) "
		  . "FROM tracker.job_window WHERE job_id = $job AND data_type = 'heart-rate'"),
	'heart-rate [2025-03-15,2025-03-22) 2025-03-01, heart-rate [2025-03-08,2025-03-15) 2025-03-01, '
	  . 'heart-rate [2025-03-01,2025-03-08) 2025-03-01',
	'the windows of heart rate are planned newest first, with the backfill\'s first day as their floor');
is(query("SELECT tracker.wait($job, '5 minutes')"), 'done', 'the backfill completes');
is(query("SELECT windows_done, windows_total FROM tracker.jobs WHERE id = $job"), '6|6',
	'its progress counts every window');
my $stats = fake_call($fake, 'GET', '/_fake/stats');
is($stats->{by_data_type}{'heart-rate'}, ceil($samples / 10000),
	"heart rate: one request a full page ($samples samples)");
is($stats->{by_data_type}{steps}, ceil($steps / 10000), "steps: one request a full page ($steps points)");
is($stats->{duplicate_pages}, 0, 'no page is fetched twice');
is(query($held), $per_day, 'every sample of every day is held');
ok(query("SELECT count(*) > 1 FROM tracker.job_window WHERE job_id = $job AND data_type = 'heart-rate' "
		  . "AND cursor_end IS NOT NULL AND requests > 0"), 'the cursor passed from window to window');

# Interrupted: 429s send the window back to the queue at its cursor, and a
# restart comes once a window is done; nothing is lost.
query(q{
	DELETE FROM silver.heart_rate_day WHERE account_id = 1;
	DELETE FROM silver.steps WHERE account_id = 1;
	DELETE FROM gold.daily WHERE account_id = 1;
	DELETE FROM bronze.payload WHERE account_id = 1;
});
fake_call($fake, 'POST', '/_fake/faults', [
	{ match => { data_type => 'heart-rate' }, times => 6, status => 429, retry_after => 1 },
	{ match => { data_type => 'heart-rate' }, times => -1, delay_ms => 200 } ]);
$job = query("SELECT tracker.backfill($range, 1, ARRAY['heart-rate'])");
ok(poll_until($node,
		"SELECT count(*) > 0 FROM tracker.job_window WHERE job_id = $job AND state = 'done'", 't', 120),
	'the second backfill is under way');
$node->restart;
fake_call($fake, 'DELETE', '/_fake/faults');
is(query("SELECT tracker.wait($job, '5 minutes')"), 'done', 'after 429s and a restart the backfill completes');
is(query($held), $per_day, 'every sample of every day is held again');

$node->stop;
stop_fake($fake);
done_testing();
