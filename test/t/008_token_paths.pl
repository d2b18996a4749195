# The access token is freed (and wiped) on every path of the OAuth code:
# an answer without a refresh token, and a token store that fails, both
# while connecting and while refreshing.  Each path is run hundreds of
# times in one session against a token endpoint that hands out tokens of
# 4,000 characters with a 4,000-character scope; a path that kept them
# would grow the backend by about 8 kB per call.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use POSIX ":sys_wait_h";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use TrackerTest;

# A token endpoint on 127.0.0.1: every answer is a token; the code
# "norefresh" gets one without a refresh token.
my $dir = PostgreSQL::Test::Utils::tempdir();
open(my $fh, '>', "$dir/token.py") or die "cannot write: $!";
print $fh <<'PY';
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

SCOPE = " ".join(["https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly"] * 50)[:4000]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(n).decode())
        tok = {"access_token": "ya29." + os.urandom(16).hex() + "A" * 3963,
               "expires_in": 3599, "token_type": "Bearer", "scope": SCOPE}
        if form.get("code") != ["norefresh"]:
            tok["refresh_token"] = "1//rt-" + os.urandom(8).hex()
        body = json.dumps(tok).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

s = HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
close($fh);

my $pid = fork();
die "fork failed: $!" unless defined $pid;
if ($pid == 0)
{
	open(STDOUT, '>>', "$dir/token.out");
	open(STDERR, '>>', "$dir/token.out");
	exec('/usr/bin/python3', "$dir/token.py", "$dir/port") or die "exec failed: $!";
}
my $deadline = time() + 30;
while (!-s "$dir/port")
{
	die "token endpoint did not start: " . slurp_file("$dir/token.out")
	  if time() > $deadline || waitpid($pid, WNOHANG) == $pid;
	usleep(50_000);
}
my $port = slurp_file("$dir/port");

my $node = tracker_node('tokens', undef, 'tracker.enable_workers = off',
	"tracker.google_token_url = 'http://127.0.0.1:$port/token'",
	"tracker.google_health_url = 'http://127.0.0.1:$port'");
$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('me', 'UTC');
	SET log_statement = 'none';
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.authorize_url(1, 'http://localhost:8080/callback');
	CREATE FUNCTION public.refuse_credential() RETURNS trigger LANGUAGE plpgsql
	AS $$ BEGIN RAISE EXCEPTION 'the credential store is failing'; END $$;
});

my $s = $node->background_psql('postgres', on_error_stop => 0);
my $backend = $s->query_safe('SELECT pg_backend_pid()');

# The backend's data segment (heap), in bytes.
sub vmdata
{
	my $status = slurp_file("/proc/$backend/status");
	$status =~ /^VmData:\s+(\d+) kB/m or die "no VmData for $backend";
	return $1 * 1024;
}

# Run a statement that fails n times; the bytes the backend grew per call
# after a warm-up, and the error it gave.
sub growth_per_call
{
	my ($sql, $n) = @_;
	my $err;
	for (1 .. 30)
	{
		$s->query($sql);
		$err = $s->{stderr};
		$s->{stderr} = '';
	}
	my $before = vmdata();
	for (1 .. $n)
	{
		$s->query($sql);
		$s->{stderr} = '';
	}
	my $grew = (vmdata() - $before) / $n;
	note("$sql: the backend grew $grew bytes per call over $n calls");
	return ($grew, $err);
}

# A kept token and scope would be about 8,000 bytes a call; allow a quarter.
my $N = 400;
my $limit = 2000;

# A path that fails every time: its error, and nothing left behind.
sub failing_path
{
	my ($sql, $error, $what, $kept) = @_;
	my ($grew, $err) = growth_per_call($sql, $N);
	like($err, $error, $what);
	cmp_ok($grew, '<', $limit, "$kept leaves nothing behind (bytes per call, over $N calls)");
}

failing_path("SELECT tracker.connect(1, 'norefresh', 'http://localhost:8080/callback')",
	qr/sent no refresh token/, 'an answer without a refresh token is refused',
	'the refused answer');

my $refuse = q{
	CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON tracker.credential
	FOR EACH ROW EXECUTE FUNCTION public.refuse_credential()};
$node->safe_psql('postgres', $refuse);
failing_path("SELECT tracker.connect(1, 'code', 'http://localhost:8080/callback')",
	qr/the credential store is failing/, 'connecting fails when the token store fails',
	'a failing token store while connecting');

$node->safe_psql('postgres', q{
	DROP TRIGGER refuse ON tracker.credential;
	SET log_statement = 'none';
	SELECT tracker.set_refresh_token(1, '1//rt-0123456789');} . $refuse);
failing_path("SELECT * FROM tracker.sync(1, '[2024-01-01,2024-01-02)', ARRAY['heart-rate'])",
	qr/the credential store is failing/, 'a refresh fails when the token store fails',
	'a failing token store while refreshing');

$s->quit;
$node->stop;
kill 'TERM', $pid;
waitpid($pid, 0);
done_testing();
