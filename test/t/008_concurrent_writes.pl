# Writers of the same days at the same moment: two imports, an import and a
# sync, each with one half of a new day's samples, keep every sample; an
# import that fails for a lock timeout is not the document's fault (nothing
# is marked rejected, and importing it again works); a payload held as
# rejected is parsed again when it is imported again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $DAYS = 30;
my $legacy = PostgreSQL::Test::Utils::tempdir();

# Day $k (0-based) after a first day, as YYYY-MM-DD and as MM/DD/YY.
sub day_of
{
	my ($y, $m, $first, $k) = @_;
	my $d = $first + $k;
	return (sprintf('%04d-%02d-%02d', $y, $m, $d),
		sprintf('%02d/%02d/%02d', $m, $d, $y % 100));
}

# One half of a day as an account-export document (UTC times): the even
# minutes (half 0) or the odd ones (half 1), one sample each.
sub export_half
{
	my ($mdy, $half) = @_;
	my @s;
	for (my $m = $half; $m < 1440; $m += 2)
	{
		push @s, sprintf('{"dateTime": "%s %02d:%02d:00", "value": {"bpm": %d, "confidence": 2}}',
			$mdy, int($m / 60), $m % 60, 55 + $m % 30);
	}
	return '[' . join(', ', @s) . ']';
}

# The even minutes of a day as a Fitbit Web API file the fake serves as
# Google Health heart-rate points.
sub write_legacy_half
{
	my ($day) = @_;
	my @s;
	for (my $m = 0; $m < 1440; $m += 2)
	{
		push @s, sprintf('{"time": "%02d:%02d:00", "value": %d}',
			int($m / 60), $m % 60, 55 + $m % 30);
	}
	open(my $fh, '>', "$legacy/${day}_heart.json") or die "cannot write: $!";
	print $fh qq({"activities-heart": [{"dateTime": "$day", "value": {"customHeartRateZones": [], )
	  . qq("heartRateZones": [{"name": "Out of Range", "min": 30, "max": 95, "minutes": 0}, )
	  . qq({"name": "Fat Burn", "min": 95, "max": 133, "minutes": 0}, )
	  . qq({"name": "Cardio", "min": 133, "max": 162, "minutes": 0}, )
	  . qq({"name": "Peak", "min": 162, "max": 220, "minutes": 0}]}}], )
	  . qq("activities-heart-intraday": {"dataset": [) . join(', ', @s)
	  . qq(], "datasetInterval": 1, "datasetType": "second"}});
	close($fh);
}

write_legacy_half((day_of(2024, 4, 1, $_))[0]) for 0 .. $DAYS - 1;

my $fake = start_fake(
	users => [
		{
			id => 'racer',
			refresh_token => 'rt-racer-0123456789',
			tz => 'UTC',
			age => 30,
			data_dir => $legacy
		}
	]);
my $node = tracker_node('concurrent', $fake, 'tracker.enable_workers = off');

$node->safe_psql('postgres', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('synced', 'UTC');
	SELECT tracker.add_account('imports', 'UTC', 'fitbit_import');
	SET log_statement = 'none';
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.set_refresh_token(1, 'rt-racer-0123456789');
});

my $a = $node->background_psql('postgres');
my $b = $node->background_psql('postgres', on_error_stop => 0);
my $b_pid = $b->query_safe('SELECT pg_backend_pid()');

# Send a statement without waiting for its answer; collect it later.
my $async_n = 0;
sub send_async
{
	my ($s, $sql) = @_;
	my $tag = 'async-done-' . ++$async_n;
	$s->{stdin} .= "$sql;\n\\echo '$tag'\n\\warn '$tag'\n";
	$s->{run}->pump_nb;
	return $tag;
}

sub collect_async
{
	my ($s, $tag) = @_;
	$s->{run}->pump
	  until ($s->{stdout} =~ /$tag\n/ && $s->{stderr} =~ /$tag\n/)
	  || $s->{timeout}->is_expired;
	die "statement timed out" if $s->{timeout}->is_expired;
	my ($out, $err) = ($s->{stdout}, $s->{stderr});
	$out =~ s/\n?$tag\n//;
	$err =~ s/$tag\n//;
	$s->{stdout} = '';
	$s->{stderr} = '';
	return ($out, $err);
}

sub import_sql
{
	my ($account, $doc) = @_;
	return "SELECT status FROM tracker.import_fitbit_json($account, \$doc\$$doc\$doc\$)";
}

sub sync_sql
{
	my ($day) = @_;
	return "SELECT errors FROM tracker.sync(1, '[$day,$day]', ARRAY['heart-rate'])";
}

# The worst interleaving, made on purpose: the first writer has written the
# new day but not committed when the second one reads the day; the first
# commits while the second waits.  Returns the second writer's answer.
sub interleave
{
	my ($first, $second) = @_;
	$a->query_safe('BEGIN');
	$a->query_safe($first);
	my $tag = send_async($b, $second);
	poll_until($node,
		"SELECT wait_event_type FROM pg_stat_activity WHERE pid = $b_pid", 'Lock', 60)
	  or diag('the second writer did not wait for the first');
	$a->query_safe('COMMIT');
	my ($out, $err) = collect_async($b, $tag);
	return "$out$err";
}

sub samples
{
	my ($account, $day) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce((SELECT samples FROM silver.heart_rate_day WHERE account_id = $account "
		  . "AND day = '$day'), 0) || '/' || coalesce((SELECT samples FROM gold.daily "
		  . "WHERE account_id = $account AND day = '$day'), 0)");
}

# Two imports of the halves of each new day, the even half first on even
# days, the odd half first on odd days.
my (@lost, @answers);
for my $k (0 .. $DAYS - 1)
{
	my ($day, $mdy) = day_of(2024, 3, 1, $k);
	my @halves = (export_half($mdy, $k % 2), export_half($mdy, 1 - $k % 2));
	my $answer = interleave(import_sql(2, $halves[0]), import_sql(2, $halves[1]));
	push @answers, "$day: $answer" unless $answer eq 'imported';
	my $got = samples(2, $day);
	push @lost, "$day: $got" unless $got eq '1440/1440';
}
is(join(', ', @answers), '', 'two imports of one new day both answer imported');
is(join(', ', @lost), '', "two imports of the halves of a new day keep every sample, $DAYS days out of $DAYS");

# An import and a sync of the halves of each new day, in turn first.
(@lost, @answers) = ();
for my $k (0 .. $DAYS - 1)
{
	my ($day, $mdy) = day_of(2024, 4, 1, $k);
	my $import = import_sql(1, export_half($mdy, 1));
	my $answer = $k % 2
	  ? interleave($import, sync_sql($day))
	  : interleave(sync_sql($day), $import);
	my $want = $k % 2 ? '0' : 'imported';
	push @answers, "$day: $answer" unless $answer eq $want;
	my $got = samples(1, $day);
	push @lost, "$day: $got" unless $got eq '1440/1440';
}
is(join(', ', @answers), '', 'the import and the sync of one new day both succeed');
is(join(', ', @lost), '', "an import and a sync of the halves of a new day keep every sample, $DAYS days out of $DAYS");

# Both at the same moment with no transaction held open: however they
# meet, nothing is lost.
@lost = ();
for my $k (0 .. 9)
{
	my ($day, $mdy) = day_of(2024, 5, 1, $k);
	my $ta = send_async($a, import_sql(2, export_half($mdy, 0)));
	my $tb = send_async($b, import_sql(2, export_half($mdy, 1)));
	my ($oa, $ea) = collect_async($a, $ta);
	my ($ob, $eb) = collect_async($b, $tb);
	my $got = samples(2, $day);
	push @lost, "$day: $got ($oa$ea, $ob$eb)" unless $got eq '1440/1440';
}
is(join(', ', @lost), '', 'two imports sent at the same moment keep every sample, 10 days out of 10');

# The resting heart rate, smoothed over later days, is the same as when
# every day is computed again from silver afterwards.
my $resting = "SELECT string_agg(day || ':' || coalesce(resting_hr::text, '-') || ':' "
  . "|| coalesce(resting_hr_state::text, '-'), ',' ORDER BY day) FROM gold.daily WHERE account_id = 2";
my $before = $node->safe_psql('postgres', $resting);
$node->safe_psql('postgres', 'SELECT tracker.recompute(2)');
is($node->safe_psql('postgres', $resting), $before,
	'concurrent writers leave the smoothed resting heart rate as a recompute does');

# A lock timeout is not the document's fault.  Another session holds the row
# of a day the import must merge into.
my ($day, $mdy) = day_of(2024, 6, 1, 0);
is($node->safe_psql('postgres', import_sql(2, export_half($mdy, 0))), 'imported',
	'the first half of a day is imported');
$a->query_safe('BEGIN');
$a->query_safe("SELECT 1 FROM silver.heart_rate_day WHERE account_id = 2 AND day = '$day' FOR UPDATE");
$b->query("SET lock_timeout = '100ms'");
my ($out, $failed) = $b->query(import_sql(2, export_half($mdy, 1)));
ok($failed, 'the import fails while the day is locked');
like($b->{stderr}, qr/lock timeout/, 'with the lock timeout as the reason');
$b->{stderr} = '';
is($node->safe_psql('postgres',
		"SELECT count(*) FROM bronze.payload WHERE account_id = 2 AND status = 'rejected'"),
	'0', 'nothing is marked rejected');

# The same in a directory import: that file is reported as failed, not
# rejected, and the others go on.
my $dir = PostgreSQL::Test::Utils::tempdir();
chmod 0755, $dir;
my ($day2, $mdy2) = day_of(2024, 6, 1, 1);
for my $f ([ "heart_rate-$day.json", export_half($mdy, 1) ],
	[ "heart_rate-$day2.json", export_half($mdy2, 1) ])
{
	open(my $fh, '>', "$dir/$f->[0]") or die "cannot write: $!";
	print $fh $f->[1];
	close($fh);
}
($out) = $b->query("SELECT regexp_replace(file, '^.*/', '') || ':' || status "
	  . "FROM tracker.import_fitbit_file(2, '$dir') ORDER BY file");
is($out, "heart_rate-$day.json:failed\nheart_rate-$day2.json:imported",
	'a directory import reports the locked file as failed and imports the others');
$b->{stderr} = '';
is($node->safe_psql('postgres',
		"SELECT count(*) FROM bronze.payload WHERE account_id = 2 AND status = 'rejected'"),
	'0', 'still nothing is marked rejected');
$a->query_safe('COMMIT');

is($b->query_safe(import_sql(2, export_half($mdy, 1))), 'imported',
	'once the lock is gone the same document imports');
is(samples(2, $day), '1440/1440', 'and the whole day is kept');
($out) = $b->query("SELECT regexp_replace(file, '^.*/', '') || ':' || status "
	  . "FROM tracker.import_fitbit_file(2, '$dir') ORDER BY file");
is($out, "heart_rate-$day.json:imported\nheart_rate-$day2.json:duplicate",
	'importing the directory again imports the file that failed');
$b->{stderr} = '';

# A payload held as rejected (by an older parser, say) is parsed again when
# it is imported again; when it validates now, it is imported and accepted.
my $doc = export_half((day_of(2024, 6, 1, 2))[1], 0);
my $held = $node->safe_psql('postgres', qq{
	WITH b AS (SELECT convert_to((\$doc\$$doc\$doc\$::jsonb)::text, 'UTF8') AS body)
	INSERT INTO bronze.payload (account_id, source, sha256, byte_size, status, reason, body)
	SELECT 2, 'fitbit_json', sha256(body), length(body), 'rejected', 'an older parser refused it', body
	FROM b RETURNING payload_id});
is($node->safe_psql('postgres',
		"SELECT payload_id || ':' || status FROM tracker.import_fitbit_json(2, \$doc\$$doc\$doc\$)"),
	"$held:imported", 'a payload held as rejected is imported when it validates now');
is($node->safe_psql('postgres',
		"SELECT status || ':' || coalesce(reason, '-') || ':' || kind FROM bronze.payload WHERE payload_id = $held"),
	'accepted:-:fitbit_export_heart_rate', 'its bronze row turns accepted');

# One that still fails validation fails again, and is kept once.
my $bad = '[{"dateTime": "06/04/24 10:00:00", "value": {"bpm": 300, "confidence": 2}}]';
my ($ret, $o1, $e1) = $node->psql('postgres', import_sql(2, $bad));
like($e1, qr/bpm 300 is outside/, 'an invalid document is refused');
($ret, $o1, $e1) = $node->psql('postgres', import_sql(2, $bad));
like($e1, qr/bpm 300 is outside/, 'and refused again when imported again');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM bronze.payload WHERE account_id = 2 AND status = 'rejected'"),
	'1', 'it is kept once, as rejected');

$a->quit;
$b->quit;
$node->stop;
stop_fake($fake);
done_testing();
