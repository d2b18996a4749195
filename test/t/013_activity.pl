# Activity from the fake Google Health API: a year of a synthetic user
# (Europe/Berlin, so with both clock changes) fills distance, floors, active
# minutes, active zone minutes, sedentary periods, total calories and steps;
# every day's figures in gold equal the fake's ground truth exactly, the
# provider's own daily roll-ups agree with Tracker's, and syncing the year
# again changes nothing.  A user wearing two devices (the list gives both
# devices' distance) gets the merged stream's figures.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TrackerTest;

my @types = ('steps', 'active-zone-minutes', 'active-minutes', 'distance', 'floors',
	'total-calories', 'sedentary-period');
my $types_sql = 'ARRAY[' . join(', ', map { "'$_'" } @types) . ']';
my ($first, $last) = ('2025-01-01', '2025-12-31');
my $year = "'[$first,$last]'";

my $fake = start_fake(
	users => [
		{
			id => 'act',
			refresh_token => 'rt-activity',
			tz => 'Europe/Berlin',
			age => 41,
			synthetic => { start => $first, days => 365, seed => 23 }
		},
		{
			id => 'two',
			refresh_token => 'rt-activity-two',
			tz => 'America/New_York',
			devices => [ 'pixel_watch', 'fitbit_charge' ],
			synthetic => { start => '2025-03-01', days => 14, seed => 5 }
		}
	]);
END { stop_server($fake); }

# The fake computes whole days for each request, which takes seconds on a
# busy machine: the HTTP timeout is no test of Tracker here.
my $node = tracker_node('activity', $fake, 'tracker.enable_workers = off',
	"tracker.http_timeout = '60s'");
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('act', 'Europe/Berlin');
	SELECT tracker.add_account('two', 'America/New_York');
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-activity');
	SELECT tracker.set_refresh_token(2, 'rt-activity-two');
});

my $t0 = time();
is($node->safe_psql('postgres',
		"SELECT rejected, errors, state FROM tracker.sync(1, $year, $types_sql)"),
	'0|0|connected', 'a year of activity syncs');
note(sprintf('the year of seven activity types synced in %.1f s', time() - $t0));

# Every type reached silver, compactly: one row per day, type and level
# (a level only on days that have minutes in it).
is($node->safe_psql('postgres', q{
	SELECT string_agg(data_type || ':' || level, ' ' ORDER BY data_type, level)
	FROM (SELECT DISTINCT data_type, level FROM silver.activity_minutes WHERE account_id = 1) s}),
	'active-minutes:LIGHT active-minutes:MODERATE active-minutes:VIGOROUS '
	  . 'active-zone-minutes:CARDIO active-zone-minutes:FAT_BURN active-zone-minutes:PEAK '
	  . 'distance: floors: sedentary-period:',
	'silver holds every type and level');
is($node->safe_psql('postgres', q{
	SELECT string_agg(data_type || ' ' || n, ', ' ORDER BY data_type)
	FROM (SELECT data_type, count(*) AS n FROM silver.activity_minutes
		  WHERE account_id = 1 AND level IN ('', 'LIGHT') GROUP BY 1) s}),
	'active-minutes 365, distance 365, floors 365, sedentary-period 365',
	'one row per day of distance, floors, sedentary time and light minutes');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE cardinality(minute_values) = 1380),
		   count(*) FILTER (WHERE cardinality(minute_values) = 1500),
		   count(*) FILTER (WHERE cardinality(minute_values) NOT IN (1380, 1440, 1500))
	FROM silver.activity_minutes WHERE account_id = 1 AND data_type = 'distance'}),
	'1|1|0', 'a day has 1440 minutes, the two days of the clock changes 1380 and 1500');
is($node->safe_psql('postgres',
		"SELECT count(*), count(reported_calories_kcal), count(reported_distance_mm), "
		  . "count(reported_floors), count(reported_light_minutes), "
		  . "count(reported_sedentary_minutes), count(reported_fat_burn_azm) > 0 "
		  . "FROM gold.daily_activity WHERE account_id = 1"),
	'365|365|365|365|365|365|t', 'gold has every day, with the provider\'s roll-ups beside');

# A fingerprint of everything the sync wrote for the account.
my $fingerprint = q{
	SELECT (SELECT count(*) FROM silver.activity_minutes WHERE account_id = 1) || ' ' ||
		   (SELECT count(*) FROM silver.daily_activity_reported WHERE account_id = 1) || ' ' ||
		   (SELECT count(*) FROM gold.daily_activity WHERE account_id = 1) || ' ' ||
		   (SELECT md5(string_agg(day || data_type || level || minute_values::text || updated_at,
								  ',' ORDER BY day, data_type, level))
			FROM silver.activity_minutes WHERE account_id = 1) || ' ' ||
		   (SELECT md5(string_agg(r::text, ',' ORDER BY r.day))
			FROM silver.daily_activity_reported r WHERE account_id = 1) || ' ' ||
		   (SELECT md5(string_agg(g::text, ',' ORDER BY g.day))
			FROM gold.daily_activity g WHERE account_id = 1)
};
my $before = $node->safe_psql('postgres', $fingerprint);

# Tracker's figures against the fake's ground truth, day by day (asked a
# month at a time: a year at once takes the fake longer than a request may).
sub truth_of
{
	my ($user, $from, $to) = @_;
	my %days;
	my $y = substr($from, 0, 4);
	for my $m (1 .. 12)
	{
		my $f = sprintf('%s-%02d-01', $y, $m);
		my $t = sprintf('%s-%02d-%02d', $y, $m, (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[ $m - 1 ]);
		next if $t lt $from || $f gt $to;
		$f = $from if $f lt $from;
		$t = $to if $t gt $to;
		my $part = fake_call($fake, 'GET',
			"/_fake/truth?user=$user&from=$f&to=$t&type=" . join(',', @types));
		%days = (%days, %{ $part->{days} });
	}
	return { days => \%days };
}
my $truth = truth_of('act', $first, $last);
sub expected_day
{
	my ($t) = @_;
	my $am = $t->{'active-minutes'} || {};
	my $azm = $t->{'active-zone-minutes'} || { minutes => {}, azm => {}, total => 0 };
	return join('|',
		$t->{steps} ? $t->{steps}{steps} : 0,
		$t->{distance} ? $t->{distance}{millimeters} : 0,
		$t->{floors} ? $t->{floors}{floors} : 0,
		sprintf('%.3f', $t->{'total-calories'} ? $t->{'total-calories'}{kcal} : 0),
		(map { $am->{$_} // 0 } qw(LIGHT MODERATE VIGOROUS)),
		(map { $azm->{minutes}{$_} // 0 } qw(FAT_BURN CARDIO PEAK)),
		(map { $azm->{azm}{$_} // 0 } qw(FAT_BURN CARDIO PEAK)),
		$azm->{total},
		$t->{'sedentary-period'} ? $t->{'sedentary-period'}{minutes} : 0);
}
my $columns = q{coalesce(steps, 0), coalesce(distance_mm, 0), coalesce(floors, 0),
	coalesce(calories_kcal, 0), coalesce(light_minutes, 0), coalesce(moderate_minutes, 0),
	coalesce(vigorous_minutes, 0), coalesce(fat_burn_minutes, 0), coalesce(cardio_minutes, 0),
	coalesce(peak_minutes, 0), coalesce(fat_burn_azm, 0), coalesce(cardio_azm, 0),
	coalesce(peak_azm, 0), coalesce(azm_total, 0), coalesce(sedentary_minutes, 0)};

sub compare_days
{
	my ($account, $truth, $what, $without_steps) = @_;
	my %got = map { my ($d, $rest) = split(/\|/, $_, 2); ($d => $rest) }
	  split(/\n/, $node->safe_psql('postgres',
		  "SELECT day, $columns FROM tracker.activity(account => $account, days => '(,)')"));
	my ($n, $bad, $first_bad) = (0, 0, '');
	for my $day (sort keys %{ $truth->{days} })
	{
		$n++;
		my $want = expected_day($truth->{days}{$day});
		my $have = $got{$day} // '(no row)';
		($want, $have) = map { s/^\d+\|/-|/r } ($want, $have) if $without_steps;
		next if $have eq $want;
		$bad++;
		$first_bad ||= "$day: tracker $have, truth $want";
	}
	is("$n days, $bad differ", "$n days, 0 differ", $what)
	  or diag("first difference: $first_bad (steps|mm|floors|kcal|light|moderate|vigorous|"
		  . "fat burn min|cardio min|peak min|fat burn azm|cardio azm|peak azm|azm|sedentary)");
	return $n;
}
is(compare_days(1, $truth, 'every day of the year equals the ground truth'), 365,
	'the truth has every day of the year');

# The sums the fake's truth describes are not all zero: every figure is
# tested on days that have it.
is($node->safe_psql('postgres', q{
	SELECT bool_and(x > 0) FROM (SELECT unnest(ARRAY[sum(steps), sum(distance_mm), sum(floors),
		sum(calories_kcal), sum(light_minutes), sum(moderate_minutes), sum(vigorous_minutes),
		sum(fat_burn_minutes), sum(cardio_minutes), sum(peak_minutes), sum(sedentary_minutes)])
		FROM tracker.activity(1, '(,)')) s(x)}),
	't', 'the year has every figure');

# The provider's roll-ups are the same figures.
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.activity(1, '(,)')
	WHERE (distance_mm, floors, light_minutes, moderate_minutes, vigorous_minutes,
		   fat_burn_azm, cardio_azm, peak_azm, sedentary_minutes)
		  IS DISTINCT FROM
		  (reported_distance_mm, reported_floors, reported_light_minutes,
		   reported_moderate_minutes, reported_vigorous_minutes, reported_fat_burn_azm,
		   reported_cardio_azm, reported_peak_azm, reported_sedentary_minutes)}),
	'0', "the provider's daily roll-ups agree with Tracker's figures on every day");

# The months of both clock changes again (the whole year again would double
# the test's time, and every window goes the same way): nothing changes,
# not even a timestamp.
for my $again ("'[2025-03-01,2025-04-30]'", "'[2025-10-01,2025-11-15]'")
{
	is($node->safe_psql('postgres',
			"SELECT rejected, errors, state FROM tracker.sync(1, $again, $types_sql)"),
		'0|0|connected', "$again syncs again");
}
is($node->safe_psql('postgres', $fingerprint), $before,
	'syncing again changes no row of silver or gold (counts and checksums)');

# The dashboard's function, and the raw pages in bronze.
is($node->safe_psql('postgres', q{
	SELECT count(*), sum(steps) = (SELECT sum(steps) FROM gold.daily_activity WHERE account_id = 1)
	FROM api.activity(account => 1, from_day => '2025-01-01', to_day => '2025-12-31')}),
	'365|t', 'api.activity() serves the year');
is($node->safe_psql('postgres', q{
	SET ROLE tracker_web;
	SELECT count(*) FROM api.activity(1, '2025-06-01', '2025-06-07')}),
	'7', 'the dashboard role reads api.activity()');
is($node->safe_psql('postgres', q{
	SELECT count(DISTINCT data_type) FROM tracker.sync_log
	WHERE account_id = 1 AND payload_id IS NOT NULL
	  AND data_type IN ('active-zone-minutes', 'active-minutes', 'distance', 'floors',
						'total-calories', 'sedentary-period')}),
	'6', 'the pages of every type are in bronze');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE request LIKE '%/floors/dataPoints:reconcile?%'),
		   count(*) FILTER (WHERE request LIKE '%/total-calories/dataPoints:dailyRollUp%'),
		   count(*) FILTER (WHERE request LIKE '%/distance/dataPoints:reconcile?%')
			 > 0
	FROM tracker.sync_log WHERE account_id = 1}) =~ /^(\d+)\|(\d+)\|t$/ && $1 > 0 && $2 > 0,
	1, 'floors and distance are read by reconcile, total calories by dailyRollUp');

# Two devices: the list has both devices' distance; the figures are those
# of the merged stream.  (Steps are left out: silver.steps keeps one point
# per minute whichever device sent it, which the merging of two devices'
# list reads is to settle.)
is($node->safe_psql('postgres',
		"SELECT rejected, errors FROM tracker.sync(2, '[2025-03-01,2025-03-14]', $types_sql)"),
	'0|0', 'two weeks of a user with two devices sync');
my $truth2 = truth_of('two', '2025-03-01', '2025-03-14');
compare_days(2, $truth2, 'two devices: every day equals the merged ground truth', 1);

# Imports: the account export's activity files and a saved Web API
# response (test/fixtures/activity), into an account of its own.
my $dir = fixtures_dir() . '/activity';
$node->safe_psql('postgres', "SELECT tracker.add_account('files', 'Europe/Berlin', 'fitbit_import')");
my $import = "SELECT regexp_replace(file, '^.*/', '') || ' ' || coalesce(kind, '-') || ' ' || status "
  . "|| ' ' || days FROM tracker.import_fitbit_file(3, '$dir') ORDER BY file";
is($node->safe_psql('postgres', $import), join("\n",
		'Active Zone Minutes - 2025-03-26.csv fitbit_export_active_zone_minutes imported 1',
		'README.md - skipped 0',
		'altitude-2025-03-26.json - skipped 0',
		'api-active-zone-minutes.json fitbit_api_active_zone_minutes imported 4',
		'calories-2025-03-26.json fitbit_export_calories imported 2',
		'distance-2025-03-26.json fitbit_export_distance imported 2',
		'lightly_active_minutes-2025-03-26.json fitbit_export_lightly_active_minutes imported 2',
		'moderately_active_minutes-2025-03-26.json fitbit_export_moderately_active_minutes imported 2',
		'sedentary_minutes-2025-03-26.json fitbit_export_sedentary_minutes imported 2',
		'very_active_minutes-2025-03-26.json fitbit_export_very_active_minutes imported 2'),
	'the activity files are imported, a file Tracker does not know is skipped with a row');
my $imported = q{
	SELECT string_agg(concat_ws(' ', day, distance_mm, fat_burn_minutes, cardio_minutes,
								peak_minutes, azm_total, calories_kcal, reported_light_minutes,
								reported_moderate_minutes, reported_vigorous_minutes,
								reported_sedentary_minutes, reported_fat_burn_azm,
								reported_cardio_azm, reported_peak_azm), E'\n' ORDER BY day)
	FROM tracker.activity(3, '(,)')};
# The export's minutes are UTC: 23:00 UTC on March 26 is the 27th in Berlin.
is($node->safe_psql('postgres', $imported), join("\n",
		'2025-03-26 93805 2 1 1 6 15.355 211 14 22 702 8 2 0',
		'2025-03-27 700 0 1.100 198 0 5 655 8 0 0',
		'2025-03-28 0 15 0 0',
		'2025-03-29 0 14 0 0'),
	"the files' figures per day: minutes in silver, the provider's daily figures beside");
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM bronze.payload WHERE account_id = 3 AND source = 'fitbit_file'}),
	'8', 'every imported file is in bronze');
my $files_before = $node->safe_psql('postgres', "SELECT md5(string_agg(g::text, ',' ORDER BY day)) FROM gold.daily_activity g WHERE account_id = 3");
is($node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT status, ',') FROM tracker.import_fitbit_file(3, '$dir')"),
	'duplicate,skipped', 'importing the files again finds them held');
is($node->safe_psql('postgres', "SELECT md5(string_agg(g::text, ',' ORDER BY day)) FROM gold.daily_activity g WHERE account_id = 3"),
	$files_before, 'and changes nothing');

# A document that does not validate is rejected with its path, kept in
# bronze as rejected, and writes nothing.
my ($ret, $out, $err) = $node->psql('postgres', q{
	SELECT * FROM tracker.import_fitbit_json(3, '{"activities-active-zone-minutes": [
		{"dateTime": "2025-04-01", "value": {"activeZoneMinutes": 9, "fatBurnActiveZoneMinutes": 8}}]}')});
like($err, qr/activities-active-zone-minutes"\]\[0\]\.value\.activeZoneMinutes: activeZoneMinutes 9 is not the sum of its zones/,
	'a Web API response whose total is not the sum of its zones is rejected with the path');
is($node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM bronze.payload WHERE account_id = 3 AND status = 'rejected'),
		   (SELECT count(*) FROM gold.daily_activity WHERE account_id = 3 AND day = '2025-04-01')}),
	'1|0', 'the rejected document is in bronze and wrote nothing');

$node->stop;
done_testing();
