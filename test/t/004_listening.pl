# Listening history from the (fake) Last.fm and ListenBrainz APIs: a year
# backfilled by the background workers gives the fakes' own per-day counts,
# backfilling again changes nothing, every error path behaves as the
# README says, and the Last.fm API key never leaves the credentials table.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use TrackerTest;

my $KEY = '0123456789abcdef0123456789abcdef';
my $OTHER_KEY = '89abcdef0123456789abcdef01234567';
my $SUSPENDED = 'deadbeefdeadbeefdeadbeefdeadbeef';
my $UNKNOWN_KEY = 'feedfacefeedfacefeedfacefeedface';
my $YEAR = "'[2025-06-01,2026-06-01)'";

my $fake = start_music_fake(
	suspended_keys => [$SUSPENDED],
	api_keys => [$OTHER_KEY],
	users => [
		{ service => 'lastfm', name => 'Alice', tz => 'Europe/Berlin',
		  history => { start => '2025-06-01', days => 365, seed => 11 } },
		{ service => 'listenbrainz', name => 'bob', tz => 'America/New_York',
		  history => { start => '2025-06-01', days => 365, seed => 14 } },
		{ service => 'lastfm', name => 'solo', tz => 'UTC',
		  history => { start => '2025-06-01', days => 30, seed => 12, min => 1, max => 1,
					   edges => JSON::PP::false } },
		{ service => 'lastfm', name => 'hidden', private => JSON::PP::true,
		  history => { start => '2025-06-01', days => 10, seed => 13 } },
		{ service => 'lastfm', name => 'carol', tz => 'UTC',
		  history => { start => '2025-06-01', days => 10, seed => 15 } },
		{ service => 'lastfm', name => 'twins', tz => 'UTC', history => { days => 0 } },
		{ service => 'listenbrainz', name => 'twins', tz => 'UTC', history => { days => 0 } },
	]);

my $node = tracker_node('listening', undef,
	"tracker.lastfm_url = '$fake->{url}'",
	"tracker.listenbrainz_url = '$fake->{url}/'",
	'log_min_messages = debug5', 'log_min_error_statement = panic',
	'tracker.scheduler_naptime = 200ms', 'tracker.sync_interval = 1h');

sub query { return $node->safe_psql('postgres', $_[0]); }

# An account's id by its name.
sub id { return query("SELECT account_id FROM tracker.account WHERE name = '$_[0]'"); }

sub fault
{
	fake_call($fake, 'DELETE', '/_fake/faults');
	fake_call($fake, 'POST', '/_fake/faults', [@_]) if @_;
}

# The fake's listens per local day, as "day|listens|artists" lines.
sub fake_days
{
	my ($service, $user, $tz, $start, $end) = @_;
	my $d = fake_call($fake, 'GET',
		"/_fake/daily?service=$service&user=$user&tz=$tz&start=$start&end=$end");
	return (join("\n", map { "$_->{day}|$_->{listens}|$_->{artists}" } @{ $d->{days} }),
		$d->{total});
}

sub jobs_idle
{
	return poll_until($node,
		"SELECT count(*) FROM tracker.job WHERE state IN ('queued', 'running')", '0', 120);
}

query('CREATE EXTENSION tracker');

# Accounts: the user name is required; Last.fm waits for its key.
query(q{
	SELECT tracker.add_account(name => 'alice', time_zone => 'Europe/Berlin',
							   provider => 'lastfm', username => 'alice');
	SELECT tracker.add_account(name => 'bob', time_zone => 'America/New_York',
							   provider => 'listenbrainz', username => 'bob');
});
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT tracker.add_account('nameless', 'UTC', 'lastfm')");
like($err, qr/a lastfm account needs a user name/, 'an account without a user name is refused');
like(query('SELECT state, reason FROM tracker.account_status WHERE account = 1'),
	qr/^not_connected\|no Last\.fm API key is set/, 'Last.fm waits for the API key');
is(query('SELECT state FROM tracker.account_status WHERE account = 2'), 'connected',
	'a ListenBrainz account is connected at once');
like(query("SELECT requests, state, detail FROM tracker.sync(1, '[2025-06-01,2025-06-02)')"),
	qr/^0\|not_connected\|.*no Last\.fm API key/s, 'no key: no request, a clear reason');

# Keys are set with the statement kept out of the log, as the README says.
sub set_key
{
	query("SET log_statement = 'none'; SELECT tracker.set_api_key('lastfm', '$_[0]')");
}
set_key($KEY);
is(query('SELECT state FROM tracker.account_status WHERE account = 1'), 'connected',
	'the key connects the Last.fm account');

# A year of both, in the background.
my $job1 = query("SELECT tracker.backfill($YEAR, 1)");
my $job2 = query("SELECT tracker.backfill($YEAR, 2)");
is(query("SELECT tracker.wait($job1, '5 minutes')"), 'done', 'the Last.fm backfill completes');
is(query("SELECT tracker.wait($job2, '5 minutes')"), 'done', 'the ListenBrainz backfill completes');

my ($want1, $total1) = fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-06-01', '2026-06-01');
my ($want2, $total2) = fake_days('listenbrainz', 'bob', 'America/New_York', '2025-06-01', '2026-06-01');
ok($total1 > 300 * 20 && $total2 > 300 * 20, "the fakes hold a year ($total1 and $total2 listens)");
is(query("SELECT day || '|' || listens || '|' || artists FROM tracker.listening(1, $YEAR)"),
	$want1, 'Last.fm: the per-day listens and artists equal the fake\'s own');
is(query("SELECT day || '|' || listens || '|' || artists FROM tracker.listening(2, $YEAR)"),
	$want2, 'ListenBrainz: the per-day listens and artists equal the fake\'s own');
is(query('SELECT count(*) FROM silver.listen WHERE account_id = 1'), $total1,
	'Last.fm: every scrobble once');
is(query('SELECT count(*) FROM silver.listen WHERE account_id = 2'), $total2,
	'ListenBrainz: every listen once');
is(query(q{SELECT count(*) FROM silver.listen WHERE account_id = 1
	AND (played_at AT TIME ZONE 'Europe/Berlin')::date <> day}), '0',
	'each listen sits on its local day');
like(query('SELECT windows_done = windows_total, requests > 0, rows_written, state FROM tracker.jobs WHERE id = ' . $job1),
	qr/^t\|t\|$total1\|done$/, 'tracker.jobs shows the progress');
like(query(q{SELECT count(*) > 0, bool_and(artist_mbids IS NULL OR cardinality(artist_mbids) >= 1)
	FROM silver.listen WHERE account_id = 2 AND recording_mbid IS NOT NULL}), qr/^t\|t$/,
	'MusicBrainz ids are kept');

# How the APIs were read: Last.fm by from/to with the documented page size,
# ListenBrainz downwards with max_ts alone.
my $stats = fake_call($fake, 'GET', '/_fake/stats');
my @lf = grep { $_->{service} eq 'lastfm' } @{ $stats->{requests} };
my @lb = grep { $_->{service} eq 'listenbrainz' } @{ $stats->{requests} };
ok(@lf > 50 && !grep({ ($_->{query}{limit} // '') ne '200' || !defined $_->{query}{from} } @lf),
	'Last.fm pages are read with from, to and limit=200');
ok(!grep({ ($_->{query}{api_key} // '') ne '[hidden]' } @lf), 'every Last.fm request carries the key');
ok(@lb > 10 && !grep({ defined $_->{query}{min_ts} || !defined $_->{query}{max_ts} } @lb),
	'ListenBrainz is read with max_ts only');

# Backfilling again changes nothing.
ok(jobs_idle(), 'no job is left running');
my $snapshot = q{SELECT (SELECT count(*) FROM bronze.payload),
	(SELECT md5(string_agg(l::text, ',' ORDER BY l::text)) FROM silver.listen l),
	(SELECT md5(string_agg(g::text, ',' ORDER BY account_id, day)) FROM gold.listening_daily g)};
my $before = query($snapshot);
$job1 = query("SELECT tracker.backfill($YEAR, 1)");
$job2 = query("SELECT tracker.backfill($YEAR, 2)");
is(query("SELECT tracker.wait($job1, '5 minutes')"), 'done', 'the second Last.fm backfill completes');
is(query("SELECT tracker.wait($job2, '5 minutes')"), 'done', 'the second ListenBrainz backfill completes');
is(query($snapshot), $before, 'backfilling again changes no payload, listen or figure');
is(query("SELECT sum(rows_written) FROM tracker.jobs WHERE id IN ($job1, $job2)"), '0',
	'and writes no row');

# The error paths, one synchronous tracker.sync() at a time: the workers
# are stopped so that nothing else reads the fake meanwhile.
query("ALTER SYSTEM SET tracker.enable_workers = off");
$node->reload;
ok(poll_until($node,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tracker sync worker'", '0', 60),
	'the sync workers stop');

my $DAY = "'[2025-07-01,2025-07-02)'";
my (undef, $day_count) = fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-07-01', '2025-07-02');
my (undef, $bob_day) = fake_days('listenbrainz', 'bob', 'America/New_York', '2025-07-01', '2025-07-02');

sub sync
{
	my ($account, $range) = @_;
	return query("SELECT requests, rows_written, rejected, errors, state FROM tracker.sync($account, $range)");
}

sub forget
{
	my ($account, $from, $to) = @_;
	query("DELETE FROM silver.listen WHERE account_id = $account AND day >= '$from' AND day < '$to';
	   DELETE FROM gold.listening_daily WHERE account_id = $account AND day >= '$from' AND day < '$to'");
}

sub day_rows
{
	my ($account) = @_;
	return query("SELECT count(*) FROM silver.listen WHERE account_id = $account AND day = '2025-07-01'");
}

sub last_log
{
	return query("SELECT coalesce(error, '') FROM tracker.sync_log WHERE account_id = $_[0] ORDER BY log_id DESC LIMIT 1");
}

sub last_rejected
{
	return query("SELECT reason FROM bronze.payload WHERE account_id = $_[0] AND status = 'rejected' ORDER BY payload_id DESC LIMIT 1");
}

# Retried: rate limits and temporary errors in the body (HTTP 200), or as 429/5xx.
for my $case (
	[ 'error 29 in a 200', { lastfm_error => 29, times => 2 }, qr/Last\.fm error 29/ ],
	[ 'error 8 in a 200', { lastfm_error => 8, times => 1 }, qr/Last\.fm error 8/ ],
	[ 'error 16 in a 200', { lastfm_error => 16, times => 1 }, qr/Last\.fm error 16/ ],
	[ 'HTTP 429', { status => 429, times => 2, retry_after => 0 }, qr/HTTP 429/ ],
	[ 'HTTP 500', { status => 500, times => 1 }, qr/HTTP 500/ ])
{
	my ($name, $f, $logged) = @$case;
	forget(1, '2025-07-01', '2025-07-02');
	fault({ match => { service => 'lastfm', user => 'alice' }, %$f });
	like(sync(1, $DAY), qr/^\d+\|$day_count\|0\|0\|connected$/, "Last.fm $name: retried, then written");
	is(day_rows(1), $day_count, "Last.fm $name: the day is complete");
	like(query("SELECT string_agg(error, ' ') FROM tracker.sync_log WHERE account_id = 1 AND outcome = 'retry'
		AND log_id > (SELECT max(log_id) - 10 FROM tracker.sync_log)"), $logged,
		"Last.fm $name: each retry is in the sync log");
}

# Failures that outlast the retries leave the window unwritten.
for my $case (
	[ 'error 29 storm', { lastfm_error => 29, times => -1 }, qr/Last\.fm error 29/ ],
	[ '503 storm', { status => 503, times => -1 }, qr/HTTP 503/ ],
	[ 'truncated bodies', { body => 'truncated', times => -1 }, qr/truncated/ ],
	[ 'closed connections', { body => 'close', times => -1 }, qr/./ ],
	[ 'unknown error 3', { lastfm_error => 3, times => -1 }, qr/Last\.fm error 3/ ])
{
	my ($name, $f, $logged) = @$case;
	forget(1, '2025-07-01', '2025-07-02');
	fault({ match => { service => 'lastfm', user => 'alice' }, %$f });
	like(sync(1, $DAY), qr/^\d+\|0\|0\|1\|connected$/, "Last.fm $name: the window fails");
	is(day_rows(1), '0', "Last.fm $name: nothing half-written");
	like(last_log(1), $logged, "Last.fm $name: the reason is logged");
}
fault();

# Bad pages: kept in bronze as rejected, with the JSON path; nothing written.
sub bad_pages
{
	my ($label, $account, $service, $user, @cases) = @_;
	for my $case (@cases)
	{
		my ($name, $f, $reason) = @$case;
		forget($account, '2025-07-01', '2025-07-02');
		fault({ match => { service => $service, user => $user }, times => 1, %$f });
		like(sync($account, $DAY), qr/^1\|0\|1\|1\|connected$/, "$label $name: rejected");
		is(day_rows($account), '0', "$label $name: nothing half-written");
		like(last_rejected($account), $reason, "$label $name: kept in bronze with the path");
	}
	fault();
}
bad_pages('Last.fm', 1, 'lastfm', 'alice',
	[ 'not JSON', { body => 'malformed' }, qr/^not JSON at \$: invalid json at byte offset 0/ ],
	[ 'cut JSON', { body => 'cut_json' }, qr/^not JSON at \$: / ],
	[ 'numbers as numbers', { body => 'wrong_types' }, qr/^wrong type at \$\.recenttracks\["\@attr"\]\.page: page 1 is a json number/ ],
	[ 'a time out of range', { body => 'out_of_range' }, qr/^out of range at \$\.recenttracks\.track\[\d+\]\.date\.uts: uts "99999999999" is outside/ ],
	[ 'a missing artist', { body => 'missing_field' }, qr/^wrong shape at \$\.recenttracks\.track\[\d+\]\.artist: artist is missing/ ],
	[ 'a bad MBID', { body => 'bad_mbid' }, qr/^out of range at \$\.recenttracks\.track\[\d+\]\.mbid: mbid "not-a-uuid" is not a uuid/ ]);

# The track playing now has no date and is not stored.
forget(1, '2025-07-01', '2025-07-02');
fake_call($fake, 'POST', '/_fake/now_playing', { service => 'lastfm', user => 'alice', on => JSON::PP::true });
like(sync(1, $DAY), qr/^1\|$day_count\|0\|0\|connected$/, 'now playing: the page is accepted');
is(day_rows(1), $day_count, 'now playing: skipped, the scrobbles are all there');
ok(query(q{SELECT count(*) FROM bronze.payload WHERE account_id = 1 AND convert_from(tracker.payload_body(account_id, payload_id), 'UTF8') LIKE '%nowplaying%'}) > 0,
	'now playing: the page is in bronze as received');
fake_call($fake, 'POST', '/_fake/now_playing', { service => 'lastfm', user => 'alice', on => JSON::PP::false });

# Pages shift while scrobbles arrive: no duplicate, and the next sync completes.
my $WEEK = "'[2025-08-01,2025-08-08)'";
my (undef, $week_count) = fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-08-01', '2025-08-08');
ok($week_count > 200, 'the week spans several pages');
forget(1, '2025-08-01', '2025-08-08');
fault({ match => { service => 'lastfm', user => 'alice' }, times => 2, insert_listens => 3 });
like(sync(1, $WEEK), qr/\|0\|0\|connected$/, 'pages shifting by new scrobbles: no error');
(undef, $week_count) = fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-08-01', '2025-08-08');
is(query("SELECT count(*) FROM silver.listen WHERE account_id = 1 AND day >= '2025-08-01' AND day < '2025-08-08'"),
	$week_count - 3, 'pages shifting: each scrobble seen twice is kept once; the newest arrived too late');
fault();
sync(1, $WEEK);
is(query("SELECT count(*) FROM silver.listen WHERE account_id = 1 AND day >= '2025-08-01' AND day < '2025-08-08'"),
	$week_count, 'pages shifting: the next sync completes the week');
is(query("SELECT day || '|' || listens || '|' || artists FROM tracker.listening(1, $WEEK)"),
	(fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-08-01', '2025-08-08'))[0],
	'pages shifting: the figures follow');

# A page of one track gives it as an object.
query("SELECT tracker.add_account('solo', 'UTC', 'lastfm', username => 'solo')");
my $solo = id('solo');
like(sync($solo, "'[2025-06-05,2025-06-06)'"), qr/^1\|1\|0\|0\|connected$/, 'a one-track page is read');
like(query(q{SELECT convert_from(tracker.payload_body(account_id, payload_id), 'UTF8') FROM bronze.payload WHERE account_id = } . $solo),
	qr/"track": \{/, 'that page gave the track as an object');

# Accounts the service refuses: not_connected with the reason, no more requests.
query("SELECT tracker.add_account('ghost', 'UTC', 'lastfm', username => 'ghost')");
query("SELECT tracker.add_account('hidden', 'UTC', 'lastfm', username => 'hidden')");
query("SELECT tracker.add_account('nobody', 'UTC', 'listenbrainz', username => 'nobody')");
my ($ghost, $hidden, $nobody) = (id('ghost'), id('hidden'), id('nobody'));
like(sync($ghost, $DAY), qr/^1\|0\|0\|0\|not_connected$/, 'error 6: the account stops');
like(query("SELECT state, reason FROM tracker.account_status WHERE account = $ghost"),
	qr/^not_connected\|Last\.fm cannot read user "ghost": User not found \(error 6\)$/,
	'error 6: recorded with the reason');
like(sync($hidden, $DAY), qr/^1\|0\|0\|0\|not_connected$/, 'error 17: the account stops');
like(query("SELECT reason FROM tracker.account_status WHERE account = $hidden"),
	qr/^Last\.fm cannot read user "hidden": Login: User required to be logged in \(error 17\); the profile hides its listening history$/,
	'error 17: recorded with the reason');
like(sync($nobody, $DAY), qr/^1\|0\|0\|0\|not_connected$/, 'ListenBrainz 404: the account stops');
like(query("SELECT reason FROM tracker.account_status WHERE account = $nobody"),
	qr/^ListenBrainz user "nobody" does not exist: Cannot find user: nobody \(HTTP 404\)$/,
	'ListenBrainz 404: recorded with the reason');
my $n0 = fake_call($fake, 'GET', '/_fake/stats')->{total};
like(sync($ghost, $DAY), qr/^0\|0\|0\|0\|not_connected$/, 'a refused account makes no request');
is(fake_call($fake, 'GET', '/_fake/stats')->{total}, $n0, 'the fake saw no request');
# The state survives a rollback of the caller, as a revoked Google grant does.
query("SELECT tracker.set_username($ghost, 'ghost')");
query("BEGIN; SELECT * FROM tracker.sync($ghost, $DAY); ROLLBACK;");
is(query("SELECT state FROM tracker.account_status WHERE account = $ghost"), 'not_connected',
	'the refusal is remembered even if the caller rolls back');
is(query("SELECT tracker.set_username($ghost, 'carol')"), 'connected', 'a corrected user name connects again');
like(sync($ghost, "'[2025-06-02,2025-06-03)'"), qr/^1\|\d+\|0\|0\|connected$/, 'and the account syncs');

# Keys Last.fm refuses (error 10 and 26, with HTTP 403): not_connected, until a good key is set.
for my $case ([ 'invalid', $UNKNOWN_KEY, 10 ], [ 'suspended', $SUSPENDED, 26 ])
{
	my ($name, $key, $code) = @$case;
	set_key($key);
	like(sync(1, $DAY), qr/^1\|0\|0\|0\|not_connected$/, "$name key: the account stops");
	like(query('SELECT reason FROM tracker.account_status WHERE account = 1'),
		qr/^Last\.fm refused the API key: .* \(error $code\); set a valid key with tracker\.set_api_key\(\)$/,
		"$name key: recorded with the reason");
}
set_key($OTHER_KEY);
is(query('SELECT state FROM tracker.account_status WHERE account = 1'), 'connected',
	'a good key connects the account again');
forget(1, '2025-07-01', '2025-07-02');
like(sync(1, $DAY), qr/^1\|$day_count\|0\|0\|connected$/, 'and it syncs with the new key');

# ListenBrainz: retries, storms, bad pages.
for my $case (
	[ '429', { status => 429, times => 2, retry_after => 0 } ],
	[ '503 once', { status => 503, times => 1 } ])
{
	my ($name, $f) = @$case;
	forget(2, '2025-07-01', '2025-07-02');
	fault({ match => { service => 'listenbrainz', user => 'bob' }, %$f });
	like(sync(2, $DAY), qr/^\d+\|$bob_day\|0\|0\|connected$/, "ListenBrainz $name: retried, then written");
}
for my $case (
	[ '503 storm', { status => 503, times => -1 } ],
	[ 'closed connections', { body => 'close', times => -1 } ])
{
	my ($name, $f) = @$case;
	forget(2, '2025-07-01', '2025-07-02');
	fault({ match => { service => 'listenbrainz', user => 'bob' }, %$f });
	like(sync(2, $DAY), qr/^\d+\|0\|0\|1\|connected$/, "ListenBrainz $name: the window fails");
	is(day_rows(2), '0', "ListenBrainz $name: nothing half-written");
}
bad_pages('ListenBrainz', 2, 'listenbrainz', 'bob',
	[ 'not JSON', { body => 'malformed' }, qr/^not JSON at \$/ ],
	[ 'a time as text', { body => 'wrong_types' }, qr/^wrong type at \$\.payload\.listens\[0\]\.listened_at: listened_at "\d+" is not an integer/ ],
	[ 'a missing artist', { body => 'missing_field' }, qr/^wrong shape at \$\.payload\.listens\[0\]\.track_metadata\.artist_name: artist_name is missing/ ],
	[ 'a bad msid', { body => 'bad_mbid' }, qr/^out of range at \$\.payload\.listens\[0\]\.recording_msid/ ]);
like(sync(2, $DAY), qr/^\d+\|$bob_day\|0\|0\|connected$/, 'ListenBrainz: the day syncs after the faults');

# Two listens in one second are two listens, as each provider counts them:
# the same title by two artists, the same title from two albums; the same
# listen twice is one.  ListenBrainz tells listens apart by recording_msid.
my $T = 1754049600;    # 2025-08-01 12:00:00 UTC
my @same_second = (
	{ at => $T, artist => 'Artist One', track => 'Same Title', album => 'Album' },
	{ at => $T, artist => 'Artist Two', track => 'Same Title', album => 'Album' },
	{ at => $T + 60, artist => 'Artist One', track => 'Same Title', album => 'First Album' },
	{ at => $T + 60, artist => 'Artist One', track => 'Same Title', album => 'Second Album' },
	{ at => $T + 120, artist => 'Artist One', track => 'Twice', album => 'Album' },
	{ at => $T + 120, artist => 'Artist One', track => 'Twice', album => 'Album' });
my $same_second_rows = join("\n",
	"0|Artist One|Same Title|Album", "0|Artist Two|Same Title|Album",
	"60|Artist One|Same Title|First Album", "60|Artist One|Same Title|Second Album",
	"120|Artist One|Twice|Album");
my %twins;
for my $service ('lastfm', 'listenbrainz')
{
	$twins{$service} = query("SELECT tracker.add_account('twins on $service', 'UTC', '$service', username => 'twins')");
	fake_call($fake, 'POST', '/_fake/listens',
		{ service => $service, user => 'twins', listens => \@same_second });
}
fake_call($fake, 'POST', '/_fake/listens',
	{ service => 'listenbrainz', user => 'twins', listens => [
		{ at => $T + 180, artist => 'Artist One', track => 'Two Clients', album => 'Album',
		  msid => '11111111-1111-4111-8111-111111111111' },
		{ at => $T + 180, artist => 'Artist One', track => 'Two Clients', album => 'Album',
		  msid => '22222222-2222-4222-8222-222222222222' } ] });
my $AUG1 = "'[2025-08-01,2025-08-02)'";
my $rows = "SELECT extract(epoch FROM played_at)::bigint - $T || '|' || artist || '|' || track || '|' || "
  . "coalesce(album, '-') FROM silver.listen WHERE account_id = %d ORDER BY played_at, artist, album, recording_msid";
like(sync($twins{lastfm}, $AUG1), qr/^\d+\|5\|0\|0\|connected$/,
	'Last.fm: six scrobbles in three seconds are five listens');
is(query(sprintf($rows, $twins{lastfm})), $same_second_rows,
	'Last.fm: same-second scrobbles that differ only in artist or only in album are kept, a duplicate once');
like(sync($twins{listenbrainz}, $AUG1), qr/^\d+\|7\|0\|0\|connected$/,
	'ListenBrainz: eight listens in four seconds are seven listens');
is(query(sprintf($rows, $twins{listenbrainz})),
	"$same_second_rows\n180|Artist One|Two Clients|Album\n180|Artist One|Two Clients|Album",
	'ListenBrainz: same-second listens that differ only in artist, album or msid are kept, a duplicate once');
is(query("SELECT listens FROM tracker.listening($twins{lastfm}, $AUG1)") . '/'
	  . query("SELECT listens FROM tracker.listening($twins{listenbrainz}, $AUG1)"),
	'5/7', 'the day counts them all');
like(sync($twins{lastfm}, $AUG1), qr/^\d+\|0\|0\|0\|connected$/, 'Last.fm: syncing again writes nothing');
like(sync($twins{listenbrainz}, $AUG1), qr/^\d+\|0\|0\|0\|connected$/,
	'ListenBrainz: syncing again writes nothing');

# The background workers: storms back off and complete; a refused account waits.
query("ALTER SYSTEM RESET tracker.enable_workers");
$node->reload;
forget(1, '2025-09-01', '2025-11-01');
forget(2, '2025-09-01', '2025-11-01');
fault(
	{ match => { service => 'lastfm', user => 'alice' }, times => 8, lastfm_error => 29 },
	{ match => { service => 'listenbrainz', user => 'bob' }, times => 6, status => 503 });
$job1 = query("SELECT tracker.backfill('[2025-09-01,2025-11-01)', 1)");
$job2 = query("SELECT tracker.backfill('[2025-09-01,2025-11-01)', 2)");
is(query("SELECT tracker.wait($job1, '4 minutes')"), 'done', 'workers: the Last.fm backfill completes after an error 29 storm');
is(query("SELECT tracker.wait($job2, '4 minutes')"), 'done', 'workers: the ListenBrainz backfill completes after a 503 storm');
is(query("SELECT day || '|' || listens || '|' || artists FROM tracker.listening(1, '[2025-09-01,2025-11-01)')"),
	(fake_days('lastfm', 'alice', 'Europe/Berlin', '2025-09-01', '2025-11-01'))[0],
	'workers: after the storm the Last.fm days are right');
is(query("SELECT day || '|' || listens || '|' || artists FROM tracker.listening(2, '[2025-09-01,2025-11-01)')"),
	(fake_days('listenbrainz', 'bob', 'America/New_York', '2025-09-01', '2025-11-01'))[0],
	'workers: after the storm the ListenBrainz days are right');
fault();

# Other jobs of the account (its scheduled sync) are dropped, so that the
# backfill's own window is the one that meets the private profile.
query("SELECT tracker.cancel(job_id) FROM tracker.job WHERE account_id = $hidden AND state IN ('queued', 'running')");
query("SELECT tracker.set_username($hidden, 'hidden')");
my $job5 = query("SELECT tracker.backfill('[2025-06-01,2025-07-01)', $hidden)");
ok(poll_until($node,
		"SELECT state || '|' || (coalesce(last_error, '') LIKE '%(error 17)%') FROM tracker.jobs WHERE id = $job5",
		'running|true', 60),
	'workers: a private profile leaves its job waiting, with the reason');
is(query("SELECT state FROM tracker.account_status WHERE account = $hidden"), 'not_connected',
	'workers: the account turns not_connected');
sub hidden_requests
{
	return fake_call($fake, 'GET', '/_fake/stats')->{by_user}{'lastfm:hidden'} // 0;
}
$n0 = hidden_requests();
usleep(1_500_000);
is(hidden_requests(), $n0, 'workers: no request loop for it');
query("SELECT tracker.cancel($job5)");

# Nothing Tracker writes holds a key.
my $log = slurp_file($node->logfile);
my $written = query(q{SELECT string_agg(s::text, E'\n') FROM tracker.sync_log s})
  . query(q{SELECT string_agg(origin || coalesce(reason, ''), E'\n') FROM bronze.payload})
  . query(q{SELECT string_agg(coalesce(last_error, ''), E'\n') FROM tracker.job_window})
  . query(q{SELECT string_agg(coalesce(reason, ''), E'\n') FROM tracker.account_auth})
  . query(q{SELECT string_agg(coalesce(query, ''), E'\n') FROM pg_stat_activity});
for my $key ($KEY, $OTHER_KEY, $SUSPENDED, $UNKNOWN_KEY)
{
	ok(index($log, $key) < 0, "the server log (debug5) holds no key ...${\ substr($key, -6)}");
	ok(index($written, $key) < 0, "the sync log, bronze, jobs and states hold no key ...${\ substr($key, -6)}");
}
like(query(q{SELECT origin FROM bronze.payload WHERE account_id = 1 LIMIT 1}),
	qr{^GET http://127\.0\.0\.1:\d+/2\.0/\?method=user\.getrecenttracks&user=alice&from=\d+&to=\d+&limit=200&page=\d+&format=json&api_key=\[hidden\]$},
	'bronze shows the request with the key hidden');

$node->stop;
stop_fake($fake);
done_testing();
