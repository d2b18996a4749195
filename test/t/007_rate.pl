# tracker.requests_per_minute holds for an account across processes: a
# sync worker's backfill and two sessions calling tracker.sync() for the
# same account at the same time share one budget (it lives in shared
# memory), so together they never request faster than the setting allows.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::Local qw(timegm);
use TrackerTest;

my $rpm = 30;
my $interval = 60 / $rpm;    # seconds between two requests of an account

my $fake = start_fake(users => [ kory_user() ]);
my $node = tracker_node('rate', $fake, "tracker.requests_per_minute = $rpm",
	'tracker.scheduler_naptime = 200ms', 'tracker.sync_interval = 1h',
	'log_min_messages = debug1');
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres', q{
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.set_refresh_token(1, 'rt-kory');
});

# Together: a backfill in a sync worker, and two sessions that each sync a
# day four times.
my $started = time();
my @sessions;
for my $s (1 .. 2)
{
	my %p = (out => '', err => '');
	$p{h} = IPC::Run::start(
		[
			'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'),
			map {
				('-c', "SELECT requests FROM tracker.sync(1, '[2017-05-0$_,2017-05-0" . ($_ + 1)
					  . ")', ARRAY['daily-resting-heart-rate'])")
			} (1 .. 4)
		],
		'<', '/dev/null', '>', \$p{out}, '2>', \$p{err});
	push @sessions, \%p;
}
my $job = $node->safe_psql('postgres',
	"SELECT tracker.backfill('[2017-04-01,2017-07-01)', 1, ARRAY['daily-resting-heart-rate'])");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '5 minutes')"), 'done',
	'the backfill is done');
for my $p (@sessions)
{
	$p->{h}->finish;
	is($p->{err}, '', 'a session synced four times');
}

# The fake's log: the second of every request it answered (token requests
# included; its own control calls left out).
my @answered;
for (split /\n/, slurp_file("$fake->{dir}/fake.log"))
{
	next unless /^(\d\d):(\d\d):(\d\d) "(GET|POST) (\S+)/;
	next if $5 =~ m{^/_fake/};
	push @answered, $1 * 3600 + $2 * 60 + $3;
}
@answered = sort { $a <=> $b } @answered;

# Tracker's debug log: when each request was sent, and the moment the
# account's budget gave it.
sub epoch
{
	my ($y, $mo, $d, $h, $mi, $s, $off) = @_;
	my $t = timegm(0, $mi, $h, $d, $mo - 1, $y) + $s;
	$t -= $off * 3600 if $off;
	return $t;
}
my @turns;
my $late = 0;
for (split /\n/, slurp_file($node->logfile))
{
	next
	  unless /^(\d+)-(\d+)-(\d+) (\d+):(\d+):([\d.]+) UTC .*tracker: request for account 1, its turn at (\d+)-(\d+)-(\d+) (\d+):(\d+):([\d.]+)([+-]\d+)?/;
	my $sent = epoch($1, $2, $3, $4, $5, $6, 0);
	my $turn = epoch($7, $8, $9, $10, $11, $12, $13);
	cmp_ok($sent, '>=', $turn - 0.001, 'a request waits for its turn') if $sent < $turn - 0.001;
	$late = $sent - $turn if $sent - $turn > $late;
	push @turns, $turn;
}
@turns = sort { $a <=> $b } @turns;
diag(sprintf("%d requests answered, %d turns given; the latest a request went after its turn: %.3f s",
		scalar(@answered), scalar(@turns), $late));
is(scalar(@turns), scalar(@answered), 'every request the fake answered waited for its turn');
cmp_ok(scalar(@answered), '>=', 12, 'the three processes made a dozen requests or more');

# The turns are spaced by the rate, whichever process took them.
my $closest = 1e9;
$closest = $turns[$_] - $turns[ $_ - 1 ] < $closest ? $turns[$_] - $turns[ $_ - 1 ] : $closest
  for (1 .. $#turns);
cmp_ok($closest, '>=', $interval - 0.001, "turns are at least $interval s apart");

# As the fake saw it (whole seconds): n requests take (n - 1) intervals,
# less the log's resolution and how late a request went after its turn.
my $worst = 1e9;
for my $i (0 .. $#answered)
{
	for my $j ($i + 1 .. $#answered)
	{
		my $margin = ($answered[$j] - $answered[$i]) - ($j - $i) * $interval;
		$worst = $margin if $margin < $worst;
	}
}
cmp_ok($worst, '>=', -(2 + $late),
	"the fake never saw the account's requests come faster than $rpm a minute");

$node->stop;
stop_fake($fake);
done_testing();
