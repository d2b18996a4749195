# Helpers for Tracker's TAP tests: a preloaded cluster pointed at the fake
# Google Health API, and control of that fake.
package TrackerTest;

use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use HTTP::Tiny;
use JSON::PP;
use POSIX ":sys_wait_h";
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(start_fake stop_fake fake_call kory_user tracker_node fixtures_dir
  poll_until json_decode start_music_fake start_s3_servers stop_server query_or_error
  describe_extension);

my $testdir = File::Spec->rel2abs(dirname(__FILE__) . '/..');

sub fixtures_dir { return "$testdir/fixtures"; }

sub json_decode { return JSON::PP->new->decode($_[0]); }

# Start the fake Google Health API (test/fakes/google_health.py) with the
# users given (users => [...]) and more options (args => [...]); returns a
# hash with url, port, pid, dir.
sub start_fake
{
	my (%opts) = @_;
	return start_python_fake('the fake API', 'google_health.py', $opts{users} || [],
		@{ $opts{args} || [] });
}

sub stop_fake
{
	my ($fake) = @_;
	return unless $fake && $fake->{pid};
	kill 'TERM', $fake->{pid};
	waitpid($fake->{pid}, 0);
	$fake->{pid} = undef;
}

# A user of the fake whose data are the saved korymath days
# (test/fixtures/korymath): id kory, in Edmonton.  Options change or add
# fields (refresh_token, age, ...).
sub kory_user
{
	my (%fields) = @_;
	return { id => 'kory', refresh_token => 'rt-kory', tz => 'America/Edmonton',
		data_dir => fixtures_dir() . '/korymath', %fields };
}

# Stop any server started by these helpers, by its pid (once).
sub stop_server { stop_fake(@_); }

# Fork and exec a server that writes its port(s) to $portfile once it
# listens; wait for that file with a deadline.  Returns the pid.
sub start_server
{
	my ($what, $dir, $portfile, @cmd) = @_;
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDOUT, '>>', "$dir/server.out");
		open(STDERR, '>>', "$dir/server.out");
		exec(@cmd) or die "exec failed: $!";
	}
	my $deadline = time() + 30;
	while (!-s $portfile)
	{
		if (time() > $deadline || waitpid($pid, WNOHANG) == $pid)
		{
			kill 'TERM', $pid;
			waitpid($pid, 0);
			die "$what did not start: " . slurp_file("$dir/server.out");
		}
		usleep(50_000);
	}
	return $pid;
}

# Start the fake Last.fm and ListenBrainz API (test/fakes/music.py) with the
# configuration given ({users => [...], api_keys => [...], ...}); returns a
# hash with url, port, pid, dir.
sub start_music_fake
{
	my (%config) = @_;
	return start_python_fake('the fake music API', 'music.py', \%config);
}

# Start one of the fakes in test/fakes/ on a free port of 127.0.0.1 with
# its --config file holding $config, and its log in its directory.
sub start_python_fake
{
	my ($what, $script, $config, @args) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir();
	my $portfile = "$dir/port";
	open(my $fh, '>', "$dir/users.json") or die "cannot write $dir/users.json: $!";
	print $fh JSON::PP->new->encode($config);
	close($fh);
	my $pid = start_server($what, $dir, $portfile,
		'/usr/bin/python3', "$testdir/fakes/$script", '--port', '0',
		'--port-file', $portfile, '--config', "$dir/users.json",
		'--log', "$dir/fake.log", @args);
	my $port = slurp_file($portfile);
	$port =~ s/\s+//g;
	return { pid => $pid, port => $port, url => "http://127.0.0.1:$port",
		dir => $dir };
}

# Start @20minutes/s3rver (which checks SigV4) and the recorder in front of
# it (test/s3/start.cjs), installing their packages with npm first if
# needed.  Options: buckets => [names], keys => ['ACCESS:SECRET', ...].
# Returns a hash with url (s3rver), front (the recorder), data (where
# s3rver keeps objects: data/BUCKET/KEY._S3rver_object), pid, dir.
sub start_s3_servers
{
	my (%opts) = @_;
	my $s3src = "$testdir/s3";
	my $dir = PostgreSQL::Test::Utils::tempdir();
	my $node_version = `node --version 2>/dev/null` // '';
	die "the S3 tests need Node.js 20 or later (node --version said '$node_version')"
	  unless $node_version =~ /^v(\d+)\./ && $1 >= 20;
	unless (-f "$s3src/node_modules/\@20minutes/s3rver/package.json")
	{
		local $ENV{npm_config_cache} = "$dir/npm-cache";
		local $ENV{npm_config_update_notifier} = 'false';
		system('npm', 'ci', '--prefix', $s3src, '--no-audit', '--no-fund',
			'--loglevel=error') == 0
		  or die "npm ci --prefix $s3src failed";
	}
	my $portfile = "$dir/ports";
	my $pid = start_server('the S3 servers', $dir, $portfile,
		'node', '--openssl-legacy-provider', "$s3src/start.cjs",
		'--dir', "$dir/data", '--port-file', $portfile,
		(map { ('--bucket', $_) } @{ $opts{buckets} || [] }),
		(map { ('--key', $_) } @{ $opts{keys} || [] }));
	my $ports = JSON::PP->new->decode(slurp_file($portfile));
	return { pid => $pid, url => "http://127.0.0.1:$ports->{s3}",
		front => "http://127.0.0.1:$ports->{front}", data => "$dir/data",
		dir => $dir };
}

# Call the fake's control API; returns the decoded JSON answer.
sub fake_call
{
	my ($fake, $method, $path, $body) = @_;
	my $http = HTTP::Tiny->new(timeout => 30);
	my $res = $http->request($method, $fake->{url} . $path,
		defined $body
		? { content => JSON::PP->new->encode($body),
			headers => { 'Content-Type' => 'application/json' } }
		: {});
	die "fake $method $path: $res->{status} $res->{content}"
	  unless $res->{success};
	return length($res->{content}) ? JSON::PP->new->decode($res->{content}) : undef;
}

# A started cluster with Tracker preloaded and pointed at the fake.
sub tracker_node
{
	my ($name, $fake, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	my $url = $fake ? $fake->{url} : 'http://127.0.0.1:9';
	$node->append_conf('postgresql.conf', join("\n",
		"shared_preload_libraries = 'tracker'",
		"max_worker_processes = 32",
		"tracker.google_health_url = '$url'",
		"tracker.google_token_url = '$url/token'",
		"tracker.google_auth_url = '$url/o/oauth2/v2/auth'",
		"tracker.requests_per_minute = 100000",
		"tracker.retry_base_delay = '20ms'",
		"tracker.retry_max_delay = '200ms'",
		"tracker.max_retries = 3",
		"tracker.http_timeout = '2s'",
		@conf, ''));
	$node->start;
	return $node;
}

# A query's output, or "(error: ...)": a failed query is a failed test, not
# the end of the script.
sub query_or_error
{
	my ($node, $db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, $sql);
	return $ret == 0 ? $out : "(error: $err)";
}

# Everything the extension is in a database, as the catalogs describe it
# (describe_extension.sql): a hash of "kind name" => definition.
sub describe_extension
{
	my ($node, $db) = @_;
	my %obj;
	my $out = $node->safe_psql($db, slurp_file("$testdir/perl/describe_extension.sql"));
	for my $row (split /\x1e\n?/, $out)
	{
		my ($kind, $name, $def) = split /\x1f/, $row, 3;
		$obj{"$kind $name"} = $def if defined $name;
	}
	return \%obj;
}

# Poll a query until it returns the expected value, with a deadline.
sub poll_until
{
	my ($node, $query, $expected, $seconds) = @_;
	$seconds ||= 60;
	my $deadline = time() + $seconds;
	my $got;
	while (time() < $deadline)
	{
		# The server may be restarting: errors just mean "not yet".
		my ($ret, $out, $err) = $node->psql('postgres', $query);
		$got = $ret == 0 ? $out : "(error: $err)";
		return 1 if $ret == 0 && $got eq $expected;
		usleep(100_000);
	}
	diag("poll_until timed out: $query gave '$got', expected '$expected'");
	return 0;
}

1;
