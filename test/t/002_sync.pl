# Live sync from the (fake) Google Health API: OAuth, paging, validation,
# retries, and the same figures as importing the same days from files.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;
use HTTP::Tiny;

my $fixtures = fixtures_dir();
# The full syncs read every data type, and with the fault tests this
# script makes more requests in a minute than the fake's default per-user
# limit (300), which would answer 429 where a test expects its fault.
my $fake = start_fake(users => [ kory_user(refresh_token => 'rt-kory-0123456789', age => 29) ],
	args => [ '--user-rate', '2000' ]);

my $node = tracker_node('sync', $fake, "log_min_messages = debug5", "tracker.enable_workers = off",
	"log_min_error_statement = panic");
my $range = "'[2017-04-30,2017-07-01)'";

# Secrets passed as arguments are the caller's statements: keep them out of
# the statement log the way the README says.
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('kory', 'America/Edmonton');
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import');
});
$node->safe_psql('postgres', q{
	SET log_statement = 'none';
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-kory-0123456789');
});
is($node->safe_psql('postgres', 'SELECT state FROM tracker.account_status WHERE account = 1'),
	'connected', 'a refresh token connects the account');

# The same days from files, for comparison.
$node->safe_psql('postgres',
	"SELECT count(*) FROM tracker.import_fitbit_file(2, '$fixtures/korymath')");

my $summary = $node->safe_psql('postgres',
	"SELECT requests > 0, rows_written > 0, rejected, errors, state FROM tracker.sync(1, $range)");
is($summary, 't|t|0|0|connected', 'sync succeeds');

my $daily_cols = 'day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
  . 'zone3_minutes, zone4_minutes, resting_hr, zone_source, reported_resting_hr, '
  . 'reported_zone1_minutes, reported_zone2_minutes, reported_zone3_minutes, '
  . 'reported_zone4_minutes';
my $synced = $node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)");
my $imported = $node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(2, $range)");
is($synced, $imported, 'synced days give the same daily rows as the imported files');
is($node->safe_psql('postgres', "SELECT count(*) FROM tracker.daily(1, $range)"),
	'3', 'three days synced');

# Re-syncing is idempotent: same rows, no new payloads.
my $payloads = $node->safe_psql('postgres',
	'SELECT count(*) FROM bronze.payload WHERE account_id = 1');
$node->safe_psql('postgres', "SELECT * FROM tracker.sync(1, $range)");
is($node->safe_psql('postgres', "SELECT $daily_cols FROM tracker.daily(1, $range)"),
	$synced, 're-sync changes no figure');
is($node->safe_psql('postgres', 'SELECT count(*) FROM bronze.payload WHERE account_id = 1'),
	$payloads, 're-sync stores no new payload');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.sync_log WHERE account_id = 1 AND outcome = 'ok' AND http_status = 200"),
	$node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.sync_log WHERE account_id = 1 AND http_status = 200"),
	'every 200 is logged as ok')
  or diag($node->safe_psql('postgres',
	"SELECT s::text FROM tracker.sync_log s WHERE account_id = 1 AND http_status = 200 AND outcome <> 'ok'"));

# Helpers for fault tests: sync one day of heart rate and look at what it did.
my $day = "'[2017-05-01,2017-05-02)'";
sub hr_sync
{
	return $node->safe_psql('postgres',
		"SELECT requests, rejected, errors, state FROM tracker.sync(1, $day, ARRAY['heart-rate'])");
}
sub counts
{
	return $node->safe_psql('postgres', q{
		SELECT (SELECT sum(samples) FROM silver.heart_rate_day WHERE account_id = 1),
			   (SELECT count(*) FROM gold.daily WHERE account_id = 1),
			   (SELECT count(*) FROM bronze.payload WHERE account_id = 1 AND status = 'accepted')});
}
sub fault
{
	fake_call($fake, 'DELETE', '/_fake/faults');
	fake_call($fake, 'POST', '/_fake/faults', [@_]);
}

# Wipe account 1's heart rate for 2017-05-01 so a sync must write it again.
sub forget_day
{
	$node->safe_psql('postgres', q{
		DELETE FROM silver.heart_rate_day WHERE account_id = 1 AND day = '2017-05-01';
		DELETE FROM gold.daily WHERE account_id = 1 AND day = '2017-05-01';
		DELETE FROM bronze.payload WHERE account_id = 1 AND kind = 'heart-rate'
		  AND origin LIKE '%2017-05-01T%';
	});
}

# 500 twice, then success: retried with backoff, logged, complete.
forget_day();
my $before = counts();
fault({ match => { data_type => 'heart-rate' }, times => 2, status => 500 });
like(hr_sync(), qr/^\d+\|0\|0\|connected$/, '500s are retried until the request succeeds');
isnt(counts(), $before, 'the day is written after the retries');
ok($node->safe_psql('postgres',
	"SELECT count(*) >= 2 FROM tracker.sync_log WHERE account_id = 1 AND outcome = 'retry' AND http_status = 500") eq 't',
	'each retry is in the sync log');

# 429 with Retry-After: honoured.
forget_day();
fault({ match => { data_type => 'heart-rate' }, times => 1, status => 429, retry_after => 1 });
my $t0 = time();
like(hr_sync(), qr/\|0\|0\|connected$/, '429 is retried');
ok(time() - $t0 >= 1, 'Retry-After was honoured');

# Failures that outlast the retries leave the window unwritten.
for my $case (
	[ '503 storm', { status => 503, times => -1 } ],
	[ 'timeouts', { delay_ms => 3000, times => -1 } ],
	[ 'truncated bodies', { body => 'truncated', times => -1 } ],
	[ 'connection closed', { body => 'close', times => -1 } ],
	[ '404', { status => 404, times => -1 } ])
{
	my ($name, $f) = @$case;
	forget_day();
	my $c = counts();
	fault({ match => { data_type => 'heart-rate' }, %$f });
	like(hr_sync(), qr/\|0\|1\|connected$/, "$name: the window fails with an error");
	is(counts(), $c, "$name: nothing half-written");
	ok($node->safe_psql('postgres',
		"SELECT error IS NOT NULL FROM tracker.sync_log WHERE account_id = 1 ORDER BY log_id DESC LIMIT 1") eq 't',
		"$name: the reason is logged");
}

# Bodies that fail validation: kept in bronze as rejected, with the path.
for my $case (
	[ 'malformed JSON', { body => 'malformed' }, qr/not JSON/ ],
	[ 'cut JSON', { body => 'cut_json' }, qr/not JSON|wrong shape/ ],
	[ 'wrong types', { body => 'wrong_types' }, qr/\$\.dataPoints\[\d+\]/ ],
	[ 'out of range', { body => 'out_of_range' }, qr/outside 20\.\.250/ ])
{
	my ($name, $f, $reason) = @$case;
	forget_day();
	my $c = counts();
	fault({ match => { data_type => 'heart-rate' }, times => 1, %$f });
	like(hr_sync(), qr/\|1\|1\|connected$/, "$name: rejected");
	is(counts(), $c, "$name: nothing half-written");
	like($node->safe_psql('postgres',
			"SELECT reason FROM bronze.payload WHERE account_id = 1 AND status = 'rejected' ORDER BY payload_id DESC LIMIT 1"),
		$reason, "$name: kept in bronze with the reason");
}

# Paging that would never end: the window fails, the page that asked for
# more is kept as rejected, and the worker does not fetch for ever.
for my $case (
	[ 'endless pages', 'endless_pages', qr/more than 100 pages/, 100 ],
	[ 'the same page token again', 'same_page_token', qr/page token of this page again/, 2 ])
{
	my ($name, $body, $reason, $requests) = @$case;
	forget_day();
	my $c = counts();
	fake_call($fake, 'DELETE', '/_fake/stats');
	fault({ match => { data_type => 'heart-rate' }, times => -1, body => $body });
	like(hr_sync(), qr/\|1\|1\|connected$/, "$name: the window fails");
	fault();
	is(counts(), $c, "$name: nothing half-written");
	like($node->safe_psql('postgres',
			"SELECT reason FROM bronze.payload WHERE account_id = 1 AND status = 'rejected' ORDER BY payload_id DESC LIMIT 1"),
		$reason, "$name: the last page is kept in bronze with the reason");
	is(fake_call($fake, 'GET', '/_fake/stats')->{by_data_type}{'heart-rate'}, $requests,
		"$name: $requests requests, then it stops");
}

# The dailyRollUp request carries the page token in a JSON body: a token
# with a quote and a backslash is escaped (the fake answers 400 to a body
# that is not JSON, which would end paging at once).
fake_call($fake, 'DELETE', '/_fake/stats');
fault({ match => { data_type => 'time-in-heart-rate-zone' }, times => -1, body => 'endless_pages' });
like($node->safe_psql('postgres',
		"SELECT rejected, errors, detail FROM tracker.sync(1, $day, ARRAY['time-in-heart-rate-zone'])"),
	qr/^1\|1\|.*more than 100 pages/s, 'a page token with a quote and a backslash is sent back as JSON');
fault();

# The sync log and rejected payloads survive a rollback of the caller.
forget_day();
my $logs = $node->safe_psql('postgres', 'SELECT count(*) FROM tracker.sync_log');
my $rejected = $node->safe_psql('postgres', "SELECT count(*) FROM bronze.payload WHERE status = 'rejected'");
fault({ match => { data_type => 'heart-rate' }, times => 1, body => 'wrong_types' });
$node->safe_psql('postgres',
	"BEGIN; SELECT * FROM tracker.sync(1, $day, ARRAY['heart-rate']); ROLLBACK;");
ok($node->safe_psql('postgres', "SELECT count(*) > $logs FROM tracker.sync_log") eq 't',
	'rollback: the sync log is kept');
ok($node->safe_psql('postgres',
		"SELECT count(*) > $rejected FROM bronze.payload WHERE status = 'rejected'") eq 't',
	'rollback: the rejected payload is kept');

# The user's settings and profile are read.
is($node->safe_psql('postgres', 'SELECT time_zone, age FROM tracker.account_profile WHERE account_id = 1'),
	'America/Edmonton|29', 'settings and profile are kept');

# A heart-rate window that fails for what the setting changed: the error is
# in the sync log; the setting is reset.
sub window_fails
{
	my ($what, $logged, $setting) = @_;
	like(hr_sync(), qr/\|0\|1\|connected$/, "$what: the window fails");
	like($node->safe_psql('postgres',
			"SELECT error FROM tracker.sync_log WHERE account_id = 1 ORDER BY log_id DESC LIMIT 1"),
		$logged, "$what: logged");
	$node->safe_psql('postgres', "ALTER SYSTEM RESET $setting");
	$node->reload;
}

# Oversized bodies are refused.
forget_day();
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.max_response_size = '1MB'");
$node->reload;
fault({ match => { data_type => 'heart-rate' }, times => -1, body => 'oversized', size => 3000000 });
window_fails('oversized body', qr/too_large/, 'tracker.max_response_size');

# 401 once: one refresh, then the request goes through.
forget_day();
fault({ match => { data_type => 'heart-rate' }, times => 1, status => 401 });
like(hr_sync(), qr/\|0\|0\|connected$/, '401: refreshed and retried');

# 403 on a type: skipped with the reason, others go on.
fault({ match => { data_type => 'sleep' }, times => -1, status => 403 });
my $s = $node->safe_psql('postgres',
	"SELECT errors, state, detail FROM tracker.sync(1, $day, ARRAY['sleep', 'daily-resting-heart-rate'])");
like($s, qr/^0\|connected\|sleep .*HTTP 403/s, '403: the type is skipped with the reason');
fault();

# Connection refused.
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.google_health_url = 'http://127.0.0.1:9'");
$node->reload;
window_fails('connection refused', qr/connect/, 'tracker.google_health_url');

# Revoked grant: needs_reauth with the reason, remembered even if the caller
# rolls back, and no further requests.
fake_call($fake, 'POST', '/_fake/revoke', { refresh_token => 'rt-kory-0123456789' });
fake_call($fake, 'POST', '/_fake/expire', { user => 'kory' });
$node->safe_psql('postgres', 'UPDATE tracker.credential SET access_expires_at = now() - interval \'1 hour\'');
my $r = $node->safe_psql('postgres', "BEGIN; SELECT state FROM tracker.sync(1, $day); ROLLBACK;");
like($r, qr/needs_reauth/, 'revoked: the sync reports needs_reauth');
is($node->safe_psql('postgres',
		'SELECT state, reason LIKE \'invalid_grant%\' FROM tracker.account_status WHERE account = 1'),
	'needs_reauth|t', 'revoked: the state survives the rollback, with the reason');
my $n0 = fake_call($fake, 'GET', '/_fake/stats')->{total};
is($node->safe_psql('postgres', "SELECT requests, state FROM tracker.sync(1, $day)"),
	'0|needs_reauth', 'needs_reauth: no requests, no loop');
is(fake_call($fake, 'GET', '/_fake/stats')->{total}, $n0, 'the fake saw no request');

# The authorization-code flow with PKCE and a state check.
fake_call($fake, 'POST', '/_fake/consent', { user => 'kory' });
my $auth_url = $node->safe_psql('postgres',
	"SELECT tracker.authorize_url(1, 'http://127.0.0.1:1/callback')");
like($auth_url, qr/code_challenge_method=S256/, 'authorize URL asks for PKCE S256');
like($auth_url, qr/access_type=offline&prompt=consent/, 'authorize URL asks for offline access');
my $res = HTTP::Tiny->new(max_redirect => 0)->get($auth_url);
is($res->{status}, 302, 'the fake consents');
my ($code) = $res->{headers}{location} =~ /code=([^&]+)/;
my ($state) = $res->{headers}{location} =~ /state=([^&]+)/;
s/%([0-9A-Fa-f]{2})/chr(hex($1))/eg for ($code, $state);
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT tracker.connect(1, '$code', 'http://127.0.0.1:1/callback', 'wrong-state')");
like($err, qr/state value does not match/, 'a wrong state is refused');
is($node->safe_psql('postgres',
		"SELECT tracker.connect(1, '$code', 'http://127.0.0.1:1/callback', '$state')"),
	'connected', 'the code is exchanged');
is($node->safe_psql('postgres', "SELECT state FROM tracker.sync(1, $day, ARRAY['heart-rate'])"),
	'connected', 'syncs again after reconnecting');

# Nothing Tracker writes holds a secret.
my @secrets = ('rt-kory-0123456789', 'test-secret');
push @secrets, split /\n/, $node->safe_psql('postgres',
	'SELECT access_token FROM tracker.credential UNION SELECT refresh_token FROM tracker.credential');
my $log = slurp_file($node->logfile);
my $synclog = $node->safe_psql('postgres', 'SELECT s::text FROM tracker.sync_log s');
my $bronze = $node->safe_psql('postgres', 'SELECT origin || coalesce(reason, \'\') FROM bronze.payload');
for my $secret (grep { length } @secrets)
{
	ok(index($log, $secret) < 0, 'server log (debug5) holds no secret');
	ok(index($synclog, $secret) < 0, 'sync log holds no secret');
	ok(index($bronze, $secret) < 0, 'bronze origins hold no secret');
}
ok($log !~ /Bearer/, 'no Authorization header in the server log');

$node->stop;
stop_fake($fake);
done_testing();
