# Notifications: events from the database's conditions, each occurrence
# delivered once to a webhook, by email (STARTTLS and AUTH) and by NOTIFY;
# failing receivers retried with backoff until they recover; secrets kept
# from other roles, dumps, the server log, events and deliveries.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IO::Socket::INET;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use TrackerTest;

my $fakes = "$FindBin::RealBin/../fakes";
my $dir = PostgreSQL::Test::Utils::tempdir();

my $webhook_secret = 'Bearer wh-0f9e8d7c6b5a4321-secret';
my $smtp_password = 'smtp-pw-5a4b3c2d1e0f-secret';

# A certificate for the SMTP receiver's STARTTLS, trusted through
# tracker.notify_ca_file.
system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
	  . "-addext subjectAltName=IP:127.0.0.1 -days 1 "
	  . "-keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1") == 0
  or die 'openssl could not make a certificate';

# Start a receiver (test/fakes/notify_receivers.py); returns its pid, port
# and the file where it records what it received.
sub start_receiver
{
	my ($kind, $name, $port, @args) = @_;
	my $rdir = "$dir/$name";
	mkdir $rdir;
	my $pid = TrackerTest::start_server("the $name receiver", $rdir, "$rdir/port",
		'/usr/bin/python3', "$fakes/notify_receivers.py", $kind,
		'--port', $port // 0, '--port-file', "$rdir/port",
		'--log', "$rdir/log", '--record', "$rdir/record", @args);
	my $p = slurp_file("$rdir/port");
	$p =~ s/\s+//g;
	return { pid => $pid, port => $p, record => "$rdir/record", url => "http://127.0.0.1:$p" };
}

# What a receiver recorded, decoded.
sub received
{
	my ($r) = @_;
	return [] unless -f $r->{record};
	return [ map { decode_json($_) } grep { /\S/ } split /\n/, slurp_file($r->{record}) ];
}

# How many messages of a kind of event a receiver took (answered 2xx).
sub count_kind
{
	my ($r, $kind, $smtp) = @_;
	my $n = 0;
	for my $m (@{ received($r) })
	{
		if ($smtp)
		{
			$n++ if $m->{data} =~ /^Event: \Q$kind\E$/m;
		}
		else
		{
			$n++ if $m->{status} < 300 && decode_json($m->{body})->{kind} eq $kind;
		}
	}
	return $n;
}

# Poll a Perl condition with a deadline.
sub wait_for
{
	my ($what, $cond, $seconds) = @_;
	my $deadline = time() + ($seconds // 60);
	while (time() < $deadline)
	{
		return 1 if $cond->();
		usleep(100_000);
	}
	diag("timed out waiting for $what");
	return 0;
}

my $hook = start_receiver('webhook', 'hook');
my $smtp = start_receiver('smtp', 'smtp', undef, '--cert', "$dir/cert.pem",
	'--key', "$dir/key.pem", '--user', 'tracker', '--password', $smtp_password);

# A port where nothing listens yet: refused connections until a receiver
# starts there.
my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
  or die "no free port: $!";
my $late_port = $sock->sockport;
close($sock);

my $node = tracker_node('notify', undef,
	"tracker.scheduler_naptime = '100ms'",
	"tracker.notify_interval = '100ms'",
	"tracker.notify_retry_base_delay = '200ms'",
	"tracker.notify_retry_max_delay = '1s'",
	"tracker.notify_timeout = '5s'",
	"tracker.notify_ca_file = '$dir/cert.pem'",
	"log_min_error_statement = panic");

$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('ann', 'UTC');
	SELECT tracker.add_account('ben', 'UTC', 'fitbit_import');
});

# Channels.  Calls with a secret are kept out of the statement log.
$node->safe_psql('postgres', qq{
	SET log_statement = 'none';
	SELECT tracker.set_notify('webhook', '$hook->{url}/hook', header => 'Authorization: $webhook_secret');
	SELECT tracker.set_notify('email', 'ops\@example.org', server => 'smtp://127.0.0.1:$smtp->{port}',
		mail_from => 'tracker\@example.org', username => 'tracker', password => '$smtp_password');
	SELECT tracker.set_notify('notify');
});
is($node->safe_psql('postgres',
		"SELECT string_agg(channel || ':' || state, ' ' ORDER BY channel) FROM tracker.notify_channels"),
	'email:ready notify:ready webhook:ready', 'three channels are ready');

# A session listening on the NOTIFY channel.
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN tracker');
my $heard = '';
sub heard
{
	my ($kind) = @_;
	$heard .= $listener->query('SELECT 1');
	my $n = () = $heard =~ /"kind": "\Q$kind\E"/g;
	return $n;
}

# The server log at debug5 while secrets are in use.
$node->safe_psql('postgres', "ALTER SYSTEM SET log_min_messages = debug5; SELECT pg_reload_conf()");

# 1. An account needs re-consent: one message on each channel.
# (what the sync does on invalid_grant; the time it began marks the
# occurrence)
sub needs_reauth
{
	$node->safe_psql('postgres', q{
		INSERT INTO tracker.account_auth AS a (account_id, state, reason)
		VALUES (1, 'needs_reauth', 'invalid_grant')
		ON CONFLICT (account_id) DO UPDATE
			SET state = excluded.state, reason = excluded.reason, since = clock_timestamp()});
}
needs_reauth();
ok(wait_for('the webhook', sub { count_kind($hook, 'needs_reauth') == 1 }), 'the webhook got the event');
ok(wait_for('the email', sub { count_kind($smtp, 'needs_reauth', 1) == 1 }), 'the email came');
ok(wait_for('the NOTIFY', sub { heard('needs_reauth') == 1 }), 'the listener heard it');

my ($post) = grep { $_->{status} == 200 } @{ received($hook) };
my $doc = decode_json($post->{body});
is($doc->{account}, 'ann', 'the document names the account');
like($doc->{message}, qr/^account ann needs to be connected again$/, 'with a one-line message');
ok($doc->{hint} && $doc->{time} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'a hint and the time');
is($post->{headers}{Authorization}, $webhook_secret, 'the webhook carried its header');
is($post->{headers}{'Content-Type'}, 'application/json', 'as JSON');

my ($mail) = @{ received($smtp) };
ok($mail->{tls}, 'the mail went over STARTTLS');
is($mail->{user}, 'tracker', 'after logging in');
is($mail->{from}, '<tracker@example.org>', 'from the sender set');
is_deeply($mail->{to}, ['<ops@example.org>'], 'to the recipient set');
like($mail->{data}, qr/^Subject: account ann needs to be connected again$/m, 'the subject is the message');

# 2. Resting heart rate above the baseline for three days in a row (while
# the first condition still holds).
$node->safe_psql('postgres', q{
	INSERT INTO gold.daily (account_id, day, samples, wear_minutes, resting_hr, algorithm_version)
	SELECT 2, current_date - d, 1000, 900, CASE WHEN d < 3 THEN 63 ELSE 55 END, 3
	FROM generate_series(0, 32) d;
});
ok(wait_for('the resting heart rate', sub { count_kind($hook, 'resting_hr_high') == 1 }),
	'a raised resting heart rate is an event');
ok(wait_for('its email', sub { count_kind($smtp, 'resting_hr_high', 1) == 1 }), 'and an email');
ok(wait_for('its NOTIFY', sub { heard('resting_hr_high') == 1 }), 'and a NOTIFY');
like($node->safe_psql('postgres',
		"SELECT message FROM tracker.notify_event WHERE kind = 'resting_hr_high'"),
	qr/above 60 bpm for 3 days in a row \(30-day baseline 55\.0 bpm\)/, 'its message');

# The passes since then did not repeat the first condition's event.
is(count_kind($hook, 'needs_reauth'), 1, 'a condition that holds is one event on the webhook');
is(count_kind($smtp, 'needs_reauth', 1), 1, 'and one email');
is(heard('needs_reauth'), 1, 'and one NOTIFY');
is($node->safe_psql('postgres', "SELECT count(*) FROM tracker.notify_event WHERE kind = 'needs_reauth'"),
	'1', 'and one event');

# 3. The condition clears, then comes back: a new occurrence.
$node->safe_psql('postgres',
	"UPDATE tracker.account_auth SET state = 'not_connected', reason = NULL WHERE account_id = 1");
ok(poll_until($node,
		"SELECT count(*) FROM tracker.notify_event WHERE kind = 'needs_reauth' AND cleared_at IS NOT NULL",
		'1'), 'the occurrence clears with its condition');
needs_reauth();
ok(wait_for('the second occurrence', sub { count_kind($hook, 'needs_reauth') == 2 }),
	'the condition back is a new occurrence');
ok(wait_for('its email', sub { count_kind($smtp, 'needs_reauth', 1) == 2 }), 'with its email');
is($node->safe_psql('postgres',
		"SELECT count(DISTINCT occurrence_key) FROM tracker.notify_event WHERE kind = 'needs_reauth'"),
	'2', 'two occurrences, two keys');

$node->safe_psql('postgres', "ALTER SYSTEM RESET log_min_messages; SELECT pg_reload_conf()");

# 4. A receiver that answers 500 is tried again, with a growing delay, and
# gets the event once it recovers.
fake_call($hook, 'POST', '/_status', { status => 500 });
$node->safe_psql('postgres', q{
	INSERT INTO gold.daily_vitals (account_id, day, spo2_avg, spo2_samples) VALUES (2, current_date, 88.5, 100);
});
ok(poll_until($node, q{
	SELECT bool_and(d.attempts >= 3 AND d.state = 'pending' AND d.error = 'HTTP status 500')
	FROM tracker.notify_delivery d JOIN tracker.notify_event e USING (event_id)
	JOIN tracker.notify_channel c USING (channel_id)
	WHERE e.kind = 'spo2_low' AND c.channel = 'webhook'}, 't'), 'a 500 is retried');
is($node->safe_psql('postgres', q{
	SELECT d.next_attempt_at - d.last_attempt_at >= interval '800 ms'
	FROM tracker.notify_delivery d JOIN tracker.notify_event e USING (event_id)
	JOIN tracker.notify_channel c USING (channel_id)
	WHERE e.kind = 'spo2_low' AND c.channel = 'webhook'}), 't',
	'after the third attempt the next waits 4 times the base delay');
ok(wait_for('the email of the low SpO2', sub { count_kind($smtp, 'spo2_low', 1) == 1 }),
	'the other channels are not held up');
fake_call($hook, 'POST', '/_status', { status => 200 });
ok(poll_until($node, q{
	SELECT d.state FROM tracker.notify_delivery d JOIN tracker.notify_event e USING (event_id)
	JOIN tracker.notify_channel c USING (channel_id)
	WHERE e.kind = 'spo2_low' AND c.channel = 'webhook'}, 'delivered'), 'then delivered');
is(count_kind($hook, 'spo2_low'), 1, 'once');

# 5. A receiver that is not there yet: refused connections, retried, then
# delivered when it starts.
$node->safe_psql('postgres', qq{
	SELECT tracker.set_notify('webhook', 'http://127.0.0.1:$late_port/late', events => ARRAY['job_failed']);
	INSERT INTO tracker.job (account_id, kind, days, state, finished_at, last_error)
	VALUES (2, 'sync', '[2026-01-01,2026-01-02)', 'failed', now(), 'paging_failed');
});
ok(poll_until($node, qq{
	SELECT d.attempts >= 2 AND d.state = 'pending' AND d.error LIKE 'connect_failed:%'
	FROM tracker.notify_delivery d JOIN tracker.notify_channel c USING (channel_id)
	WHERE c.target = 'http://127.0.0.1:$late_port/late'}, 't'), 'a refused connection is retried');
my $late = start_receiver('webhook', 'late', $late_port);
ok(poll_until($node, qq{
	SELECT d.state FROM tracker.notify_delivery d JOIN tracker.notify_channel c USING (channel_id)
	WHERE c.target = 'http://127.0.0.1:$late_port/late'}, 'delivered'), 'and delivered once it listens');
is(count_kind($late, 'job_failed'), 1, 'once');
is(scalar(@{ received($late) }), 1, 'and nothing else (the channel takes only failed jobs)');
ok(wait_for('the first webhook', sub { count_kind($hook, 'job_failed') == 1 }),
	'the first webhook got the failed job too');

# 6. Secrets: not readable by other roles, not in events, deliveries, the
# readable tables, the dump or the server log.
$node->safe_psql('postgres', 'CREATE ROLE eve LOGIN');
my ($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE eve; SELECT tracker.set_notify('notify', 'eve')");
like($err, qr/permission denied/, 'another role cannot set a channel');
($ret, $out, $err) = $node->psql('postgres', 'SET ROLE eve; SELECT * FROM tracker.notify_channels');
like($err, qr/permission denied/, 'nor read the channels');
($ret, $out, $err) = $node->psql('postgres', 'SET ROLE eve; SELECT * FROM tracker.notify_secret');
like($err, qr/permission denied/, 'nor their secrets');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api') AND c.relkind IN ('r', 'v')
	AND (has_table_privilege('eve', c.oid, 'SELECT') OR has_table_privilege('tracker_web', c.oid, 'SELECT'))
	AND c.relname LIKE 'notify%'}), '0', 'no notification table or view is readable by other roles');

my $everything = $node->safe_psql('postgres', q{
	SELECT string_agg(t::text, E'\n') FROM (
		SELECT e::text AS t FROM tracker.notify_event e
		UNION ALL SELECT d::text FROM tracker.notify_delivery d
		UNION ALL SELECT c::text FROM tracker.notify_channels c
		UNION ALL SELECT l::text FROM tracker.sync_log l) x});
ok($everything ne '' && index($everything, 'wh-0f9e8d7c6b5a4321') < 0
	  && index($everything, $smtp_password) < 0, 'no secret in events, deliveries or the channels view');

my ($dump, $dump_err) = ('', '');
IPC::Run::run([ 'pg_dump', '-d', $node->connstr('postgres') ], '>', \$dump, '2>', \$dump_err)
  or die "pg_dump failed: $dump_err";
like($dump, qr/ops\@example\.org/, 'the dump holds the channels');
ok(index($dump, 'wh-0f9e8d7c6b5a4321') < 0 && index($dump, $smtp_password) < 0,
	'but not their secrets');

my $log = slurp_file($node->logfile);
like($log, qr/DEBUG/, 'the server log was at debug level');
ok(index($log, 'wh-0f9e8d7c6b5a4321') < 0 && index($log, $smtp_password) < 0,
	'the server log (debug5) holds no secret');

# 7. Removing a channel drops its pending deliveries.
is($node->safe_psql('postgres', qq{SELECT tracker.remove_notify('webhook', 'http://127.0.0.1:$late_port/late')}),
	't', 'a channel is removed');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tracker.notify_channels'), '3', 'three are left');

# 8. The other conditions, each seen by tracker.notify_conditions() in a
# transaction that is rolled back (the scheduler never sees them).
$node->safe_psql('postgres',
	"ALTER SYSTEM SET tracker.google_consent_testing = on; SELECT pg_reload_conf()");
ok(poll_until($node, 'SHOW tracker.google_consent_testing', 'on'), 'grants of a consent screen in Testing');
my @conditions = split /\n/, $node->safe_psql('postgres', q{
	BEGIN;
	SELECT tracker.set_refresh_token(1, 'rt-rolled-back');
	UPDATE tracker.account_auth SET since = now() - interval '6 days 1 hour' WHERE account_id = 1;
	INSERT INTO tracker.archive_run (trigger, through, state, finished_at, last_error)
	VALUES ('manual', current_date, 'failed', now(), 'no such bucket');
	INSERT INTO gold.daily_vitals (account_id, day, hrv_ms, hrv_samples)
	SELECT 2, current_date - d, CASE WHEN d = 0 THEN 30 ELSE 60 END, 10 FROM generate_series(0, 10) d
	ON CONFLICT (account_id, day) DO UPDATE SET hrv_ms = excluded.hrv_ms;
	SELECT string_agg(kind || ':' || coalesce(account_id::text, '-'), ' ' ORDER BY kind, account_id)
	FROM tracker.notify_conditions();
	ROLLBACK;
});
is($conditions[-1], 'archive_failed:- grant_expiring:1 hrv_low:2 job_failed:2 no_data:1 resting_hr_high:2 spo2_low:2',
	'a grant a day before it expires, no new data, a failed archive and a low HRV are conditions');
$node->safe_psql('postgres',
	"ALTER SYSTEM RESET tracker.google_consent_testing; SELECT pg_reload_conf()");

$listener->quit;
$node->stop;
TrackerTest::stop_server($_) for ($hook, $smtp, $late);
done_testing();
