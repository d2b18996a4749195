# Soak: the scheduler and the sync workers run sync cycle after sync cycle
# against the fake Google Health API while faults are injected (429, 5xx,
# slow answers, malformed, truncated and cut bodies, wrong types, values out
# of range, dropped connections, expired and revoked tokens, the network
# going away, a server whose TLS certificate is not trusted), and the
# memory of the workers stays flat.
#
# TRACKER_SOAK_SECONDS sets how long the faults run (default 90; e.g. 3600
# for a long run).  The resident memory of Tracker's processes is sampled
# every second from /proc; a process's baseline is the lowest private
# memory (RssAnon) seen in a stretch of samples, which is what it holds
# between windows.  The test fails when a process's baseline at the end is
# more than TRACKER_SOAK_MAX_GROWTH_KB (default 2048) above its baseline
# just after the warm-up.  A table of the samples is printed.
# TRACKER_SOAK_MIN_RATE (default 5) is the number of sync cycles a second
# the run must reach.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use POSIX qw(strftime);
use Time::Local qw(timegm);
use Test::More;
use Time::HiRes qw(time usleep);
use TrackerTest;

my $soak_seconds = $ENV{TRACKER_SOAK_SECONDS} || 90;
my $max_growth_kb = $ENV{TRACKER_SOAK_MAX_GROWTH_KB} || 2048;
# sync cycles a second the run must reach (0 under Valgrind)
my $min_rate = $ENV{TRACKER_SOAK_MIN_RATE} // 5;
my $warmup_seconds = $soak_seconds >= 300 ? 60 : int($soak_seconds / 3) + 5;
# samples that make up a baseline
my $span = $soak_seconds >= 300 ? 60 : int($soak_seconds / 5);

# Six accounts with synthetic data around today; one keeps the fake's rate
# limit, so that real 429s happen too.
my $today = strftime('%Y-%m-%d', gmtime(time() - 2 * 86400));
my @zones = ('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo',
	'Australia/Sydney', 'America/Los_Angeles');
my @users;
for my $i (1 .. 6)
{
	push @users,
	  {
		id => "u$i",
		refresh_token => "rt-soak-$i",
		tz => $zones[ $i - 1 ],
		rate_limit => ($i == 6 ? 300 : 0),
		synthetic => { start => $today, days => 5, seed => $i }
	  };
}
my $fake = start_fake(users => \@users);

my $node = tracker_node(
	'soak', $fake,
	'tracker.scheduler_naptime = 100ms',
	'tracker.sync_interval = 1s',
	'tracker.trailing_days = 1',
	'tracker.max_sync_workers = 2',
	'tracker.http_timeout = 1s',
	'tracker.http_connect_timeout = 1s',
	'tracker.max_response_size = 16MB');

$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres',
	"SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret')");
for my $i (1 .. 6)
{
	$node->safe_psql('postgres',
		"SELECT tracker.add_account('soak $i', '$zones[$i - 1]')");
	$node->safe_psql('postgres',
		"SELECT tracker.set_refresh_token($i, 'rt-soak-$i')");
}

sub cycles
{
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.job_window WHERE state IN ('done', 'failed')");
}

# Resident memory of Tracker's processes, from /proc: VmRSS counts the
# shared buffers a process has touched, RssAnon only its own memory, which
# is what a leak grows.
sub memory
{
	my $rows = $node->safe_psql('postgres',
		"SELECT pid, backend_type FROM pg_stat_activity WHERE backend_type LIKE 'tracker %' AND backend_type <> 'tracker autonomous write'"
	);
	my %m;
	for my $line (split /\n/, $rows)
	{
		my ($pid, $type) = split /\|/, $line;
		next unless $type =~ /sync worker|scheduler|launcher/;
		open(my $fh, '<', "/proc/$pid/status") or next;
		my %s;
		while (<$fh>)
		{
			$s{$1} = $2 if /^(VmRSS|RssAnon|RssShmem):\s+(\d+) kB/;
		}
		close($fh);
		$m{$pid} = { type => $type, %s } if defined $s{RssAnon};
	}
	return \%m;
}

# A local TLS server whose certificate nobody trusts: Tracker must refuse
# the handshake and never send it a request (nor a token).
my $tls_dir = PostgreSQL::Test::Utils::tempdir();
my ($tls_pid, $tls_port);
if (system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 "
		. "-keyout $tls_dir/key.pem -out $tls_dir/cert.pem >/dev/null 2>&1") == 0)
{
	open(my $py, '>', "$tls_dir/tls_server.py") or die;
	print $py <<'EOF';
import socket, ssl, sys
d = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(d + "/port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(d + "/port.tmp", d + "/port")
log = open(d + "/log", "ab", buffering=0)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    log.write(b"connection\n")
    try:
        t = ctx.wrap_socket(c, server_side=True)
        data = t.recv(65536)
        log.write(b"REQUEST " + data + b"\n")
        t.close()
    except Exception as e:
        log.write(b"refused: " + str(e).encode() + b"\n")
        c.close()
EOF
	close($py);
	$tls_pid = fork();
	if ($tls_pid == 0)
	{
		exec('/usr/bin/python3', "$tls_dir/tls_server.py", $tls_dir) or die;
	}
	my $deadline = time() + 20;
	usleep(50_000) while !-s "$tls_dir/port" && time() < $deadline;
	$tls_port = slurp_file("$tls_dir/port") if -s "$tls_dir/port";
}

sub set_url
{
	my ($url) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.google_health_url = '$url'");
	$node->reload;
}

# The faults, injected a few at a time.  Each rule applies to the next
# matching request (of any account or data type unless it says so).
my @types = ('heart-rate', 'steps', 'daily-resting-heart-rate',
	'daily-heart-rate-zones', 'time-in-heart-rate-zone', 'exercise', 'sleep');
my @faults = (
	{ status => 429, retry_after => 1 },
	{ status => 500 },
	{ status => 503, retry_after => 1 },
	{ status => 504 },
	{ status => 401 },
	{ delay_ms => 1500 },    # beyond tracker.http_timeout
	{ delay_ms => 300 },
	{ body => 'malformed' },
	{ body => 'truncated' },
	{ body => 'cut_json' },
	{ body => 'wrong_types' },
	{ body => 'out_of_range' },
	{ body => 'close' },
	{ body => 'oversized', size => 20 * 1024 * 1024 },    # above the 16 MB limit
);
my %injected;

my $next_fault = 0;

sub inject_faults
{
	my ($warmup) = @_;
	my @rules;
	for (1 .. 1 + int(rand(3)))
	{
		# during the warm-up every kind of fault comes round in turn, so that
		# each worker has met the largest answers before memory is measured
		my %f = %{ $faults[ $warmup ? $next_fault++ % @faults : int(rand(@faults)) ] };
		my %match;
		$match{data_type} = $types[ int(rand(@types)) ] if rand() < 0.7;
		$match{user} = 'u' . (1 + int(rand(6))) if rand() < 0.3;
		push @rules, { %f, times => 1, match => \%match };
		$injected{ join(',', map { "$_=$f{$_}" } sort keys %f) }++;
	}
	fake_call($fake, 'POST', '/_fake/faults', \@rules);
}

my @samples;
my $start = time();
my $end = $start + $soak_seconds;

my %phase_done;
my $next_sample = $start;
my $tls_tried = 0;

diag("soak: ${soak_seconds} s of faults, warm-up ${warmup_seconds} s");
while (time() < $end)
{
	my $t = time() - $start;

	inject_faults($t < $warmup_seconds) if $t < $warmup_seconds || rand() < 0.3;

	# Special phases, each once.  The TLS and network phases come during
	# the warm-up, so that one-time set-up (OpenSSL's on a process's first
	# handshake) is not measured as growth.  TLS comes first: once the
	# network has gone, the source is offline and is only probed now and
	# then.
	if ($t > $warmup_seconds * 0.1 && !$phase_done{tls} && $tls_port)
	{
		# a server whose certificate nobody trusts, until Tracker has tried
		# it (at most 15 s)
		$phase_done{tls} = 1;
		set_url("https://127.0.0.1:$tls_port");
		my $deadline = time() + 15;
		usleep(100_000)
		  while time() < $deadline
		  && !(-f "$tls_dir/log" && slurp_file("$tls_dir/log") =~ /connection/);
		sleep(1);
		set_url($fake->{url});
		$tls_tried = 1;
	}
	if ($t > $warmup_seconds * 0.3 && !$phase_done{network})
	{
		# the network goes away: the source goes offline, then comes back
		$phase_done{network} = 1;
		set_url('http://127.0.0.1:9');
		sleep(3);
		set_url($fake->{url});
	}
	if ($t > $soak_seconds * 0.55 && !$phase_done{revoke})
	{
		# a grant is revoked: the account waits for reconnection
		$phase_done{revoke} = 1;
		fake_call($fake, 'POST', '/_fake/revoke', { refresh_token => 'rt-soak-2' });
		fake_call($fake, 'POST', '/_fake/expire', { user => 'u2' });
	}
	if ($t > $soak_seconds * 0.7 && !$phase_done{reconnect})
	{
		# ... and is connected again
		$phase_done{reconnect} = 1;
		fake_call($fake, 'POST', '/_fake/users',
			{ users => [ { %{ $users[1] }, refresh_token => 'rt-soak-2b' } ] });
		$node->safe_psql('postgres', "SELECT tracker.set_refresh_token(2, 'rt-soak-2b')");
		fake_call($fake, 'POST', '/_fake/expire', { user => $_ }) for qw(u1 u3 u5);
	}

	if (time() >= $next_sample)
	{
		my $m = memory();
		push @samples, { t => $t, cycles => cycles(), mem => $m };
		# every few seconds the processes also log their memory contexts
		if (int($t) % 3 == 0)
		{
			$node->safe_psql('postgres',
				"SELECT pg_log_backend_memory_contexts($_)") for keys %$m;
		}
		$next_sample += 1;
	}
	usleep(250_000);
}
my $cycles_end = cycles();

# Faults end, scheduled syncs stop being queued; the queue drains.
fake_call($fake, 'DELETE', '/_fake/faults');
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.sync_interval = '1h'");
set_url($fake->{url});

# Two injected 401s in a row (a refreshed token refused too) rightly make
# an account wait for reconnection; it is reconnected, as a person would.
# No account may be waiting for any other reason.
my $waiting = $node->safe_psql('postgres',
	"SELECT string_agg(account_id || ': ' || coalesce(reason, ''), E'\\n' ORDER BY account_id) "
	  . "FROM tracker.account_auth WHERE state <> 'connected'");
diag("accounts waiting for reconnection after the faults:\n$waiting") if $waiting ne '';
unlike($waiting, qr/^\d+: (?!.*refreshed access token \(HTTP 401\)).*$/m,
	'no account waits for reconnection but after two 401s in a row');
for my $line (split /\n/, $waiting)
{
	my ($id) = $line =~ /^(\d+):/;
	my $rt = $id == 2 ? 'rt-soak-2b' : "rt-soak-$id";
	$node->safe_psql('postgres', "SELECT tracker.set_refresh_token($id, '$rt')");
}

# Baselines: the lowest private memory in the first stretch after the
# warm-up, and in the last stretch.
my (%m_start, %m_end, %types);
for my $s (@samples)
{
	for my $pid (keys %{ $s->{mem} })
	{
		my $x = $s->{mem}{$pid};
		$types{$pid} = $x->{type};
		if ($s->{t} >= $warmup_seconds && $s->{t} < $warmup_seconds + $span)
		{
			$m_start{$pid} = $x
			  if !$m_start{$pid} || $x->{RssAnon} < $m_start{$pid}{RssAnon};
		}
		if ($s->{t} >= $soak_seconds - $span)
		{
			$m_end{$pid} = $x
			  if !$m_end{$pid} || $x->{RssAnon} < $m_end{$pid}{RssAnon};
		}
	}
}

# The table of samples.
my %pids;
for my $s (@samples)
{
	$pids{$_} = $s->{mem}{$_}{type} for keys %{ $s->{mem} };
}
my @pid_list = sort { $pids{$a} cmp $pids{$b} || $a <=> $b } keys %pids;
my $table = sprintf("%7s %8s", 'second', 'cycles')
  . join('', map { sprintf(" %22s", "$pids{$_} $_") } @pid_list) . "\n";
my $every = $soak_seconds >= 300 ? 30 : 5;
my $last_printed = -$every;
for my $s (@samples)
{
	next if $s->{t} - $last_printed < $every && $s != $samples[-1];
	$last_printed = $s->{t};
	$table .= sprintf("%7.0f %8d", $s->{t}, $s->{cycles});
	for my $pid (@pid_list)
	{
		my $x = $s->{mem}{$pid};
		$table .= $x ? sprintf(" %11s/%10s", "$x->{RssAnon} kB", "$x->{VmRSS} kB") : sprintf(" %22s", '-');
	}
	$table .= "\n";
}
diag("memory (RssAnon/VmRSS) of Tracker's processes:\n$table");
diag("faults injected: " . join(', ', map { "$_ x$injected{$_}" } sort keys %injected));

my $cycles = $cycles_end;
my $requests = $node->safe_psql('postgres', 'SELECT count(*) FROM tracker.sync_log');
diag("sync cycles (windows claimed, fetched and written, or failed): $cycles in "
	  . "$soak_seconds s; requests logged: $requests");
cmp_ok($cycles, '>=', $min_rate * $soak_seconds, 'hundreds of sync cycles a minute ran');

# Flat memory: every worker that lived from the end of the warm-up to the
# end kept its private memory within the bound.
my $compared = 0;
for my $pid (sort { $a <=> $b } keys %m_start)
{
	next unless $m_end{$pid};
	my $type = $types{$pid};
	my $growth = $m_end{$pid}{RssAnon} - $m_start{$pid}{RssAnon};
	my $peak = 0;
	for my $s (@samples)
	{
		$peak = $s->{mem}{$pid}{RssAnon}
		  if $s->{mem}{$pid} && $s->{mem}{$pid}{RssAnon} > $peak;
	}
	diag(sprintf("%s %d: baseline RssAnon %d kB -> %d kB (%+d kB), peak %d kB; VmRSS %d kB -> %d kB",
			$type, $pid, $m_start{$pid}{RssAnon}, $m_end{$pid}{RssAnon}, $growth, $peak,
			$m_start{$pid}{VmRSS}, $m_end{$pid}{VmRSS}));
	cmp_ok($growth, '<=', $max_growth_kb, "$type $pid: memory flat");
	$compared++ if $type eq 'tracker sync worker';
}
ok($compared >= 1, 'at least one sync worker lived through the whole soak');

# The same with PostgreSQL's own accounting: the memory contexts' grand
# total (what palloc holds), logged by pg_log_backend_memory_contexts().
my (%ctx_start, %ctx_end);
for my $line (split /\n/, slurp_file($node->logfile))
{
	next unless $line =~ /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.\d+ UTC \[(\d+)\].*Grand total: (\d+) bytes/;
	my ($pid, $bytes) = ($7, $8);
	my $t = timegm($6, $5, $4, $3, $2 - 1, $1) - $start;
	next unless $types{$pid};
	if ($t >= $warmup_seconds && $t < $warmup_seconds + $span)
	{
		$ctx_start{$pid} = $bytes if !defined $ctx_start{$pid} || $bytes < $ctx_start{$pid};
	}
	if ($t >= $soak_seconds - $span && $t <= $soak_seconds + 2)
	{
		$ctx_end{$pid} = $bytes if !defined $ctx_end{$pid} || $bytes < $ctx_end{$pid};
	}
}
for my $pid (sort { $a <=> $b } keys %ctx_start)
{
	next unless defined $ctx_end{$pid};
	my $growth = $ctx_end{$pid} - $ctx_start{$pid};
	diag(sprintf("%s %d: memory contexts %d -> %d bytes (%+d)",
			$types{$pid}, $pid, $ctx_start{$pid}, $ctx_end{$pid}, $growth));
	cmp_ok($growth, '<=', 1024 * 1024, "$types{$pid} $pid: memory contexts flat");
}

# Nothing crashed, and nothing was left half done.
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|server process .* exited with exit code [^0]/,
	'no backend or worker crashed');
ok(poll_until($node,
		"SELECT count(*) FROM tracker.job_window w JOIN tracker.job j USING (job_id) WHERE w.state IN ('queued', 'running') AND j.kind = 'sync'",
		'0', 120),
	'after the faults every queued window is done');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM (SELECT 1 FROM bronze.payload GROUP BY account_id, sha256 HAVING count(*) > 1) d"),
	'0', 'no payload stored twice');
is($node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT state, ',') FROM tracker.account_auth"),
	'connected', 'every account is connected again');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM tracker.sync_log WHERE request ~ 'rt-soak|Bearer' OR error ~ 'rt-soak|Bearer'"),
	'0', 'the sync log holds no token');

# What the faults did, as the sync log saw it.
my $outcomes = $node->safe_psql('postgres',
	"SELECT outcome || ':' || count(*) FROM tracker.sync_log GROUP BY outcome ORDER BY 1");
diag("sync log outcomes: " . join(' ', split /\n/, $outcomes));
ok($node->safe_psql('postgres',
		"SELECT count(*) > 0 FROM tracker.sync_log WHERE outcome = 'retry'") eq 't',
	'transient faults were retried');
ok($node->safe_psql('postgres',
		"SELECT count(*) > 0 FROM bronze.payload WHERE status = 'rejected'") eq 't',
	'malformed pages were rejected and kept');

# TLS: the certificate was refused and the server never saw a request.
SKIP:
{
	skip 'openssl is not available', 3 unless $tls_tried;
	my $tls_log = -f "$tls_dir/log" ? slurp_file("$tls_dir/log") : '';
	like($tls_log, qr/connection/, 'Tracker tried the untrusted TLS server');
	unlike($tls_log, qr/REQUEST/, 'no request (and no token) went to a server with an untrusted certificate');
	like($node->safe_psql('postgres',
			"SELECT string_agg(DISTINCT error, ' ') FROM tracker.sync_log WHERE error ~ 'tls'"),
		qr/tls_failed/, 'the TLS failure is logged as such');
}

if ($tls_pid)
{
	kill 'TERM', $tls_pid;
	waitpid($tls_pid, 0);
}

# Last, a fault of another kind: a directory to import that holds a loop of
# symbolic links must end (with its files or an error) and must stay
# cancellable, rather than walking the loop for ever.
my $loop = PostgreSQL::Test::Utils::tempdir();
mkdir("$loop/export") or die;
symlink('.', "$loop/export/again") or die;
symlink('.', "$loop/export/and_again") or die;
system("cp '" . fixtures_dir() . "/export/heart_rate-2018-10-04.json' '$loop/export/'") == 0 or die;
my $files_account = $node->safe_psql('postgres',
	"SELECT tracker.add_account('soak files', 'UTC', 'fitbit_import')");
my $timed_out = 0;
$node->psql('postgres',
	"SET statement_timeout = '10s'; SELECT count(*) FROM tracker.import_fitbit_file($files_account, '$loop/export')",
	timeout => 60, timed_out => \$timed_out);
ok(!$timed_out, 'an import of a directory with a symbolic link loop ends or is cancelled');
if ($timed_out)
{
	# the backend does not notice cancel or terminate: stop the hard way
	diag('the import did not end; stopping the server in immediate mode');
	$node->stop('immediate');
	$node->start;
}

# A FIFO is not a document: refused at once instead of waiting in open()
# for a writer that never comes (a wait no cancel could end).
my $fifo = "$loop/heart_rate-2018-10-05.json";
SKIP:
{
	skip 'mkfifo is not available', 1 unless system('mkfifo', $fifo) == 0;
	my ($stdout, $stderr) = ('', '');
	$timed_out = 0;
	$node->psql('postgres',
		"SET statement_timeout = '10s'; SELECT count(*) FROM tracker.import_fitbit_file($files_account, '$fifo')",
		stdout => \$stdout, stderr => \$stderr, timeout => 60, timed_out => \$timed_out);
	like($stderr, qr/is not a regular file or a directory/, 'a FIFO is refused at once');
	if ($timed_out)
	{
		$node->stop('immediate');
		$node->start;
	}
}
$node->stop;
stop_fake($fake);
done_testing();
