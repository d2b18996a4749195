# Scheduled syncs in the steady state: after a backfill, a simulated day of
# scheduled syncs at the default interval (tracker.clock moved in step with
# the fake's clock) reads only what can be new, yet ends with every sample
# and every daily value of the fake's ground truth, for a live user with two
# devices, a watch that uploads once in the evening, and a phone that was
# offline for two days; and it makes far fewer requests than full re-reads
# of the trailing days would.
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
my $day = '2026-05-12';
my $t0 = 1778544000;    # 2026-05-12T00:00:00Z
my $rounds = $ENV{STEADY_ROUNDS} || 96;
sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])); }

my @users = (
	{
		id => 'live',
		refresh_token => 'rt-live',
		tz => 'Europe/Berlin',
		devices => [ 'pixel_watch', 'fitbit_charge' ],
		upload => { every_minutes => 5 },
		synthetic => { start => '2026-05-05', days => 9, seed => 3 }
	},
	{
		id => 'evening',
		refresh_token => 'rt-evening',
		tz => 'America/New_York',
		upload => { sync_times => ['20:00'] },
		synthetic => { start => '2026-05-05', days => 9, seed => 4 }
	},
	{
		id => 'away',
		refresh_token => 'rt-away',
		tz => 'UTC',
		upload => {
			every_minutes => 15,
			offline => [ { from => '2026-05-10T06:00:00Z', to => '2026-05-12T14:00:00Z' } ]
		},
		synthetic => { start => '2026-05-05', days => 9, seed => 5 }
	});
my $fake = start_fake(users => \@users);
END { stop_server($fake); }
fake_call($fake, 'POST', '/_fake/clock', { now => iso($t0) });

# STEADY_OLD_RULE=1 runs the same day with every scheduled sync full (the
# rule before incremental syncs), to see the requests fail the bound.
my $node = tracker_node('steady', $fake, 'tracker.scheduler_naptime = 100ms',
	"tracker.http_timeout = '60s'", "tracker.clock = '" . iso($t0) . "'",
	$ENV{STEADY_OLD_RULE} ? ('tracker.full_sync_interval = 0') : ());
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('live', 'Europe/Berlin');
	SELECT tracker.add_account('evening', 'America/New_York');
	SELECT tracker.add_account('away', 'UTC');
	SELECT tracker.set_refresh_token(1, 'rt-live');
	SELECT tracker.set_refresh_token(2, 'rt-evening');
	SELECT tracker.set_refresh_token(3, 'rt-away');
});
my $naccounts = 3;

# The accounts' history first: a backfill of the week, then the first
# (full) scheduled sync of each account.
my $job = $node->safe_psql('postgres', "SELECT tracker.backfill('[2026-05-05,2026-05-13)')");
is($node->safe_psql('postgres', "SELECT tracker.wait($job, '10 minutes')"), 'done',
	'the backfill of the week is done');

# One round: both clocks at $t, then wait (with a deadline) until every
# account has had its scheduled sync of $t and no sync is open.
sub round
{
	my ($t) = @_;
	my $at = iso($t);
	fake_call($fake, 'POST', '/_fake/clock', { now => $at });
	$node->safe_psql('postgres',
		"ALTER SYSTEM SET tracker.clock = '$at'; SELECT pg_reload_conf();");
	$node->safe_psql('postgres', 'SELECT tracker.wake_scheduler()');
	return poll_until($node,
		"SELECT (SELECT count(*) FROM tracker.account_schedule WHERE last_queued_at = '$at') = $naccounts"
		  . " AND NOT EXISTS (SELECT 1 FROM tracker.job WHERE state IN ('queued', 'running'))",
		't', 300);
}

ok(round($t0), 'the first scheduled sync of each account is done');
is($node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE incremental), count(*) FROM tracker.job WHERE kind = 'sync'"),
	"0|$naccounts", 'the first scheduled syncs are full');
fake_call($fake, 'DELETE', '/_fake/stats');

my $ok = 1;
for my $r (1 .. $rounds - 1)
{
	$ok = round($t0 + 900 * $r) or last;
}
ok($ok, "$rounds rounds of scheduled syncs ran");
my $end = $t0 + 900 * ($rounds - 1);
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE state <> 'done') || ' ' || count(*) FILTER (WHERE incremental)
	FROM tracker.job WHERE kind = 'sync' AND job_id > (SELECT min(job_id) + 2 FROM tracker.job WHERE kind = 'sync')}),
	'0 ' . ($naccounts * ($rounds - 1)), 'every later scheduled sync was incremental and done');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.job_window WHERE state <> 'done' OR last_error IS NOT NULL"),
	'0', 'no window failed');

# Every sample and daily value visible at the end, against the truth.
my $stats = fake_call($fake, 'GET', '/_fake/stats');
my %tzs = (live => 'Europe/Berlin', evening => 'America/New_York', away => 'UTC');
my %ids = (live => 1, evening => 2, away => 3);
for my $u (qw(live evening away))
{
	my $truth = fake_call($fake, 'GET',
		"/_fake/truth?user=$u&from=2026-05-05&to=2026-05-13&visible=1&samples=1&type=heart-rate");
	my $series = join(',', map { "$_->[0]:$_->[1]" }
		  map { @{ $truth->{days}{$_}{'heart-rate'}{series} || [] } }
		  sort keys %{ $truth->{days} });
	my $have = $node->safe_psql('postgres',
		"SELECT string_agg(extract(epoch FROM ts)::bigint || ':' || bpm, ',' ORDER BY ts)"
		  . " FROM silver.heart_rate WHERE account_id = $ids{$u}"
		  . " AND (ts AT TIME ZONE '$tzs{$u}')::date BETWEEN '2026-05-05' AND '2026-05-13'");
	is(length($have) . ' ' . substr($have, -40), length($series) . ' ' . substr($series, -40),
		"$u: every heart-rate sample");
	ok($have eq $series, "$u: the samples are the truth's");
}

# Everything else: the same as one full sync of the week now (a second
# account of each user, synced with tracker.sync()), row for row, in every
# silver and gold table.
$node->safe_psql('postgres', q{
	ALTER SYSTEM SET tracker.enable_workers = off; SELECT pg_reload_conf();
	SELECT tracker.add_account('live ref', 'Europe/Berlin');
	SELECT tracker.add_account('evening ref', 'America/New_York');
	SELECT tracker.add_account('away ref', 'UTC');
	SELECT tracker.set_refresh_token(4, 'rt-live');
	SELECT tracker.set_refresh_token(5, 'rt-evening');
	SELECT tracker.set_refresh_token(6, 'rt-away');
});
for my $ref (4 .. 6)
{
	is($node->safe_psql('postgres',
			"SELECT errors, state FROM tracker.sync($ref, '[2026-05-05,2026-05-14)')"),
		'0|connected', "reference account $ref syncs the week");
}
my $tables = $node->safe_psql('postgres', q{
	SELECT string_agg(table_schema || '.' || table_name, ' ' ORDER BY 1)
	FROM information_schema.columns
	WHERE table_schema IN ('silver', 'gold') AND column_name = 'account_id'
	  AND table_name NOT IN ('listen', 'listening_daily')});
my $drop = q{'account_id', 'payload_id', 'updated_at', 'created_at', 'computed_at', 'fetched_at', 'received_at'};
for my $pair ([ 1, 4 ], [ 2, 5 ], [ 3, 6 ])
{
	my @diff;
	# The provider's own daily activity figures are read once a day is over
	# (a full sync also reads today's, partial).
	my @compare = map {
		$_ eq 'silver.daily_activity_reported' ? [ $_, "day < '$day'", '' ]
		  : $_ eq 'gold.daily_activity'
		  ? ([ $_, "day < '$day'", '' ], [ $_, 'true', 'reported' ])
		  : [ $_, 'true', '' ]
	} split / /, $tables;
	for my $c (@compare)
	{
		my ($tab, $where, $strip) = @$c;
		my $j = "to_jsonb(x) - ARRAY[$drop]";
		$j = "(SELECT jsonb_object_agg(k, v) FROM jsonb_each($j) e(k, v) WHERE k NOT LIKE 'reported%')"
		  if $strip;
		my $q = "SELECT coalesce(md5(string_agg(j::text, ',' ORDER BY j::text)), '-') || count(*) FROM "
		  . "(SELECT $j AS j FROM $tab x WHERE account_id = %d AND $where) s";
		my ($a, $b) = map { $node->safe_psql('postgres', sprintf($q, $_)) } @$pair;
		push @diff, "$tab ($where$strip)" if $a ne $b;
	}
	is(join(' ', @diff), '', "account $pair->[0] holds what a full sync holds, in every table");
}

# Requests: the old rule read every type over the trailing days on every
# sync.  The new one asks each non-daily type once per sync, plus its
# roll-up for the activity types, plus pages when more than a page is new
# (the catch-up of the phone back online), plus each daily type once a
# day per account.
my $total = $stats->{total};
my ($points, $activity, $daily) = split /\|/, $node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE data_type NOT LIKE 'daily-%' AND data_type <> 'profile'),
		   count(*) FILTER (WHERE data_type IN ('active-zone-minutes', 'active-minutes', 'distance',
												'floors', 'sedentary-period', 'steps')),
		   count(*) FILTER (WHERE data_type LIKE 'daily-%')
	FROM tracker.provider_data_type WHERE provider = 'google_health'});
my $per_sync = $points + $activity;
my $syncs = $naccounts * ($rounds - 1);
my $catchup = 3 * $points;    # the phone's two days back: a few pages more per type
my $bound = $syncs * $per_sync + $naccounts * 2 * $daily + $catchup;
my $full = $node->safe_psql('postgres',
	"SELECT sum(requests) FROM tracker.job_window w JOIN tracker.job j USING (job_id)"
	  . " WHERE j.kind = 'sync' AND NOT j.incremental");
diag("requests: $total in " . ($rounds - 1) . " rounds of $naccounts accounts; "
	  . "bound $bound; one full scheduled sync of each account took $full");
cmp_ok($total, '<=', $bound, 'requests stay within the incremental rule\'s bound');
cmp_ok($total * 2, '<=', $syncs * $full / $naccounts,
	'requests are less than half of what full syncs every interval would make');

done_testing();
