# Sleep sessions with their stages: months of the fake Google Health API in
# two DST time zones, every session filed under the local day its sleeper
# woke up (by the UTC offset the API gave for its end, not the account's
# zone), naps marked, a night across midnight or a clock change one
# session, and every session's minutes and stage minutes equal to the
# fake's ground truth.  A second sync changes nothing; a session written
# again gets its stages back.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fake = start_fake(
	users => [
		{
			id => 'berlin',
			refresh_token => 'rt-sleep-berlin',
			tz => 'Europe/Berlin',
			synthetic => { start => '2025-02-01', days => 300, seed => 23 }
		},
		{
			id => 'newyork',
			refresh_token => 'rt-sleep-newyork',
			tz => 'America/New_York',
			synthetic => { start => '2025-03-01', days => 250, seed => 5 }
		}
	]);
END { stop_server($fake); }

# Long ranges make the fake work for seconds per page on a busy machine;
# this test is not about timeouts, so give them room.
my $node = tracker_node('sleep', $fake, 'tracker.enable_workers = off',
	'tracker.http_timeout = 60s');

# The Berlin sleeper's account is kept in Los Angeles time: a morning in
# Berlin is the evening before in Los Angeles, so filing by the account's
# zone would put every night a day early.
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('berlin', 'America/Los_Angeles');
	SELECT tracker.add_account('newyork', 'America/New_York');
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-sleep-berlin');
	SELECT tracker.set_refresh_token(2, 'rt-sleep-newyork');
});

my %range = (1 => [ 'berlin', '2025-02-01', '2025-11-27' ],
	2 => [ 'newyork', '2025-03-01', '2025-11-06' ]);

for my $acc (1, 2)
{
	my ($user, $from, $to) = @{ $range{$acc} };
	is($node->safe_psql('postgres',
			"SELECT rejected, errors, state FROM tracker.sync($acc, '[$from,$to]', ARRAY['sleep'])"),
		'0|0|connected', "$user: months of sleep sync");
}

# What the fake says each session is, against tracker.sleep(): one line per
# session, sorted.
sub truth_lines
{
	my ($user, $from, $to) = @_;
	my $t = fake_call($fake, 'GET',
		"/_fake/truth?user=$user&from=$from&to=$to&type=sleep");
	my @lines;
	for my $day (sort keys %{ $t->{days} })
	{
		for my $s (@{ $t->{days}{$day}{sleep} || [] })
		{
			my $st = $s->{stages};
			push @lines, join('|', $day, $s->{name}, $s->{nap} ? 't' : 'f',
				$s->{minutes_in_period}, $s->{minutes_asleep}, $s->{minutes_awake},
				map({ $st->{$_} // 0 } qw(AWAKE LIGHT DEEP REM ASLEEP RESTLESS)),
				$s->{out_of_bed_minutes});
		}
	}
	return sort @lines;
}

sub tracker_lines
{
	my ($acc, $from, $to) = @_;
	my $out = $node->safe_psql('postgres', qq{
		SELECT day, regexp_replace(sleep_id, '^.*/', ''), nap, minutes_in_period,
			   minutes_asleep, minutes_awake, awake_minutes, light_minutes,
			   deep_minutes, rem_minutes, asleep_minutes, restless_minutes,
			   out_of_bed_minutes
		FROM tracker.sleep(account => $acc, days => '[$from,$to]')});
	return sort split(/\n/, $out);
}

for my $acc (1, 2)
{
	my ($user, $from, $to) = @{ $range{$acc} };
	my @want = truth_lines($user, $from, $to);
	my @got = tracker_lines($acc, $from, $to);
	my %have = map { $_ => 1 } @got;
	my @missing = grep { !$have{$_} } @want;
	my %wanted = map { $_ => 1 } @want;
	my @extra = grep { !$wanted{$_} } @got;
	ok(@want > 250, "$user: the truth has " . scalar(@want) . " sessions");
	is(scalar(@got), scalar(@want), "$user: one row of tracker.sleep() per session");
	is(scalar(@missing) + scalar(@extra), 0,
		"$user: every session's day, nap, minutes and stage minutes equal the truth")
	  or diag("missing: @missing[0 .. ($#missing < 4 ? $#missing : 4)]\n"
		  . "extra: @extra[0 .. ($#extra < 4 ? $#extra : 4)]");
}

# The months hold every case: naps, nights that began before midnight and
# nights that began after it, classic nights, out-of-bed segments.
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE nap) > 20,
		   count(*) FILTER (WHERE NOT nap AND bedtime >= '18:00') > 100,
		   count(*) FILTER (WHERE NOT nap AND bedtime < '12:00') > 10,
		   count(*) FILTER (WHERE restless_minutes > 0 AND NOT nap) > 3,
		   count(*) FILTER (WHERE out_of_bed_minutes > 0) > 20,
		   count(*) FILTER (WHERE nap AND bedtime BETWEEN '12:00' AND '18:00') =
		   count(*) FILTER (WHERE nap)
	FROM tracker.sleep(account => 1, days => '[2025-02-01,2025-11-27]')}),
	't|t|t|t|t|t', 'naps, nights before and after midnight, classic nights, out-of-bed segments');

# A night begun before midnight is filed once, under the morning it ended
# (Berlin's morning, though the account lives in Los Angeles).
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.sleep(account => 1, days => '[2025-02-01,2025-11-27]')
	WHERE day <> (end_at AT TIME ZONE 'Europe/Berlin')::date}),
	'0', 'every session is filed under the Berlin day it ended');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM silver.sleep WHERE account_id = 1
	  AND (start_at AT TIME ZONE 'Europe/Berlin')::date < day AND NOT nap}) > 200 ? 't' : 'f',
	't', 'nights begun the evening before are filed under the next day');

# Nights across the clock changes: one session each, its minutes in
# period the time that passed (not the clock's difference), bedtime and
# wake time as the clock showed them, and its stages one unbroken run
# whose minutes add up to the period.
for my $case (
	[ 1, '2025-03-30', 'Europe/Berlin', 60 ],
	[ 1, '2025-10-26', 'Europe/Berlin', -60 ],
	[ 2, '2025-03-09', 'America/New_York', 60 ],
	[ 2, '2025-11-02', 'America/New_York', -60 ])
{
	my ($acc, $day, $tz, $shift) = @$case;
	is($node->safe_psql('postgres', qq{
		SELECT count(*),
			   min(minutes_in_period) = min(extract(epoch FROM end_at - start_at) / 60),
			   min(extract(epoch FROM (end_at AT TIME ZONE '$tz') - (start_at AT TIME ZONE '$tz')) / 60
				   - extract(epoch FROM end_at - start_at) / 60)::integer,
			   bool_and(bedtime = (start_at AT TIME ZONE '$tz')::time
						AND wake_time = (end_at AT TIME ZONE '$tz')::time),
			   bool_and(awake_minutes + light_minutes + deep_minutes + rem_minutes
						+ asleep_minutes + restless_minutes = minutes_in_period)
		FROM tracker.sleep(account => $acc, days => '[$day,$day]') WHERE NOT nap}),
		"1|t|$shift|t|t", "the night ending $day ($tz) is one session across the clock change");
	is($node->safe_psql('postgres', qq{
		SELECT count(*) FILTER (WHERE prev_end IS NOT NULL AND prev_end <> start_at),
			   min(start_at) = (SELECT start_at FROM silver.sleep s
								WHERE s.account_id = $acc AND s.sleep_id = h.sleep_id),
			   max(end_at) = (SELECT end_at FROM silver.sleep s
							  WHERE s.account_id = $acc AND s.sleep_id = h.sleep_id)
		FROM (SELECT *, lag(end_at) OVER (ORDER BY start_at) AS prev_end
			  FROM tracker.hypnogram(account => $acc, day => '$day') WHERE NOT nap) h
		GROUP BY sleep_id}),
		'0|t|t', "the hypnogram of $day runs unbroken from bedtime to waking");
}

# A second sync of the same months writes nothing.
my $rows = q{
	SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
		SELECT 's' || ctid::text || xmin::text AS x FROM silver.sleep
		UNION ALL SELECT 'g' || ctid::text || xmin::text FROM silver.sleep_stage
		UNION ALL SELECT 'o' || ctid::text || xmin::text FROM silver.sleep_out_of_bed) t};
my $before = $node->safe_psql('postgres', $rows);
is($node->safe_psql('postgres',
		"SELECT rejected, errors FROM tracker.sync(1, '[2025-02-01,2025-11-27]', ARRAY['sleep'])"),
	'0|0', 'the same months sync again');
is($node->safe_psql('postgres', $rows), $before,
	'a second sync of the same sessions rewrites no row');

# A session written again replaces its stages: rows that are not the
# source's go, missing ones come back.
my $night = $node->safe_psql('postgres', q{
	SELECT sleep_id FROM silver.sleep WHERE account_id = 1 AND day = '2025-06-15' AND NOT nap});
my $stages = "SELECT string_agg(stage || start_at || end_at, ',' ORDER BY start_at) "
  . "FROM silver.sleep_stage WHERE account_id = 1 AND sleep_id = '$night'";
my $good = $node->safe_psql('postgres', $stages);
$node->safe_psql('postgres', qq{
	DELETE FROM silver.sleep_stage WHERE account_id = 1 AND sleep_id = '$night'
	  AND start_at = (SELECT max(start_at) FROM silver.sleep_stage
					  WHERE account_id = 1 AND sleep_id = '$night');
	UPDATE silver.sleep_stage SET stage = 'ASLEEP'
	WHERE account_id = 1 AND sleep_id = '$night'
	  AND start_at = (SELECT min(start_at) FROM silver.sleep_stage
					  WHERE account_id = 1 AND sleep_id = '$night');
	INSERT INTO silver.sleep_stage
	SELECT 1, '$night', end_at + interval '1 hour', end_at + interval '2 hours', 'REM'
	FROM silver.sleep WHERE account_id = 1 AND sleep_id = '$night';
});
isnt($node->safe_psql('postgres', $stages), $good, 'the stages of a night were changed by hand');
$node->safe_psql('postgres',
	"SELECT * FROM tracker.sync(1, '[2025-06-15,2025-06-15]', ARRAY['sleep'])");
is($node->safe_psql('postgres', $stages), $good, 'syncing the night again restores its stages');

# Deleting a session deletes its stages.
$node->safe_psql('postgres', "DELETE FROM silver.sleep WHERE account_id = 1 AND sleep_id = '$night'");
is($node->safe_psql('postgres', $stages), '', 'a deleted session takes its stages along');

# Fitbit files: an export's sleep file and a Web API sleep response, in a
# Berlin account.  Their times are local clock times, here across both
# clock changes of 2025; short wakes are cut out of the stages they
# interrupt.
my $fixtures = fixtures_dir();
$node->safe_psql('postgres',
	"SELECT tracker.add_account('files', 'Europe/Berlin', 'fitbit_import')");
is($node->safe_psql('postgres', qq{
	SELECT regexp_replace(file, '^.*/', ''), kind, status, days, samples,
		   regexp_replace(message, '/[^"]*/', '')
	FROM tracker.import_fitbit_file(account => 3, path => '$fixtures/sleep')}),
	join("\n",
		'SOURCES.md||skipped|0|0|not a JSON file',
		'fitbit_api_sleep_2025-10-26.json|fitbit_api_sleep|imported|1|1|1 day, 1 sleep session',
		'fitbitnet_GetSleep.json|fitbit_api_sleep|rejected|0|0|sleep log 15040942043 has stages that do not fit in it',
		'fitbitnet_SleepLogList.json||rejected|0|0|invalid json at byte offset 2038: expected a member name in double quotes at $',
		'sleep-2025-03-30.json|fitbit_export_sleep|imported|1|2|1 day, 2 sleep sessions'),
	'sleep files are imported, the documentation samples refused');
my $files_sleep = q{
	SELECT day, sleep_id, sleep_type, nap, minutes_in_period, minutes_asleep, minutes_awake,
		   awake_minutes, light_minutes, deep_minutes, rem_minutes, asleep_minutes,
		   restless_minutes, bedtime, wake_time
	FROM tracker.sleep(account => 3, days => '[2025-01-01,2025-12-31]')};
is($node->safe_psql('postgres', $files_sleep),
	join("\n",
		'2025-03-30|fitbit-44100000001|STAGES|f|372|354|18|18|182|73|98|0|0|23:10:00|06:22:00',
		'2025-03-30|fitbit-44100000002|CLASSIC|t|50|46|3|3|0|0|0|45|1|14:05:30|14:55:30',
		'2025-10-26|fitbit-44100000003|STAGES|f|340|329|11|11|161|70|97|0|0|22:45:00|03:25:00'),
	'the files give one session per log, filed under the morning it ended, in Berlin time');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.sleep(account => 3, days => '(,)') t
		JOIN silver.sleep s ON s.account_id = 3 AND s.sleep_id = t.sleep_id
	WHERE s.stages <> jsonb_strip_nulls(jsonb_build_object(
		'AWAKE', t.awake_minutes, 'LIGHT', nullif(t.light_minutes, 0),
		'DEEP', nullif(t.deep_minutes, 0), 'REM', nullif(t.rem_minutes, 0),
		'ASLEEP', nullif(t.asleep_minutes, 0), 'RESTLESS', nullif(t.restless_minutes, 0)))}),
	'0', "each log's stage minutes equal Fitbit's own summary of it");
for my $day ('2025-03-30', '2025-10-26')
{
	is($node->safe_psql('postgres', qq{
		SELECT count(*) FILTER (WHERE prev_end IS NOT NULL AND prev_end <> start_at),
			   (sum(extract(epoch FROM end_at - start_at)) / 60)::integer
		FROM (SELECT *, lag(end_at) OVER (ORDER BY start_at) AS prev_end
			  FROM tracker.hypnogram(account => 3, day => '$day') WHERE NOT nap) h}),
		$day eq '2025-03-30' ? '0|372' : '0|340',
		"the hypnogram of the night ending $day runs unbroken across the clock change");
}
is($node->safe_psql('postgres', q{
	SELECT string_agg(stage || ' ' || minutes, ', ' ORDER BY start_at)
	FROM tracker.hypnogram(account => 3, day => '2025-03-30') WHERE nap}),
	'AWAKE 2.5, ASLEEP 20.0, RESTLESS 1.5, ASLEEP 25.0, AWAKE 1.0',
	'the classic nap keeps its awake, asleep and restless stages');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.hypnogram(account => 3, day => '2025-03-30')
	WHERE NOT nap AND stage = 'AWAKE' AND minutes IN (1.0, 1.5, 2.0)}),
	'3', "the short wakes of shortData are stages of their own");
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT * FROM tracker.import_fitbit_file(3, '$fixtures/sleep/fitbitnet/fitbitnet_GetSleep.json')");
like($err, qr/DETAIL:  At \$\.sleep\[0\]\.levels\.data\[1\]: the entry lies outside the log's startTime and endTime\./,
	'a stage outside its log is refused with its JSON path');
is($node->safe_psql('postgres', qq{
	SELECT string_agg(status, ',' ORDER BY file) FROM tracker.import_fitbit_file(3, '$fixtures/sleep')
	WHERE file LIKE '%.json'}),
	'duplicate,rejected,rejected,duplicate', 'importing the files again imports nothing new');

$node->stop;
done_testing();
