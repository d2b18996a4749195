# Heart-rate zones named as each source names them, and every day's zone
# minutes adding up: over a year of the fake Google Health API (light,
# moderate, vigorous, peak) and the korymath Fitbit files (out of range, fat
# burn, cardio, peak), every day's minutes below the zones plus its minutes
# in the four zones are its worn minutes, in gold, in tracker.zone_minutes()
# and in the api, and they are what the day's samples give when binned in
# SQL from the zones' lower bounds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TrackerTest;

my $fixtures = fixtures_dir();
my $year = "'[2025-01-01,2026-01-01)'";
my $fake = start_fake(
	users => [
		{
			id => 'year',
			refresh_token => 'rt-zones-year',
			tz => 'Europe/Berlin',
			age => 35,
			synthetic => { start => '2025-01-01', days => 365, seed => 17 }
		}
	]);
END { stop_server($fake); }

# Long ranges make the fake work for seconds per page on a busy machine;
# this test is not about timeouts, so give them room.
my $node = tracker_node('zones', $fake, 'tracker.enable_workers = off',
	'tracker.http_timeout = 60s');
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('year', 'Europe/Berlin');
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import');
	SELECT tracker.add_account('by age', 'UTC', 'fitbit_import', birth_date => '1990-06-15');
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-zones-year');
});

# A year from the fake: heart rate and the daily zones are what the figures
# need.
my $t0 = time();
is($node->safe_psql('postgres',
		"SELECT rejected, errors, state FROM tracker.sync(1, $year, "
		  . "ARRAY['heart-rate', 'daily-heart-rate-zones', 'time-in-heart-rate-zone'])"),
	'0|0|connected', 'a year of the fake Google Health API syncs');
note(sprintf('the year synced in %.1f s', time() - $t0));
is($node->safe_psql('postgres',
		"SELECT count(*), count(*) FILTER (WHERE zone_source = 'provider') FROM gold.daily WHERE account_id = 1"),
	'365|365', 'every day of the year has figures, over the zones Google reported');

# The korymath days, imported from the Fitbit files.
$node->safe_psql('postgres',
	"SELECT count(*) FROM tracker.import_fitbit_file(2, '$fixtures/korymath')");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM gold.daily WHERE account_id = 2 AND zone_source = 'provider'"),
	'3', "the three korymath days have figures over Fitbit's zones");

# A day with no reported zones gets Fitbit's defaults for the age, and
# minutes below 30 and above 220 stay in the count.
$node->safe_psql('postgres', q{
	SELECT tracker.store_heart_rate(3,
		array_agg('2024-01-10 00:00:00+00'::timestamptz + m * interval '1 minute' ORDER BY m),
		array_agg((CASE WHEN m < 10 THEN 25 WHEN m < 20 THEN 230 ELSE 60 + m % 100 END)::smallint ORDER BY m))
	FROM generate_series(0, 599) m;
});

# Every day of every account: the minutes below the zones and in the four
# zones add up to the worn minutes (gold, then tracker.zone_minutes()).
is($node->safe_psql('postgres', q{
	SELECT account_id, count(*) FROM gold.daily
	WHERE zone_scheme IS NULL OR below_zone_minutes + zone1_minutes + zone2_minutes
		  + zone3_minutes + zone4_minutes <> wear_minutes
	GROUP BY 1 ORDER BY 1}),
	'', "gold: every day's zone minutes plus its minutes below the zones are its worn minutes");
for my $acc (1, 2, 3)
{
	is($node->safe_psql('postgres', qq{
		SELECT count(*) FROM tracker.wear_time($acc, '(,)') w
			FULL JOIN (SELECT day, sum(minutes) AS minutes
					   FROM tracker.zone_minutes($acc, '(,)') GROUP BY day) z USING (day)
		WHERE z.minutes IS DISTINCT FROM w.minutes}),
		'0', "account $acc: each day's rows of tracker.zone_minutes() add up to its worn minutes");
	is($node->safe_psql('postgres', qq{
		SELECT count(*) FROM api.wear_time($acc, '2000-01-01', '2100-01-01') w
			FULL JOIN api.zone_minutes($acc, '2000-01-01', '2100-01-01') z USING (day)
		WHERE z.below_zones + z.zone1 + z.zone2 + z.zone3 + z.zone4 IS DISTINCT FROM w.minutes}),
		'0', "account $acc: api.zone_minutes() adds up to api.wear_time()");
}

# The year reaches every zone, and below them: the check above is not only
# over days of one zone.
is($node->safe_psql('postgres', q{
	SELECT sum(below_zone_minutes) > 0, sum(zone1_minutes) > 0, sum(zone2_minutes) > 0,
		   sum(zone3_minutes) > 0, sum(zone4_minutes) > 0
	FROM gold.daily WHERE account_id = 1}),
	't|t|t|t|t', 'the year has minutes below the zones and in each of the four');

# Names: Google's zone types for the synced days, Fitbit's for the files and
# for the default zones.
is($node->safe_psql('postgres', q{
	SELECT account_id, zone_scheme, count(*) FROM gold.daily GROUP BY 1, 2 ORDER BY 1, 2}),
	"1|google_health|365\n2|fitbit|3\n3|fitbit|1", 'each day is named by the source of its zones');
is($node->safe_psql('postgres', q{
	SELECT string_agg(DISTINCT zone, ',' ORDER BY zone) FROM tracker.zone_minutes(1, '(,)')}),
	'below_zones,light,moderate,peak,vigorous', 'Google Health days have light, moderate, vigorous and peak');
is($node->safe_psql('postgres', q{
	SELECT string_agg(zone || ' ' || coalesce(from_bpm::text, '-') || '..' || coalesce(to_bpm::text, '-')
					  || ' ' || minutes, ', ')
	FROM tracker.zone_minutes(2, '[2017-05-01,2017-05-01]')}),
	'below_zones -..30 0, out_of_range 30..95 1199, fat_burn 95..133 146, cardio 133..162 26, peak 162..- 1',
	"korymath 2017-05-01: Fitbit's zones with their bounds");
is($node->safe_psql('postgres', q{
	SELECT string_agg(zone || ' ' || minutes, ', ') FROM tracker.zone_minutes(3, '(,)')}),
	'below_zones 10, out_of_range 178, fat_burn 222, cardio 168, peak 22',
	'default zones: below 30 is below the zones, above 220 is peak');

# The lowest zone of a Google day starts at the LIGHT bound Google reported.
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM gold.daily g JOIN silver.daily_reported r USING (account_id, day)
	WHERE g.account_id = 1
	  AND g.zone_bounds IS DISTINCT FROM ARRAY[r.zone1_min, r.zone2_min, r.zone3_min, r.zone4_min, r.zone4_max]}),
	'0', 'Google days use the bounds Google reported, LIGHT first');

# Tracker's figures against the samples binned in SQL: each clock minute's
# mean rounded half up, in the highest zone whose lower bound it reaches,
# else below the zones (every 7th day of the year, and the files).
my $binned = q{
	WITH m AS (
		SELECT h.account_id, h.day, date_trunc('minute', s.ts) AS minute,
			   floor((2 * sum(s.bpm) + count(*)) / (2.0 * count(*)))::int AS v
		FROM silver.heart_rate_day h CROSS JOIN LATERAL tracker.series_unnest(h.series) s
		WHERE (h.account_id = 1 AND (h.day - date '2025-01-01') % 7 = 0) OR h.account_id IN (2, 3)
		GROUP BY 1, 2, 3),
	z AS (
		SELECT m.account_id, m.day,
			   CASE WHEN v >= g.zone_bounds[4] THEN 4 WHEN v >= g.zone_bounds[3] THEN 3
					WHEN v >= g.zone_bounds[2] THEN 2 WHEN v >= g.zone_bounds[1] THEN 1 ELSE 0 END AS zone
		FROM m JOIN gold.daily g USING (account_id, day)),
	s AS (
		SELECT account_id, day, count(*) AS worn,
			   count(*) FILTER (WHERE zone = 0) AS z0, count(*) FILTER (WHERE zone = 1) AS z1,
			   count(*) FILTER (WHERE zone = 2) AS z2, count(*) FILTER (WHERE zone = 3) AS z3,
			   count(*) FILTER (WHERE zone = 4) AS z4
		FROM z GROUP BY 1, 2)
	SELECT count(*), count(*) FILTER (WHERE (s.worn, s.z0, s.z1, s.z2, s.z3, s.z4) IS DISTINCT FROM
			(g.wear_minutes, g.below_zone_minutes, g.zone1_minutes, g.zone2_minutes,
			 g.zone3_minutes, g.zone4_minutes))
	FROM s JOIN gold.daily g USING (account_id, day)
};
is($node->safe_psql('postgres', "SET TimeZone = 'UTC'; $binned"),
	'57|0', 'the samples binned in SQL give the same minutes below and in each zone on 57 days');

# The table itself refuses zones that do not add up.
my ($ret, $out, $err) = $node->psql('postgres',
	"UPDATE gold.daily SET below_zone_minutes = below_zone_minutes + 1 WHERE account_id = 2");
like($err, qr/daily_zones_add_up/, 'gold.daily refuses zone minutes that do not add up to the worn minutes');

$node->stop;
done_testing();
