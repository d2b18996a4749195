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

our @EXPORT = qw(start_fake stop_fake fake_call tracker_node fixtures_dir
  poll_until json_decode);

my $testdir = File::Spec->rel2abs(dirname(__FILE__) . '/..');

sub fixtures_dir { return "$testdir/fixtures"; }

sub json_decode { return JSON::PP->new->decode($_[0]); }

# Start the fake API on a free port; returns a hash with url, pid.
sub start_fake
{
	my (%opts) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir();
	my $portfile = "$dir/port";
	my $config = "$dir/users.json";
	open(my $fh, '>', $config) or die "cannot write $config: $!";
	print $fh JSON::PP->new->encode($opts{users} || []);
	close($fh);
	my @cmd = ('/usr/bin/python3', "$testdir/fakes/google_health.py",
		'--port', '0', '--port-file', $portfile, '--config', $config,
		'--log', "$dir/fake.log", @{ $opts{args} || [] });
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDOUT, '>>', "$dir/fake.out");
		open(STDERR, '>>', "$dir/fake.out");
		exec(@cmd) or die "exec failed: $!";
	}
	my $deadline = time() + 30;
	while (!-s $portfile)
	{
		die "fake API did not start: " . slurp_file("$dir/fake.out")
		  if time() > $deadline || waitpid($pid, WNOHANG) == $pid;
		usleep(50_000);
	}
	my $port = slurp_file($portfile);
	$port =~ s/\s+//g;
	return { pid => $pid, port => $port, url => "http://127.0.0.1:$port",
		dir => $dir };
}

sub stop_fake
{
	my ($fake) = @_;
	return unless $fake && $fake->{pid};
	kill 'TERM', $fake->{pid};
	waitpid($fake->{pid}, 0);
	$fake->{pid} = undef;
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
