# Vitals and body measurements from the Google Health API: a year of a
# synthetic user of the fake fills every table of the eleven types (HRV,
# SpO2, breathing rate, skin temperature, weight, body fat, VO2 max, as
# samples and as daily figures); reading the year again changes nothing;
# and every day's figures in gold.daily_vitals (through tracker.vitals()
# and tracker.body()) are the fake's ground truth.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TrackerTest;

my @types = qw(heart-rate-variability daily-heart-rate-variability oxygen-saturation
  daily-oxygen-saturation daily-respiratory-rate respiratory-rate-sleep-summary
  daily-sleep-temperature-derivations weight body-fat daily-vo2-max vo2-max);
my $year = "'[2025-01-01,2026-01-01)'";
my $fake = start_fake(
	users => [
		{
			id => 'vit',
			refresh_token => 'rt-vitals',
			tz => 'America/New_York',
			age => 41,
			synthetic => { start => '2025-01-01', days => 365, seed => 23 }
		}
	]);
END { stop_server($fake); }

my $node = tracker_node('vitals', $fake, 'tracker.enable_workers = off');
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('vit', 'America/New_York');
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-vitals');
});

# The scopes and windows of the new types.
is($node->safe_psql('postgres', q{
	SELECT string_agg(pd.data_type || ' ' || pd.window_days || ' ' ||
					  split_part(s.scope, '.', 4), ', ' ORDER BY pd.ord)
	FROM tracker.provider_data_type pd JOIN tracker.google_scope s USING (data_type)
	WHERE pd.ord BETWEEN 8 AND 18}),
	'heart-rate-variability 14 health_metrics_and_measurements, '
	  . 'daily-heart-rate-variability 90 health_metrics_and_measurements, '
	  . 'oxygen-saturation 14 health_metrics_and_measurements, '
	  . 'daily-oxygen-saturation 90 health_metrics_and_measurements, '
	  . 'daily-respiratory-rate 90 health_metrics_and_measurements, '
	  . 'respiratory-rate-sleep-summary 14 health_metrics_and_measurements, '
	  . 'daily-sleep-temperature-derivations 90 health_metrics_and_measurements, '
	  . 'weight 14 health_metrics_and_measurements, '
	  . 'body-fat 14 health_metrics_and_measurements, '
	  . 'daily-vo2-max 90 activity_and_fitness, vo2-max 14 activity_and_fitness',
	'each type has its scope and a window length');

# A year of the types, with sleep (the breathing rate of a day is its main
# sleep's).
my $sync = "SELECT rejected, errors, state FROM tracker.sync(1, $year, ARRAY['sleep', '"
  . join("', '", @types) . "'])";
my $t0 = time();
is($node->safe_psql('postgres', $sync), '0|0|connected', 'a year of the eleven types syncs');
note(sprintf('the year synced in %.1f s', time() - $t0));

my $counts = q{
	SELECT (SELECT count(*) FROM silver.hrv_sample) || ' ' ||
		   (SELECT count(*) FROM silver.spo2_sample) || ' ' ||
		   (SELECT count(*) FROM silver.respiratory_sleep) || ' ' ||
		   (SELECT count(*) FROM silver.weight) || ' ' ||
		   (SELECT count(*) FROM silver.body_fat) || ' ' ||
		   (SELECT count(*) FROM silver.vo2_max) || ' ' ||
		   (SELECT count(*) FROM silver.daily_vitals) || ' ' ||
		   (SELECT count(*) FROM gold.daily_vitals)
};
my @n = split / /, $node->safe_psql('postgres', $counts);
note("rows: hrv, spo2, respiratory, weight, body fat, vo2 max, daily, gold: @n");
ok((!grep { $_ == 0 } @n), 'every table has rows');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE hrv_ms IS NOT NULL) > 300,
		   count(*) FILTER (WHERE spo2_avg IS NOT NULL) > 300,
		   count(*) FILTER (WHERE respiratory_rate IS NOT NULL) > 300,
		   count(*) FILTER (WHERE skin_temp_nightly_c IS NOT NULL) > 300,
		   count(*) FILTER (WHERE skin_temp_baseline_c IS NOT NULL) > 300,
		   count(*) FILTER (WHERE vo2_max IS NOT NULL) > 300,
		   count(*) FILTER (WHERE cardio_fitness_level IS NOT NULL) > 300
	FROM silver.daily_vitals WHERE account_id = 1}),
	't|t|t|t|t|t|t', 'each daily type fills its columns of silver.daily_vitals');
is($node->safe_psql('postgres', q{
	SELECT bool_or(manual), bool_and(point_id LIKE 'users/%/dataTypes/weight/dataPoints/%')
	FROM silver.weight}),
	't|t', 'weigh-ins keep their names, and those entered by hand say so');

# Reading the year again changes nothing: the same rows, the same values,
# not even a new updated_at or computed_at.
my $checksum = q{
	SELECT md5(string_agg(t, E'\n' ORDER BY t)) FROM (
		SELECT 'h' || x::text AS t FROM silver.hrv_sample x UNION ALL
		SELECT 's' || x::text FROM silver.spo2_sample x UNION ALL
		SELECT 'r' || x::text FROM silver.respiratory_sleep x UNION ALL
		SELECT 'w' || x::text FROM silver.weight x UNION ALL
		SELECT 'f' || x::text FROM silver.body_fat x UNION ALL
		SELECT 'v' || x::text FROM silver.vo2_max x UNION ALL
		SELECT 'd' || x::text FROM silver.daily_vitals x UNION ALL
		SELECT 'g' || x::text FROM gold.daily_vitals x) u
};
my $before = $node->safe_psql('postgres', $checksum);
is($node->safe_psql('postgres', $sync), '0|0|connected', 'the year syncs again');
is($node->safe_psql('postgres', $counts), join(' ', @n), 'the same rows after the second sync');
is($node->safe_psql('postgres', $checksum), $before,
	'the same values, updated_at and computed_at after the second sync');

# Every day against the fake's ground truth.
my $truth = fake_call($fake, 'GET',
	'/_fake/truth?user=vit&from=2025-01-01&to=2025-12-31&type=' . join(',', @types))->{days};
my %ours;
for my $line (split /\n/, $node->safe_psql('postgres', q{
	SELECT v.day, v.hrv_samples, coalesce(v.hrv_ms::text, ''), v.spo2_samples,
		   coalesce(v.spo2_avg::text, ''), coalesce(v.respiratory_rate::text, ''),
		   coalesce(v.skin_temp_variation_c::text, ''), coalesce(v.vo2_max::text, ''),
		   coalesce(v.reported_hrv_ms::text, ''), coalesce(v.reported_spo2_avg::text, ''),
		   coalesce(v.reported_respiratory_rate::text, ''),
		   coalesce(v.reported_vo2_max::text, ''),
		   coalesce(b.weight_kg::text, ''), coalesce(b.body_fat_pct::text, ''),
		   coalesce(b.weighings, 0), coalesce(b.manual::text, ''),
		   (SELECT count(*) FROM silver.respiratory_sleep r WHERE r.day = v.day),
		   (SELECT count(*) FROM silver.body_fat r WHERE r.day = v.day)
	FROM tracker.vitals(account => 1, days => '[2025-01-01,2026-01-01)') v
		LEFT JOIN tracker.body(account => 1, days => '[2025-01-01,2026-01-01)') b USING (day)
	}))
{
	my ($day, @f) = split /\|/, $line, -1;
	$ours{$day} = \@f;
}
# tracker.body() has no day tracker.vitals() lacks
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.body(1, '(,)') b
	WHERE NOT EXISTS (SELECT 1 FROM tracker.vitals(1, '(,)') v WHERE v.day = b.day)}),
	'0', 'every day with a weigh-in also has vitals');

sub near
{
	my ($ours, $theirs) = @_;
	return 0 if !defined $theirs || $ours eq '';
	return abs($ours - $theirs) < 2e-3;
}

my %bad;
my $days = 0;
for my $day (sort keys %$truth)
{
	my $t = $truth->{$day};
	my $o = $ours{$day} || [('') x 17];
	my $fail = sub { push @{ $bad{ $_[0] } }, $day; };
	$days++;

	my $hrv = $t->{'heart-rate-variability'};
	$fail->('hrv samples') if ($o->[0] || 0) != ($hrv ? $hrv->{samples} : 0);
	$fail->('hrv mean') if $hrv && !near($o->[1], $hrv->{mean_rmssd_ms});
	my $spo2 = $t->{'oxygen-saturation'};
	$fail->('spo2 samples') if ($o->[2] || 0) != ($spo2 ? $spo2->{samples} : 0);
	$fail->('spo2 mean') if $spo2 && !near($o->[3], $spo2->{mean});
	my $resp = $t->{'daily-respiratory-rate'};
	$fail->('respiratory rate')
	  if $resp ? !near($o->[4], $resp->{breaths_per_minute}) : $o->[4] ne '';
	my $rs = $t->{'respiratory-rate-sleep-summary'} || [];
	$fail->('respiratory summaries') if ($o->[15] || 0) != @$rs;
	my $temp = $t->{'daily-sleep-temperature-derivations'};
	if ($temp && defined $temp->{baseline})
	{
		$fail->('skin temperature')
		  unless near($o->[5], $temp->{nightly} - $temp->{baseline});
	}
	elsif (($o->[5] // '') ne '')
	{
		$fail->('skin temperature without a baseline');
	}
	my $vo2 = $t->{'vo2-max'};
	$fail->('vo2 max') if $vo2 ? !near($o->[6], $vo2->[-1]{vo2_max}) : $o->[6] ne '';
	my $dh = $t->{'daily-heart-rate-variability'};
	$fail->('reported hrv') if $dh && !near($o->[7], $dh->{average_ms});
	my $ds = $t->{'daily-oxygen-saturation'};
	$fail->('reported spo2') if $ds && !near($o->[8], $ds->{average});
	$fail->('reported respiratory rate') if $resp && !near($o->[9], $resp->{breaths_per_minute});
	my $dv = $t->{'daily-vo2-max'};
	$fail->('reported vo2 max') if $dv && !near($o->[10], $dv->{vo2_max});
	my $w = $t->{weight};
	$fail->('weight') if $w ? !near($o->[11], $w->[-1]{grams} / 1000) : $o->[11] ne '';
	$fail->('weigh-ins') if ($o->[13] || 0) != ($w ? scalar @$w : 0);
	$fail->('manual') if $w && $o->[14] ne ($w->[-1]{manual} ? 'true' : 'false');
	my $bf = $t->{'body-fat'};
	$fail->('body fat') if $bf ? !near($o->[12], $bf->[-1]{percentage}) : $o->[12] ne '';
	$fail->('body-fat readings') if ($o->[16] || 0) != ($bf ? scalar @$bf : 0);
}
ok($days >= 360, "the truth has $days days");
for my $what ('hrv samples', 'hrv mean', 'spo2 samples', 'spo2 mean', 'respiratory rate',
	'respiratory summaries', 'skin temperature', 'skin temperature without a baseline',
	'vo2 max', 'reported hrv', 'reported spo2', 'reported respiratory rate',
	'reported vo2 max', 'weight', 'weigh-ins', 'manual', 'body fat', 'body-fat readings')
{
	my $b = $bad{$what} || [];
	is(scalar @$b, 0, "$what: every day as the truth says")
	  or diag("first days that differ: @{$b}[0 .. ($#$b < 4 ? $#$b : 4)]");
}
# and no day of ours that the truth does not have
is(scalar(grep { !$truth->{$_} } keys %ours), 0, 'no day has figures the truth lacks');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE hrv_samples > 0) > 300, count(*) FILTER (WHERE weight_kg IS NOT NULL) > 150,
		   count(*) FILTER (WHERE vo2_max IS NOT NULL) > 30
	FROM gold.daily_vitals}),
	't|t|t', 'the year has HRV on most days, weight on many and VO2 max on run days');

$node->stop;
done_testing();
