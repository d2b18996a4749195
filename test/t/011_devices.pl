# Two devices, one stream; and a data type whose scope was not granted.
#
# A person who wears a Pixel Watch and a Fitbit Charge has both devices'
# heart rate and steps in dataPoints.list.  Backfilled by the workers over
# four weeks, every day's samples, zone minutes, worn minutes, resting
# heart rate, time in zones and steps are those of the merged stream the
# fake's ground truth gives, not double-counted; session names are the
# same strings list gives, so a database synced from list keeps its rows.
#
# A user who did not grant the sleep scope, and one who took back the
# health metrics scope while a token was alive: the other types fill
# completely, the missing ones show as missing scope with how to fix it, a
# bounded few requests go to the denied types, and after a consent with
# every scope they fill.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use HTTP::Tiny;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $first = '2026-01-05';
my $last = '2026-02-01';	# inclusive: four weeks
my $days = "'[$first,2026-02-02)'";
my $synthetic = { start => $first, days => 28, seed => 11 };
my @granted_but_sleep = ('activity_and_fitness.readonly',
	'health_metrics_and_measurements.readonly', 'profile.readonly', 'settings.readonly');

my $fake = start_fake(
	users => [
		{
			id => 'two',
			refresh_token => 'rt-two',
			tz => 'Europe/Berlin',
			devices => [ 'pixel_watch', 'fitbit_charge' ],
			synthetic => $synthetic
		},
		{
			id => 'nosleep',
			refresh_token => 'rt-nosleep',
			tz => 'Europe/Berlin',
			scopes => \@granted_but_sleep,
			synthetic => $synthetic
		},
		{
			id => 'nometrics',
			refresh_token => 'rt-nometrics',
			tz => 'Europe/Berlin',
			synthetic => $synthetic
		}
	]);
END { stop_server($fake); }

# Long ranges make the fake work for seconds per page on a busy machine;
# this test is not about timeouts, so give them room.
my $node = tracker_node('devices', $fake, "tracker.sync_interval = '1 day'",
	'tracker.http_timeout = 60s');
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('two', 'Europe/Berlin');
	SELECT tracker.add_account('nosleep', 'Europe/Berlin');
	SELECT tracker.add_account('nometrics', 'Europe/Berlin');
	SELECT tracker.set_refresh_token(1, 'rt-two');
	SELECT tracker.set_refresh_token(2, 'rt-nosleep');
	SELECT tracker.set_refresh_token(3, 'rt-nometrics');
});

# The fake's ground truth of a user, as rows of a table to compare with.
sub load_truth
{
	my ($user, $account) = @_;
	my $truth = fake_call($fake, 'GET', "/_fake/truth?user=$user&from=$first&to=$last");
	my $json = JSON::PP->new->canonical->encode($truth->{days});
	$node->safe_psql('postgres', qq{
		CREATE TABLE IF NOT EXISTS truth (account_id integer, day date, v jsonb);
		DELETE FROM truth WHERE account_id = $account;
		INSERT INTO truth SELECT $account, d.key::date, d.value
		FROM jsonb_each(\$j\$$json\$j\$::jsonb) d;
	});
	return $truth;
}

# Per day, what Tracker holds that differs from the truth: samples and their
# sum, worn minutes, resting heart rate,
# Google's time in zones, steps.  One row per differing day and figure.
sub differences
{
	my ($account, @what) = @_;
	my %checks = (
		samples => q{(SELECT sum(s.bpm) || '/' || count(*)
			FROM silver.heart_rate_day h CROSS JOIN LATERAL tracker.series_unnest(h.series) s
			WHERE h.account_id = t.account_id AND h.day = t.day)
			IS DISTINCT FROM (t.v->'heart-rate'->>'sum') || '/' || (t.v->'heart-rate'->>'samples')},
		wear => q{(SELECT g.wear_minutes FROM gold.daily g
			WHERE g.account_id = t.account_id AND g.day = t.day)
			IS DISTINCT FROM (t.v->'heart-rate'->>'worn_minutes')::int},
		resting => q{(SELECT r.resting_hr FROM silver.daily_reported r
			WHERE r.account_id = t.account_id AND r.day = t.day)
			IS DISTINCT FROM (t.v->'daily-resting-heart-rate'->>'beats_per_minute')::real},
		time_in_zones => q{(SELECT ARRAY[r.zone1_minutes, r.zone2_minutes, r.zone3_minutes,
				r.zone4_minutes] FROM silver.daily_reported r
			WHERE r.account_id = t.account_id AND r.day = t.day)
			IS DISTINCT FROM ARRAY[(t.v->'time-in-heart-rate-zone'->>'LIGHT')::real / 60,
				(t.v->'time-in-heart-rate-zone'->>'MODERATE')::real / 60,
				(t.v->'time-in-heart-rate-zone'->>'VIGOROUS')::real / 60,
				(t.v->'time-in-heart-rate-zone'->>'PEAK')::real / 60]::real[]},
		steps => q{(SELECT sum(s.steps) FROM silver.steps s
			WHERE s.account_id = t.account_id AND s.day = t.day)
			IS DISTINCT FROM (t.v->'steps'->>'steps')::bigint});
	my $sql = join("\nUNION ALL\n", map {
		"SELECT '$_' AS figure, t.day FROM truth t WHERE t.account_id = $account AND $checks{$_}"
	} @what);
	return $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(figure || ' ' || day, ', ' ORDER BY figure, day), 'none') FROM ($sql) d");
}

# Wait for a job, with a deadline (the workers run it).
sub wait_job
{
	my ($job) = @_;
	return $node->safe_psql('postgres', "SELECT tracker.wait($job, '10 minutes')");
}

my @all = qw(samples wear resting time_in_zones steps);

# Tracker puts a minute in a zone by its mean rounded half up (gold.daily),
# the fake by the exact mean: a minute whose mean lies within half a beat
# below a zone's lower bound is one zone higher in gold.  So the zones are
# checked here by binning the stored samples by the exact mean over the
# bounds Google reported: what the merged stream gives.
sub zone_differences
{
	my ($account) = @_;
	return $node->safe_psql('postgres', qq{
		WITH m AS (
			SELECT h.day, avg(s.bpm) AS mean
			FROM silver.heart_rate_day h CROSS JOIN LATERAL tracker.series_unnest(h.series) s
			WHERE h.account_id = $account
			GROUP BY h.day, date_trunc('minute', s.ts)),
		z AS (
			SELECT m.day, CASE WHEN mean >= r.zone4_min THEN 4 WHEN mean >= r.zone3_min THEN 3
							   WHEN mean >= r.zone2_min THEN 2 WHEN mean >= r.zone1_min THEN 1
							   ELSE 0 END AS zone
			FROM m JOIN silver.daily_reported r ON r.account_id = $account AND r.day = m.day),
		d AS (
			SELECT day, ARRAY[count(*) FILTER (WHERE zone = 0), count(*) FILTER (WHERE zone = 1),
							  count(*) FILTER (WHERE zone = 2), count(*) FILTER (WHERE zone = 3),
							  count(*) FILTER (WHERE zone = 4)]::int[] AS zones
			FROM z GROUP BY day)
		SELECT coalesce(string_agg(t.day::text, ', ' ORDER BY t.day), 'none')
		FROM truth t LEFT JOIN d USING (day)
		WHERE t.account_id = $account
		  AND d.zones IS DISTINCT FROM ARRAY[(t.v->'heart-rate'->>'below_light_minutes')::int,
				(t.v->'heart-rate'->'zone_minutes'->>'LIGHT')::int,
				(t.v->'heart-rate'->'zone_minutes'->>'MODERATE')::int,
				(t.v->'heart-rate'->'zone_minutes'->>'VIGOROUS')::int,
				(t.v->'heart-rate'->'zone_minutes'->>'PEAK')::int]});
}

#
# Two devices.
#
my $truth = load_truth('two', 1);
my ($list_samples, $samples) = (0, 0);
for my $d (values %{ $truth->{days} })
{
	$list_samples += $d->{'heart-rate'}{list_samples} // 0;
	$samples += $d->{'heart-rate'}{samples} // 0;
}
cmp_ok($list_samples, '>', $samples + 28 * 1000,
	"list has both devices' samples: $list_samples against $samples in the merged stream");

my $job = $node->safe_psql('postgres', "SELECT tracker.backfill($days, 1)");
is(wait_job($job), 'done', 'two devices: four weeks backfilled by the workers');
is($node->safe_psql('postgres', 'SELECT count(*) FROM gold.daily WHERE account_id = 1'),
	'28', 'two devices: every day has figures');
is(differences(1, @all), 'none',
	'two devices: samples, worn minutes, resting heart rate, time in zones and steps are the merged stream');
is(zone_differences(1), 'none', 'two devices: the minutes in each zone are the merged stream\'s');
is($node->safe_psql('postgres', qq{
	SELECT sum(samples) FROM gold.daily WHERE account_id = 1}),
	$samples, "two devices: $samples samples, none counted twice");

# Sessions: the names stored are the strings list gives (a database synced
# from list has the same rows), once each.
my $http = HTTP::Tiny->new(timeout => 30);
my $tok = $http->post_form("$fake->{url}/token", {
		grant_type => 'refresh_token', refresh_token => 'rt-two',
		client_id => 'test-client', client_secret => 'test-secret' });
my $access = json_decode($tok->{content})->{access_token};
for my $case ([ 'exercise', 'exercise.interval.civil_start_time', 'exercise_id' ],
	[ 'sleep', 'sleep.interval.civil_end_time', 'sleep_id' ])
{
	my ($type, $member, $column) = @$case;
	my (@listed, $token);
	my $filter = $http->www_form_urlencode(
		{ filter => qq{$member >= "2026-01-01" AND $member < "2026-02-10"} });
	do
	{
		my $url = "$fake->{url}/v4/users/me/dataTypes/$type/dataPoints?pageSize=25&$filter"
		  . ($token ? "&pageToken=$token" : '');
		my $page = json_decode($http->get($url,
				{ headers => { Authorization => "Bearer $access" } })->{content});
		push @listed, map { $_->{name} } @{ $page->{dataPoints} || [] };
		$token = $page->{nextPageToken};
	} while ($token);
	my $names = join(' ', @listed);
	is($node->safe_psql('postgres', qq{
		SELECT count(*) > 3, count(*) = count(DISTINCT $column),
			   count(*) FILTER (WHERE $column <> ALL (string_to_array('$names', ' ')))
		FROM silver.$type WHERE account_id = 1}),
		't|t|0', "$type: every session stored once, under the name list gives it");
}

# A second backfill of the same weeks changes nothing and adds no session.
my $before = $node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM silver.exercise), (SELECT count(*) FROM silver.sleep),
		   (SELECT sum(samples) FROM gold.daily), (SELECT sum(steps) FROM silver.steps)});
$job = $node->safe_psql('postgres', "SELECT tracker.backfill($days, 1)");
is(wait_job($job), 'done', 'two devices: the weeks again');
is($node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM silver.exercise), (SELECT count(*) FROM silver.sleep),
		   (SELECT sum(samples) FROM gold.daily), (SELECT sum(steps) FROM silver.steps)}),
	$before, 'two devices: syncing again adds no session, sample or step');

#
# Scopes.  nosleep never granted sleep; nometrics granted every scope, and
# took back health metrics while its access token was alive (so Google's
# 403 says it, not the token's scope field).
#
$node->safe_psql('postgres',
	"SELECT errors FROM tracker.sync(3, '[2026-01-05,2026-01-06)', ARRAY['profile'])");
fake_call($fake, 'POST', '/_fake/scopes',
	{ user => 'nometrics', revoke => ['health_metrics_and_measurements.readonly'] });
fake_call($fake, 'DELETE', '/_fake/stats');
load_truth('nosleep', 2);
load_truth('nometrics', 3);
my $job2 = $node->safe_psql('postgres', "SELECT tracker.backfill($days, 2)");
my $job3 = $node->safe_psql('postgres', "SELECT tracker.backfill($days, 3)");
is(wait_job($job2) . ' ' . wait_job($job3), 'done done', 'scopes: both backfills finish');

# The data types the health metrics scope covers, as the extension lists them.
my %metrics = map { $_ => 1 } split /\n/, $node->safe_psql('postgres', q{
	SELECT s.data_type FROM tracker.google_scope s
		JOIN tracker.provider_data_type pd ON pd.data_type = s.data_type
	WHERE pd.provider = 'google_health'
	  AND s.scope LIKE '%/googlehealth.health_metrics_and_measurements.readonly'});
sub type_requests
{
	my ($user, @types) = @_;
	my $by = fake_call($fake, 'GET', '/_fake/stats')->{by_user_type}{$user} || {};
	my $n = 0;
	$n += ($by->{$_} || {})->{requests} || 0 for @types;
	return $n;
}
cmp_ok(type_requests('nosleep', 'sleep'), '<=', 1, 'nosleep: at most one request for sleep');
cmp_ok(type_requests('nometrics', keys %metrics), '<=', scalar(keys %metrics),
	'nometrics: at most one request for each health metrics type, not one a window');
note('requests for the denied types: sleep ' . type_requests('nosleep', 'sleep')
	  . ', health metrics ' . type_requests('nometrics', keys %metrics));

# The other types fill completely.
is(differences(2, @all), 'none', 'nosleep: heart rate, zones, resting heart rate and steps are all there');
is(differences(3, 'time_in_zones', 'steps'), 'none', 'nometrics: time in zones and steps are all there');
is($node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM silver.sleep WHERE account_id = 2),
		   (SELECT count(*) > 0 FROM silver.exercise WHERE account_id = 2),
		   (SELECT count(*) > 0 FROM silver.sleep WHERE account_id = 3),
		   (SELECT count(*) FROM silver.heart_rate_day WHERE account_id = 3)}),
	'0|t|t|0', 'sleep and heart rate are left out where their scope is missing, and only there');

# What the user reads: the missing types, the scope, and how to fix it.
is($node->safe_psql('postgres', q{
	SELECT account, string_agg(data_type, ',' ORDER BY data_type COLLATE "C")
	FROM tracker.data_type_status WHERE state = 'missing_scope' GROUP BY 1 ORDER BY 1}),
	"2|sleep\n3|" . join(',', sort keys %metrics),
	'tracker.data_type_status: the types whose scope is missing');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.data_type_status
	WHERE account IN (2, 3) AND state <> 'missing_scope' AND state <> 'syncing'}),
	'0', 'tracker.data_type_status: every other type syncs');
like($node->safe_psql('postgres', q{
	SELECT hint FROM tracker.data_type_status WHERE account = 2 AND data_type = 'sleep'}),
	qr/lacks the scope https:\S+sleep\.readonly\. .*tracker\.authorize_url\(account => 2/,
	'the hint names the scope and tracker.authorize_url()');
is($node->safe_psql('postgres', q{
	SELECT account, missing_scopes, backoff_until IS NULL FROM tracker.account_status
	WHERE account IN (2, 3) ORDER BY 1}),
	"2|{https://www.googleapis.com/auth/googlehealth.sleep.readonly}|t\n"
	  . "3|{https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly}|t",
	'tracker.account_status: the missing scopes, and no backoff of the account');
is($node->safe_psql('postgres', "SELECT state, windows_failed FROM tracker.jobs WHERE id IN ($job2, $job3)"),
	"done|0\ndone|0", 'no window failed');

# A later sync skips the types without a request, and says how to fix it.
my $asked_before = type_requests('nometrics', keys %metrics);
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT requests, errors, state FROM tracker.sync(3, '[2026-01-05,2026-01-12)', "
	  . "ARRAY['heart-rate', 'daily-resting-heart-rate'])");
is($out, '0|0|connected', 'a later sync: no request, no error');
is(type_requests('nometrics', keys %metrics), $asked_before,
	'a later sync: no request for the types whose scope is missing');
like($err, qr/NOTICE:  account 3: daily-resting-heart-rate, heart-rate skipped, the grant lacks their scope.*HINT:  .*tracker\.authorize_url\(account => 3/s,
	'a later sync: a notice says which types were skipped and how to get them back');

# The authorization URL asks for every scope Tracker knows of.
my $url = $node->safe_psql('postgres', "SELECT tracker.authorize_url(2, 'http://127.0.0.1:1/callback')");
my ($asked) = $url =~ /[?&]scope=([^&]+)/;
$asked =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/eg;
is(join(' ', sort split / /, $asked),
	$node->safe_psql('postgres', "SELECT string_agg(DISTINCT scope, ' ' ORDER BY scope) FROM tracker.google_scope"),
	'the consent link asks for every scope in tracker.google_scope');

# Consent again with every scope: the skipped windows run, and fill.
sub reconsent
{
	my ($user, $account, $scope) = @_;
	fake_call($fake, 'POST', '/_fake/scopes', { user => $user, grant => [$scope] });
	fake_call($fake, 'POST', '/_fake/consent', { user => $user });
	my $link = $node->safe_psql('postgres',
		"SELECT tracker.authorize_url($account, 'http://127.0.0.1:1/callback')");
	my $res = HTTP::Tiny->new(max_redirect => 0)->get($link);
	my ($code) = $res->{headers}{location} =~ /code=([^&]+)/;
	my ($state) = $res->{headers}{location} =~ /state=([^&]+)/;
	s/%([0-9A-Fa-f]{2})/chr(hex($1))/eg for ($code, $state);
	return $node->safe_psql('postgres',
		"SELECT tracker.connect($account, '$code', 'http://127.0.0.1:1/callback', '$state')");
}
# Two scheduled syncs of the same days that skipped sleep: only the later
# one runs again.
my $syncs = $node->safe_psql('postgres', q{
	WITH j AS (
		INSERT INTO tracker.job (account_id, kind, days, state, finished_at)
		SELECT 2, 'sync', '[2026-01-30,2026-02-02)', 'done', now() FROM generate_series(1, 2)
		RETURNING job_id)
	INSERT INTO tracker.job_window (job_id, seq, account_id, data_type, days, state, last_error)
	SELECT job_id, 1, 2, 'sleep', '[2026-01-30,2026-02-02)', 'done',
		   'missing scope: https://www.googleapis.com/auth/googlehealth.sleep.readonly'
	FROM j RETURNING job_id});
my ($sync_a, $sync_b) = sort { $a <=> $b } split /\n/, $syncs;
is(reconsent('nosleep', 2, 'sleep.readonly'), 'connected', 'nosleep consents with every scope');
is(reconsent('nometrics', 3, 'health_metrics_and_measurements.readonly'), 'connected',
	'nometrics consents with every scope');
is(wait_job($job2) . ' ' . wait_job($job3), 'done done', 'the backfills run the skipped windows');
my $sleeps = 0;
$sleeps += scalar(@{ $_->{sleep} || [] }) for values %{ load_truth('nosleep', 2)->{days} };
is($node->safe_psql('postgres', 'SELECT count(*) FROM silver.sleep WHERE account_id = 2'),
	$sleeps, "nosleep: its $sleeps sleeps are there");
is(wait_job($sync_b), 'done', 'the later scheduled sync runs again');
is($node->safe_psql('postgres', qq{
	SELECT job_id = $sync_b, state, last_error FROM tracker.job_window
	WHERE job_id IN ($sync_a, $sync_b) ORDER BY job_id}),
	"f|done|skipped: the grant lacked its scope\nt|done|",
	'of two scheduled syncs of the same days, only the later one ran again');
is(differences(3, @all), 'none', 'nometrics: heart rate, zones and resting heart rate fill');
is(zone_differences(3), 'none', 'nometrics: the zones are the stream\'s');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM tracker.data_type_status WHERE account IN (2, 3) AND state <> 'syncing'}),
	'0', 'tracker.data_type_status: every type syncs again');

done_testing();
