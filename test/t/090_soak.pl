# Soak: the scheduler and the sync workers run sync cycle after sync cycle
# against the fake Google Health API while faults are injected (429, 5xx,
# slow answers, malformed, truncated and cut bodies, wrong types, values out
# of range, dropped connections, expired and revoked tokens, the network
# going away, a server whose TLS certificate is not trusted), and the
# memory of the workers stays flat.
#
# The run has a warm-up and a measured part.  The warm-up lasts at least a
# third of TRACKER_SOAK_SECONDS (default 90) and until every kind of fault,
# every special phase (untrusted TLS, network gone, a grant revoked and
# reconnected) and TRACKER_SOAK_WARM_CYCLES sync cycles (default 60) have
# come by, so that every code path has filled its caches before memory is
# measured.  The measured part lasts the rest of TRACKER_SOAK_SECONDS and
# at least until TRACKER_SOAK_MIN_CYCLES (default 200) more sync cycles
# ended, whatever the machine's load; the network and revoke phases come
# round again in it.
#
# Memory is measured two ways, neither depending on when a sample falls:
#  - private memory (RssAnon, from /proc every second), which sees malloc
#    leaks in libcurl and json-c too.  Only samples taken while a worker
#    was idle between windows count (a window may hold a 16 MB page); a
#    process's baseline is its lowest idle sample in a stretch.  The test
#    fails when the baseline at the end is more than
#    TRACKER_SOAK_MAX_GROWTH_KB (default 2048) above the one just after the
#    warm-up.
#  - PostgreSQL's memory contexts (pg_log_backend_memory_contexts every few
#    seconds), counting only the memory that outlives a window: bytes in
#    use, without the contexts a window or a transaction frees as it ends
#    (the window's context, TopTransactionContext and what hangs below
#    them), so a dump taken in the middle of a window measures the same as
#    one taken between windows, and free space in a context's blocks does
#    not count.  Allowed growth: 1 MiB.
# A table of the samples is printed.
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
my $warm_cycles = $ENV{TRACKER_SOAK_WARM_CYCLES} // 60;
my $min_cycles = $ENV{TRACKER_SOAK_MIN_CYCLES} // 200;
my $warmup_seconds = $soak_seconds >= 300 ? 60 : int($soak_seconds / 3) + 5;
# samples that make up a baseline
my $span = $soak_seconds >= 300 ? 60 : int($soak_seconds / 5);
# a run that cannot reach its cycles in this long is stuck, not slow
my $max_seconds = 10 * $soak_seconds + 600;

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
	# the workers' memory is compared over the whole run: they must not exit
	# when faults and backoff leave them without work for a while
	'tracker.worker_idle_timeout = 1h',
	'tracker.http_timeout = 5s',
	'tracker.http_connect_timeout = 2s',
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
# is what a leak grows.  A process counts as idle when pg_stat_activity
# says so: a sync worker reports itself active for the whole of a window.
sub memory
{
	my $rows = $node->safe_psql('postgres',
		"SELECT pid, backend_type, state FROM pg_stat_activity WHERE backend_type LIKE 'tracker %' AND backend_type <> 'tracker autonomous write'"
	);
	my %m;
	for my $line (split /\n/, $rows)
	{
		my ($pid, $type, $state) = split /\|/, $line;
		next unless $type =~ /sync worker|scheduler|launcher/;
		open(my $fh, '<', "/proc/$pid/status") or next;
		my %s;
		while (<$fh>)
		{
			$s{$1} = $2 if /^(VmRSS|RssAnon|RssShmem):\s+(\d+) kB/;
		}
		close($fh);
		$m{$pid} = { type => $type, idle => (($state // '') ne 'active'), %s }
		  if defined $s{RssAnon};
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
	{ delay_ms => 6000 },    # beyond tracker.http_timeout
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

my %phase_done;
my $next_sample = $start;
my $tls_tried = 0;
my $token2 = 'rt-soak-2';
my $tokens = 0;

# A grant is revoked: the account waits for reconnection.
sub revoke
{
	fake_call($fake, 'POST', '/_fake/revoke', { refresh_token => $token2 });
	fake_call($fake, 'POST', '/_fake/expire', { user => 'u2' });
}

# ... and is connected again.
sub reconnect
{
	$token2 = 'rt-soak-2-' . ++$tokens;
	fake_call($fake, 'POST', '/_fake/users',
		{ users => [ { %{ $users[1] }, refresh_token => $token2 } ] });
	$node->safe_psql('postgres', "SELECT tracker.set_refresh_token(2, '$token2')");
	fake_call($fake, 'POST', '/_fake/expire', { user => $_ }) for qw(u1 u3 u5);
}

# The network goes away: the source goes offline, then comes back.
sub network_down
{
	set_url('http://127.0.0.1:9');
	sleep(3);
	set_url($fake->{url});
}

# One second of the run: faults, the phases due (each named phase once),
# a memory sample, and every third second a log of memory contexts.
sub soak_step
{
	my ($t, $faults, $phases) = @_;

	inject_faults($faults eq 'warm')
	  if $faults eq 'warm' || $faults eq 'random' && rand() < 0.3;
	for my $p (@$phases)
	{
		my ($name, $at, $code) = @$p;
		next if $phase_done{$name} || $t < $at;
		$phase_done{$name} = 1;
		$code->();
	}
	if (time() >= $next_sample)
	{
		my $m = memory();
		push @samples, { t => time() - $start, cycles => cycles(), mem => $m };
		if (int(time() - $start) % 3 == 0)
		{
			$node->safe_psql('postgres',
				"SELECT pg_log_backend_memory_contexts($_)") for keys %$m;
		}
		$next_sample += 1;
		$next_sample = time() + 1 if $next_sample < time();
	}
	usleep(250_000);
}

# The warm-up.  The TLS and network phases come first, so that one-time
# set-up (OpenSSL's on a process's first handshake) is behind us; TLS comes
# first of all: once the network has gone, the source is offline and is
# only probed now and then.
my @warm_phases = (
	[
		'tls', $warmup_seconds * 0.1,
		sub {
			return unless $tls_port;
			# a server whose certificate nobody trusts, until Tracker has
			# tried it (a busy machine may take a while to get there)
			set_url("https://127.0.0.1:$tls_port");
			my $deadline = time() + 180;
			usleep(100_000)
			  while time() < $deadline
			  && !(-f "$tls_dir/log" && slurp_file("$tls_dir/log") =~ /connection/);
			sleep(1);
			set_url($fake->{url});
			$tls_tried = 1;
		}
	],
	[ 'network', $warmup_seconds * 0.3, \&network_down ],
	[ 'revoke', $warmup_seconds * 0.5, \&revoke ],
	[ 'reconnect', $warmup_seconds * 0.7, \&reconnect ]);

diag("soak: ${soak_seconds} s of faults, warm-up at least ${warmup_seconds} s and $warm_cycles cycles");
my $t = 0;
while ($t < $warmup_seconds
	|| $next_fault < @faults
	|| grep({ !$phase_done{ $_->[0] } } @warm_phases)
	|| cycles() < $warm_cycles)
{
	last if $t > $max_seconds;    # stuck: the checks below say so
	soak_step($t, 'warm', \@warm_phases);
	$t = time() - $start;
}
my $warm_end = $t;
my $cycles_warm = cycles();

# The measured part: the network and revoke phases come round again.
my $measure = $soak_seconds - $warmup_seconds;
my @measure_phases = (
	[ 'network again', $warm_end + $measure * 0.2, \&network_down ],
	[ 'revoke again', $warm_end + $measure * 0.4, \&revoke ],
	[ 'reconnect again', $warm_end + $measure * 0.6, \&reconnect ]);
diag(sprintf("warm-up ended after %.0f s and %d sync cycles", $warm_end, $cycles_warm));
while ($t < $warm_end + $measure
	|| grep({ !$phase_done{ $_->[0] } } @measure_phases)
	|| cycles() - $cycles_warm < $min_cycles)
{
	last if $t > $max_seconds;    # stuck: the checks below say so
	soak_step($t, 'random', \@measure_phases);
	$t = time() - $start;
}
my $run_end = $t;
my $cycles_end = cycles();

# Faults end, scheduled syncs stop being queued; the queue drains.  The
# workers keep being sampled while they go idle.
fake_call($fake, 'DELETE', '/_fake/faults');
$node->safe_psql('postgres', "ALTER SYSTEM SET tracker.sync_interval = '1h'");
set_url($fake->{url});
# Drain until every sync worker there at the end of the warm-up has been
# sampled idle (or has gone): on a loaded machine the queue can take a
# while, and a worker never seen idle after the run cannot be compared.
sub drained
{
	my (%warm_workers, %idle_after_run);
	for my $s (@samples)
	{
		for my $pid (keys %{ $s->{mem} })
		{
			my $x = $s->{mem}{$pid};
			next unless $x->{type} eq 'tracker sync worker';
			$warm_workers{$pid} = 1 if $s->{t} >= $warm_end && $s->{t} < $warm_end + $span;
			$idle_after_run{$pid} = 1 if $x->{idle} && $s->{t} >= $run_end;
		}
	}
	my $last = $samples[-1]{mem};
	return !grep { $last->{$_} && !$idle_after_run{$_} } keys %warm_workers;
}
my $drain_steps = 0;
my $drain_deadline = time() + 300;
while ($drain_steps++ < 8 || !drained() && time() < $drain_deadline)
{
	soak_step($t, 'none', []);
	$t = time() - $start;
}
my $drain_end = $t;

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
	my $rt = $id == 2 ? $token2 : "rt-soak-$id";
	$node->safe_psql('postgres', "SELECT tracker.set_refresh_token($id, '$rt')");
}

# Baselines: the lowest private memory of an idle process in the first
# stretch after the warm-up (or, if it was never idle then, at its first
# idle samples after it), and in the last stretch of the run and the drain.
# Only processes that were there when the warm-up ended are compared: one
# started later has not warmed up.
my (%m_start, %m_end, %types, %warm);
for my $s (@samples)
{
	for my $pid (keys %{ $s->{mem} })
	{
		my $x = $s->{mem}{$pid};
		$types{$pid} = $x->{type};
		$warm{$pid} = 1 if $s->{t} >= $warm_end && $s->{t} < $warm_end + $span;
		next unless $x->{idle} && $warm{$pid};
		if ($s->{t} >= $warm_end
			&& ($s->{t} < $warm_end + $span || !$m_start{$pid} && $s->{t} < $run_end - $span))
		{
			$m_start{$pid} = $x
			  if !$m_start{$pid} || $x->{RssAnon} < $m_start{$pid}{RssAnon};
		}
		if ($s->{t} >= $run_end - $span)
		{
			$m_end{$pid} = $x
			  if !$m_end{$pid} || $x->{RssAnon} < $m_end{$pid}{RssAnon};
		}
	}
}

# The table of samples (an idle sample is marked with *).
my %pids;
for my $s (@samples)
{
	$pids{$_} = $s->{mem}{$_}{type} for keys %{ $s->{mem} };
}
my @pid_list = sort { $pids{$a} cmp $pids{$b} || $a <=> $b } keys %pids;
my $table = sprintf("%7s %8s", 'second', 'cycles')
  . join('', map { sprintf(" %23s", "$pids{$_} $_") } @pid_list) . "\n";
my $every = $drain_end >= 300 ? 30 : 5;
my $last_printed = -$every;
for my $s (@samples)
{
	next if $s->{t} - $last_printed < $every && $s != $samples[-1];
	$last_printed = $s->{t};
	$table .= sprintf("%7.0f %8d", $s->{t}, $s->{cycles});
	for my $pid (@pid_list)
	{
		my $x = $s->{mem}{$pid};
		$table .= $x
		  ? sprintf(" %11s/%10s%s", "$x->{RssAnon} kB", "$x->{VmRSS} kB", $x->{idle} ? '*' : ' ')
		  : sprintf(" %23s", '-');
	}
	$table .= "\n";
}
diag("memory (RssAnon/VmRSS) of Tracker's processes:\n$table");
diag("faults injected: " . join(', ', map { "$_ x$injected{$_}" } sort keys %injected));

my $requests = $node->safe_psql('postgres', 'SELECT count(*) FROM tracker.sync_log');
diag(sprintf("sync cycles (windows claimed, fetched and written, or failed): %d in %.0f s "
	  . "(%d in the %.0f s measured); requests logged: %d",
	  $cycles_end, $run_end, $cycles_end - $cycles_warm, $run_end - $warm_end, $requests));
cmp_ok($cycles_warm, '>=', $warm_cycles, "the warm-up ran $warm_cycles sync cycles or more");
cmp_ok($cycles_end - $cycles_warm, '>=', $min_cycles,
	"the measured part ran $min_cycles sync cycles or more");

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
	diag(sprintf("%s %d: idle RssAnon %d kB -> %d kB (%+d kB), peak %d kB; VmRSS %d kB -> %d kB",
			$type, $pid, $m_start{$pid}{RssAnon}, $m_end{$pid}{RssAnon}, $growth, $peak,
			$m_start{$pid}{VmRSS}, $m_end{$pid}{VmRSS}));
	cmp_ok($growth, '<=', $max_growth_kb, "$type $pid: memory flat");
	$compared++ if $type eq 'tracker sync worker';
}
ok($compared >= 1, 'at least one sync worker lived through the whole soak');

# The same with PostgreSQL's own accounting, from the logged memory
# contexts: per dump, the bytes in use in contexts that outlive a window.
my %transient = map { $_ => 1 } ('TopTransactionContext', 'tracker window',
	'tracker scheduler', 'Backend Status Snapshot', 'PortalContext');
my (%dumps, %open);
for my $line (split /\n/, slurp_file($node->logfile))
{
	next
	  unless $line =~ /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.\d+ UTC \[(\d+)\] LOG:  (.*)$/;
	my ($pid, $msg) = ($7, $8);
	next unless $types{$pid};
	my $t = timegm($6, $5, $4, $3, $2 - 1, $1) - $start;
	if ($msg =~ /^level: (\d+); (.+?): \d+ total in \d+ blocks; \d+ free \(\d+ chunks\); (\d+) used/)
	{
		my ($level, $name, $used) = ($1, $2, $3);
		my $d = $open{$pid} //= { stack => [], transient => 0, contexts => {} };
		# "N more child contexts containing ..." belongs to the parent above
		my $more = $name =~ /^\d+ more child contexts containing$/;
		splice(@{ $d->{stack} }, $level);
		my @path = (@{ $d->{stack} }, $more ? () : $name);
		push @{ $d->{stack} }, $name unless $more;
		if (grep { $transient{$_} } @path)
		{
			$d->{transient} += $used;
		}
		else
		{
			# counted under its child of TopMemoryContext
			$d->{contexts}{ $path[1] // ($more ? 'other contexts' : $path[0]) } += $used;
		}
	}
	elsif ($msg =~ /^Grand total: (\d+) bytes in \d+ blocks; \d+ free \(\d+ chunks\); (\d+) used/)
	{
		my $d = delete $open{$pid} or next;
		push @{ $dumps{$pid} },
		  { t => $t, total => $1, used => $2, kept => $2 - $d->{transient}, contexts => $d->{contexts} };
	}
}
for my $pid (sort { $a <=> $b } keys %dumps)
{
	my ($first, $last);
	next unless $warm{$pid};
	for my $d (@{ $dumps{$pid} })
	{
		$first = $d if !$first && $d->{t} >= $warm_end;
		$last = $d if $d->{t} >= $warm_end;
	}
	next unless $first && $last && $last->{t} >= $run_end - $span;
	my $growth = $last->{kept} - $first->{kept};
	my @changed = grep { ($last->{contexts}{$_} // 0) != ($first->{contexts}{$_} // 0) }
	  sort keys %{ { %{ $first->{contexts} }, %{ $last->{contexts} } } };
	my ($lo, $hi) = (undef, 0);
	for my $d (@{ $dumps{$pid} })
	{
		next if $d->{t} < $warm_end;
		$lo = $d->{total} if !defined $lo || $d->{total} < $lo;
		$hi = $d->{total} if $d->{total} > $hi;
	}
	diag(sprintf("%s %d: memory contexts in use beyond a window %d -> %d bytes (%+d) "
			  . "from second %.0f to %.0f [%s]; all blocks, whenever dumped: %d..%d bytes",
			$types{$pid}, $pid, $first->{kept}, $last->{kept}, $growth, $first->{t}, $last->{t},
			join(', ', map { sprintf("%s %+d", $_,
						($last->{contexts}{$_} // 0) - ($first->{contexts}{$_} // 0)) } @changed),
			$lo, $hi));
	cmp_ok($growth, '<=', 1024 * 1024, "$types{$pid} $pid: memory contexts flat");
}

# Nothing crashed, and nothing was left half done.
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|server process .* exited with exit code [^0]/,
	'no backend or worker crashed');
# The queue drains once the backoffs the faults left behind have run out:
# wait that long, and two minutes more.
my $backoff_left = $node->safe_psql('postgres',
	"SELECT ceil(extract(epoch FROM coalesce(greatest("
	  . "(SELECT max(until) FROM tracker.account_backoff), "
	  . "(SELECT max(retry_at) FROM tracker.source_status WHERE state = 'offline')) - now(), '0')))");
ok(poll_until($node,
		"SELECT count(*) FROM tracker.job_window w JOIN tracker.job j USING (job_id) WHERE w.state IN ('queued', 'running') AND j.kind = 'sync'",
		'0', 120 + ($backoff_left > 0 ? $backoff_left : 0)),
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
