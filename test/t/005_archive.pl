# The S3 archive against @20minutes/s3rver (which checks SigV4 signatures)
# and the recorder in front of it (test/s3/), both on 127.0.0.1: archive,
# re-archive, a changed day, a scheduled run, dropping the database and
# restoring it (every table and figure compared), partial and out-of-order
# restores, Deep Archive, corrupt and truncated objects, wrong credentials,
# a missing bucket, the network down, 5xx, paged listings, the lifecycle
# rule, and the keys staying out of logs and dumps.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex);
use File::Copy qw(copy);
use File::Find;
use HTTP::Tiny;
use IO::Compress::Gzip qw(gzip $GzipError);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use JSON::PP;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TrackerTest;

my $fixtures = fixtures_dir();
my $tmp = PostgreSQL::Test::Utils::tempdir();
my $bucket = 'tracker-test';
my $access_key = 'TRACKERTESTKEY';
my $secret = 'tracker-test-secret/0123+abc';

# The S3 servers (test/s3/start.cjs), stopped by pid at the end.
my $s3 = start_s3_servers(buckets => [ $bucket, 'tracker-other' ], keys => ["$access_key:$secret"]);
END { stop_server($s3); }
my $s3data = $s3->{data};
my $s3url = $s3->{url};
my $fronturl = $s3->{front};
my $http = HTTP::Tiny->new(timeout => 30);

sub front
{
	my ($method, $path, $body, $raw) = @_;
	my $res = $http->request($method, "$fronturl/_control/$path",
		defined $body
		? { content => $raw ? $body : encode_json($body) }
		: {});
	die "recorder $method $path: $res->{status} $res->{content}"
	  unless $res->{success};
	return $raw ? $res->{content} : decode_json($res->{content});
}

# A cluster with a fake Google Health API for a synced account.
my $fake = start_fake(
	users => [
		{
			id => 'other',
			refresh_token => 'rt-other',
			tz => 'Europe/Berlin',
			synthetic => { start => '2017-04-28', days => 6, seed => 11 }
		}
	]);
my $node = tracker_node('archive', $fake,
	'tracker.archive_enabled = off', 'tracker.archive_interval = 2s',
	'tracker.scheduler_naptime = 200ms', 'log_min_messages = debug1',
	'log_min_error_statement = panic');
my $archive_gucs = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_settings WHERE name IN ('tracker.archive_enabled', 'tracker.archive_interval')");

sub set_s3
{
	my ($db, %o) = @_;
	my $endpoint = $o{endpoint} // $s3url;
	my $b = $o{bucket} // $bucket;
	my $s = $o{secret} // $secret;
	my $p = $o{prefix} // 'tracker/';
	# Secrets are the caller's statements: keep them out of the statement log.
	$node->safe_psql($db, qq{SET log_statement = 'none';
		SELECT tracker.set_s3('$endpoint', '$b', 'us-east-1', '$access_key', '$s', '$p', true)});
}

# Poll a query in a database until it returns the expected value.
sub poll_db
{
	my ($db, $query, $expected, $seconds) = @_;
	my $until = time() + ($seconds || 60);
	my $got = '';
	while (time() < $until)
	{
		my ($ret, $out, $err) = $node->psql($db, $query);
		$got = $ret == 0 ? $out : "(error: $err)";
		return 1 if $got eq $expected;
		usleep(100_000);
	}
	diag("poll_db timed out: $query gave '$got', expected '$expected'");
	return 0;
}

sub fails
{
	my ($db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, $sql);
	return $ret == 0 ? '' : $err;
}

# Every object the bucket holds: name, size, mtime (who wrote what, when).
sub bucket_files
{
	my %files;
	find(
		sub {
			return unless /\._S3rver_object$/;
			my $rel = $File::Find::name;
			$rel =~ s{^\Q$s3data/$bucket/\E}{};
			$rel =~ s{\._S3rver_object$}{};
			my @st = stat($_);
			$files{$rel} = "$st[7]:$st[9]";
		},
		"$s3data/$bucket") if -d "$s3data/$bucket";
	return \%files;
}

sub object_path { return "$s3data/$bucket/$_[0]._S3rver_object"; }

# What a restore must give back, table by table, and the figures.
my %snapshot_sql = (
	accounts => 'SELECT account_id, name, provider, time_zone, birth_date, username, created_at '
	  . 'FROM tracker.account ORDER BY 1',
	bronze => 'SELECT account_id, payload_id, source, kind, origin, received_at, '
	  . "encode(sha256, 'hex'), byte_size, http_status, status, reason, "
	  . 'md5(tracker.payload_body(account_id, payload_id)) '
	  . 'FROM bronze.payload ORDER BY 1, 2',
	heart_rate_day => 'SELECT account_id, day, samples, first_at, last_at, md5(series) '
	  . 'FROM silver.heart_rate_day ORDER BY 1, 2',
	daily_reported => 'SELECT account_id, day, resting_hr, zone1_min, zone2_min, '
	  . 'zone3_min, zone4_min, zone4_max, zone1_minutes, zone2_minutes, zone3_minutes, '
	  . 'zone4_minutes, source, payload_id FROM silver.daily_reported ORDER BY 1, 2',
	exercise => 'SELECT account_id, exercise_id, exercise_type, display_name, start_at, end_at, day, '
	  . 'active_seconds, distance_m, calories_kcal, steps, avg_heart_rate, light_seconds, '
	  . 'moderate_seconds, vigorous_seconds, peak_seconds, payload_id FROM silver.exercise ORDER BY 1, 2',
	sleep => 'SELECT account_id, sleep_id, sleep_type, start_at, end_at, day, nap, minutes_asleep, '
	  . 'minutes_awake, minutes_in_period, stages, payload_id FROM silver.sleep ORDER BY 1, 2',
	steps => 'SELECT account_id, start_at, end_at, day, steps FROM silver.steps ORDER BY 1, 2',
	gold => 'SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes, '
	  . 'zone3_minutes, zone4_minutes, zone_source, zone_bounds, resting_hr, resting_hr_raw, '
	  . 'resting_hr_state, algorithm_version FROM gold.daily ORDER BY 1, 2',
	figures => "SELECT a.account_id, d.* FROM tracker.account a, "
	  . "tracker.daily(a.account_id, '[2017-01-01,2019-01-01)') d ORDER BY 1, 2",
	samples => 'SELECT account_id, count(*), sum(bpm), min(ts), max(ts) FROM silver.heart_rate '
	  . 'GROUP BY 1 ORDER BY 1',);

sub snapshot
{
	my ($db) = @_;
	my %s;
	$s{$_} = $node->safe_psql($db, $snapshot_sql{$_}) for keys %snapshot_sql;
	return \%s;
}

sub same_as
{
	my ($db, $want, $what) = @_;
	my $got = snapshot($db);
	for my $t (sort keys %snapshot_sql)
	{
		is($got->{$t}, $want->{$t}, "$what: $t");
	}
}

sub fresh_db
{
	my ($db, %o) = @_;
	$node->safe_psql('postgres', "DROP DATABASE IF EXISTS $db");
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION tracker');
	set_s3($db, %o);
}

# The database to archive: files of one account (with a rejected payload),
# a synced Google Health account.
$node->safe_psql('postgres', 'CREATE DATABASE orig');
$node->safe_psql('orig', q{
	CREATE EXTENSION tracker;
	SELECT tracker.add_account('kory files', 'America/Edmonton', 'fitbit_import', '1988-04-01');
	SELECT tracker.set_oauth_client('google_health', 'test-client', 'test-secret');
	SELECT tracker.add_account('other', 'Europe/Berlin', birth_date => '1990-02-03');
	SELECT tracker.set_refresh_token(2, 'rt-other');
});
$node->safe_psql('orig',
	"SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/korymath')");
$node->safe_psql('orig',
	"SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/export')");
like(fails('orig', "SELECT * FROM tracker.import_fitbit_file(1, '$fixtures/bad/heart_rate-2018-11-02.json')"),
	qr/could not import file/, 'a bad file is refused (and kept in bronze as rejected)');
is($node->safe_psql('orig',
		"SELECT rejected, errors, state FROM tracker.sync(2, '[2017-04-28,2017-05-04)')"),
	'0|0|connected', 'the Google Health account syncs');
is($node->safe_psql('orig',
		"SELECT count(DISTINCT kind) >= 5, count(*) FILTER (WHERE status = 'rejected') FROM bronze.payload"),
	't|1', 'bronze holds payloads of many kinds and one rejected');

# ------------------------------------------------------------------------
# Archive, archive again, change a day, archive again.
# ------------------------------------------------------------------------
set_s3('orig');
my $first = $node->safe_psql('orig',
	"SELECT account_id, data_type, month, version, status FROM tracker.archive(current_date) ORDER BY 1, 3, 2");
my @bundles = split /\n/, $first;
cmp_ok(scalar(@bundles), '>=', 12, 'the first archive writes a bundle per account, data type and month');
is(scalar(grep { /\|1\|uploaded$/ } @bundles), scalar(@bundles), 'every bundle is uploaded as version 1');
like($first, qr/^1\|fitbit_api_heart\|2017-05-01\|1\|uploaded$/m, 'Fitbit days of May 2017 form one bundle');
like($first, qr/^2\|heart-rate\|2017-04-01\|1\|uploaded$/m, 'synced heart rate of April 2017 forms one bundle');
like($first, qr/^2\|heart-rate\|2017-05-01\|1\|uploaded$/m, 'and May another');
like($first, qr/^1\|fitbit_file\|\d{4}-\d\d-01\|1\|uploaded$/m, 'the rejected payload is archived too');
my $files = bucket_files();
is(scalar(keys %$files), 2 * scalar(@bundles), 'the bucket holds a bundle and a manifest for each');
diag($node->safe_psql('orig',
		"SELECT 'heart-rate: ' || sum(payloads) || ' pages, ' || sum(payload_bytes) || ' bytes, '"
		  . " || sum(bundle_size) || ' bytes of gzip ('"
		  . " || round(sum(payload_bytes)::numeric / sum(bundle_size), 1) || 'x)'"
		  . " FROM tracker.archive_bundle WHERE data_type = 'heart-rate'"));

# A manifest describes its bundle exactly.
my $mkey = 'tracker/manifests/account-1/fitbit_api_heart/2017-05.v1.json';
my $manifest = decode_json(slurp_file(object_path($mkey)));
my $bundle = slurp_file(object_path($manifest->{bundle}{key}));
is($manifest->{bundle}{size}, length($bundle), 'the manifest has the size of the bundle');
is($manifest->{bundle}{sha256}, sha256_hex($bundle), 'and its SHA-256');
is($manifest->{bundle}{md5}, md5_hex($bundle), 'and its MD5');
is($manifest->{payloads}{count}, 2, 'it counts the payloads');
is($manifest->{account}{name}, 'kory files', 'it names the account');
is($manifest->{account}{birth_date}, '1988-04-01', 'with its birth date');
my $ndjson;
gunzip(\$bundle => \$ndjson) or die "gunzip failed: $GunzipError";
my @lines = map { decode_json($_) } split /\n/, $ndjson;
is(scalar(@lines), 2, 'the bundle holds one NDJSON line per payload');
is(sha256_hex($lines[0]{body}), $lines[0]{sha256}, 'each line holds the exact payload');
is_deeply([ map { $_->{sha256} } @{ $manifest->{items} } ], [ map { $_->{sha256} } @lines ],
	'the manifest lists every payload with its SHA-256, in order');

my $second = $node->safe_psql('orig',
	"SELECT account_id, data_type, month, version, status FROM tracker.archive(current_date) ORDER BY 1, 3, 2");
(my $unchanged = $first) =~ s/uploaded$/unchanged/mg;
is($second, $unchanged, 'archiving again finds every bundle unchanged');
is_deeply(bucket_files(), $files, 'and writes nothing to the bucket');

# Change one day: a corrected file for 2017-05-02.
my $day = decode_json(slurp_file("$fixtures/korymath/2017-05-02_datadumpHeart.json"));
my $dataset = $day->{'activities-heart-intraday'}{dataset};
$dataset->[100]{value} += 7;
mkdir "$tmp/changed";
open(my $fh, '>', "$tmp/changed/2017-05-02_datadumpHeart.json") or die;
print $fh encode_json($day);
close($fh);
$node->safe_psql('orig',
	"SELECT count(*) FROM tracker.import_fitbit_file(1, '$tmp/changed/2017-05-02_datadumpHeart.json')");

# A run that died between a bundle and its manifest left an orphan version 2.
my $orphan = 'tracker/bundles/account-1/fitbit_api_heart/2017-05.v2.ndjson.gz';
sub put_object
{
	my ($key, $data) = @_;
	open(my $o, '>', object_path($key)) or die "cannot write $key: $!";
	binmode $o;
	print $o $data;
	close($o);
}
put_object($orphan, 'left over');
$files->{$orphan} = bucket_files()->{$orphan};

my $third = $node->safe_psql('orig',
	"SELECT account_id, data_type, month, version, status FROM tracker.archive(current_date) ORDER BY 1, 3, 2");
(my $expected = $unchanged) =~ s/^1\|fitbit_api_heart\|2017-05-01\|1\|unchanged$/1|fitbit_api_heart|2017-05-01|3|uploaded/m;
is($third, $expected, 'after one day changed, only its bundle is uploaded, as a new version');
my $now = bucket_files();
my @new = sort grep { !exists $files->{$_} } keys %$now;
is_deeply(\@new,
	[
		'tracker/bundles/account-1/fitbit_api_heart/2017-05.v3.ndjson.gz',
		'tracker/manifests/account-1/fitbit_api_heart/2017-05.v3.json'
	],
	'the new version sits beside the old one (and past the orphan)');
is(scalar(grep { $files->{$_} ne $now->{$_} } keys %$files), 0, 'no object is overwritten');
is(decode_json(slurp_file(object_path('tracker/manifests/account-1/fitbit_api_heart/2017-05.v3.json')))
	  ->{payloads}{count}, 3, 'the new version holds the changed day as well');
is($node->safe_psql('orig',
		"SELECT state, bundles_total = bundles_done, uploaded, bytes_uploaded > 0 FROM tracker.archive_run ORDER BY run_id DESC LIMIT 1"),
	'done|t|1|t', 'tracker.archive_run records the run');
is($node->safe_psql('orig',
		"SELECT count(*) FROM tracker.archive_status WHERE state <> 'archived'"),
	'0', 'tracker.archive_status shows every month archived');
like($node->safe_psql('orig', 'SELECT tracker.archive_summary()'),
	qr/"configured" : true.*"months_pending" : 0/, 'the summary for the pipeline view');

# ------------------------------------------------------------------------
# Scheduled runs in the background.
# ------------------------------------------------------------------------
SKIP:
{
	skip 'tracker.archive_* settings are not defined (archive_init() is not called from _PG_init)', 3
	  if $archive_gucs ne '2';
	$day = decode_json(slurp_file("$fixtures/korymath/2017-06-29_datadumpHeart.json"));
	$day->{'activities-heart-intraday'}{dataset}[50]{value} += 3;
	open($fh, '>', "$tmp/changed/2017-06-29_datadumpHeart.json") or die;
	print $fh encode_json($day);
	close($fh);
	$node->safe_psql('orig',
		"SELECT count(*) FROM tracker.import_fitbit_file(1, '$tmp/changed/2017-06-29_datadumpHeart.json')");
	my $last = $node->safe_psql('orig', 'SELECT max(run_id) FROM tracker.archive_run');
	$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.archive_enabled = on');
	$node->reload;
	ok(poll_db('orig',
			"SELECT state, uploaded FROM tracker.archive_run WHERE run_id > $last "
			  . "AND trigger = 'scheduled' AND state IN ('done', 'failed') ORDER BY run_id LIMIT 1",
			'done|1', 90),
		'a scheduled run archives the changed month in the archive worker');
	$node->safe_psql('postgres', 'ALTER SYSTEM SET tracker.archive_enabled = off');
	$node->reload;
	ok(poll_db('orig',
			"SELECT count(*) FROM tracker.archive_run WHERE state = 'running'", '0', 60),
		'archiving is off again');
	ok(-f object_path('tracker/manifests/account-1/fitbit_api_heart/2017-06.v2.json'),
		'the scheduled run wrote version 2 of June');
	$node->safe_psql('orig', "DELETE FROM tracker.archive_run WHERE state = 'queued'");
}

# ------------------------------------------------------------------------
# Faults while archiving.
# ------------------------------------------------------------------------
set_s3('orig', secret => 'not-the-secret');
my $err = fails('orig', 'SELECT * FROM tracker.archive(current_date)');
like($err, qr/ERROR:  S3 refused the credentials for bucket "tracker-test"/, 'a wrong secret key: clear error');
like($err, qr/SignatureDoesNotMatch/, 'naming what S3 said');
like($err, qr/HINT:  Check the access key and the secret key given to tracker.set_s3\(\)/, 'and what to check');
like($node->safe_psql('orig',
		"SELECT state || ': ' || last_error FROM tracker.archive_run ORDER BY run_id DESC LIMIT 1"),
	qr/^failed: S3 refused the credentials/, 'the failed run is recorded despite the rollback');

set_s3('orig', bucket => 'no-such-bucket');
like(fails('orig', 'SELECT * FROM tracker.archive(current_date)'),
	qr/ERROR:  S3 bucket "no-such-bucket" does not exist at "\Q$s3url\E".*HINT:  Create the bucket/s,
	'a missing bucket: clear error');

set_s3('orig', endpoint => 'http://127.0.0.1:1');
like(fails('orig', 'SELECT * FROM tracker.archive(current_date)'),
	qr/ERROR:  could not reach S3 at "http:\/\/127.0.0.1:1".*connect_failed/s,
	'the network down: clear error after the retries');

# Through the recorder: passing 5xx are retried, lasting ones are errors.
set_s3('orig', endpoint => $fronturl);
front('GET', 'requests?clear=1');
front('POST', 'faults', [ { method => 'GET', query => 'list-type=2', times => 2, status => 503, code => 'SlowDown' } ]);
is($node->safe_psql('orig',
		"SELECT count(*) FILTER (WHERE status <> 'unchanged') FROM tracker.archive(current_date)"),
	'0', 'two 503 SlowDown answers are retried; nothing changed');
front('DELETE', 'faults');
front('POST', 'faults', [ { method => 'GET', query => 'list-type=2', times => -1, status => 500 } ]);
like(fails('orig', 'SELECT * FROM tracker.archive(current_date)'),
	qr/ERROR:  S3 failed to serve a request at "\Q$fronturl\E".*HTTP 500 InternalError/s,
	'a lasting 500: clear error');
front('DELETE', 'faults');

# Short listing pages: continuation tokens, sorted and encoded in the signature.
front('POST', 'page_size', { size => 3 });
front('GET', 'requests?clear=1');
is($node->safe_psql('orig',
		"SELECT count(*) FILTER (WHERE status <> 'unchanged') FROM tracker.archive(current_date)"),
	'0', 'a listing in pages of three is read whole');
my $requests = front('GET', 'requests?clear=1');
my @pages = grep { $_->{query} =~ /^continuation-token=[^&]+&list-type=2&prefix=tracker%2F$/ } @$requests;
cmp_ok(scalar(@pages), '>=', 5, 'continuation tokens are followed');
is(scalar(grep { !$_->{signature_ok} } @$requests), 0, 'every request is signed correctly');
front('POST', 'page_size', { size => 0 });

# ------------------------------------------------------------------------
# The lifecycle rule, against the recorder.
# ------------------------------------------------------------------------
my $other_rules = '<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>logs-expire</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule><Rule><ID>tracker-archive:tracker/bundles/</ID><Filter><Prefix>tracker/bundles/</Prefix></Filter><Status>Enabled</Status><Transition><Days>365</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>';
front('PUT', "lifecycle/$bucket", $other_rules, 1);
my $applied = $node->safe_psql('orig',
	'SELECT rule_id, rule_prefix, other_rules FROM tracker.apply_s3_lifecycle()');
is($applied, 'tracker-archive:tracker/bundles/|tracker/bundles/|1',
	'apply_s3_lifecycle merges its rule for the prefix and keeps the other rule');
my $stored = front('GET', "lifecycle/$bucket", undef, 1);
is($stored, $node->safe_psql('orig',
		"SELECT tracker.s3_lifecycle_merge(\$x\$$other_rules\$x\$, 'tracker/', 180, 'DEEP_ARCHIVE')"),
	'the bucket now holds exactly the merged document');
like($stored, qr{<Rule><ID>logs-expire</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>},
	'the other rule is kept verbatim');
is(scalar(() = $stored =~ /tracker-archive:/g), 1, 'Tracker\'s old rule is replaced, not repeated');
$requests = front('GET', 'requests?clear=1');
my ($get) = grep { $_->{method} eq 'GET' && $_->{query} eq 'lifecycle=' } @$requests;
my ($put) = grep { $_->{method} eq 'PUT' && $_->{query} eq 'lifecycle=' } @$requests;
ok($get && $get->{signature_ok}, 'the current rules are read with a signed GET ?lifecycle=');
ok($put && $put->{signature_ok}, 'and written with a signed PUT ?lifecycle=');
ok($put && $put->{md5_ok}, 'with the right Content-MD5');
is_deeply($put ? $put->{signed_headers} : [],
	[qw(content-md5 content-type host x-amz-content-sha256 x-amz-date)],
	'Content-MD5 and x-amz-content-sha256 are signed');
is($node->safe_psql('orig',
		"SELECT other_rules FROM tracker.apply_s3_lifecycle(90, 'glacier')"),
	'1', 'applying again replaces Tracker\'s rule');
like(front('GET', "lifecycle/$bucket", undef, 1),
	qr{<Days>90</Days><StorageClass>GLACIER</StorageClass>}, 'with the new days and class');
set_s3('orig', endpoint => $fronturl, bucket => 'tracker-other');
is($node->safe_psql('orig', 'SELECT other_rules FROM tracker.apply_s3_lifecycle()'),
	'0', 'a bucket without lifecycle rules gets Tracker\'s rule alone');
set_s3('orig');
like(fails('orig', 'SELECT * FROM tracker.apply_s3_lifecycle()'),
	qr/ERROR:  the S3 store at "\Q$s3url\E" does not support lifecycle configurations/,
	'a store without lifecycle support says so');

# ------------------------------------------------------------------------
# Drop the database and restore it from the archive.
# ------------------------------------------------------------------------
my $original = snapshot('orig');
my $bucket_before = bucket_files();
$node->safe_psql('postgres', 'DROP DATABASE orig');
fresh_db('orig');
my $restore = $node->safe_psql('orig',
	'SELECT account_id, data_type, month, status FROM tracker.restore_from_s3() ORDER BY 1, 3, 2');
is(scalar(grep { !/\|restored$/ } split(/\n/, $restore)), 0, 'every archived month is restored');
same_as('orig', $original, 'restored into a fresh database');
is($node->safe_psql('orig',
		"SELECT count(*) FROM tracker.account_status WHERE state = 'not_connected'"),
	'2', 'restored accounts have no credentials');
is($node->safe_psql('orig',
		"SELECT count(*) FILTER (WHERE status <> 'unchanged') FROM tracker.archive(current_date)"),
	'0', 'archiving the restored database uploads nothing');
is_deeply(bucket_files(), $bucket_before, 'the bucket is untouched');
is($node->safe_psql('orig',
		"SELECT string_agg(DISTINCT status, ',') FROM tracker.restore_from_s3()"),
	'held', 'restoring again changes nothing');
same_as('orig', $original, 'after restoring twice');
my $next_id = $node->safe_psql('orig',
	"SELECT tracker.add_account('new one', 'UTC', 'fitbit_import')");
is($next_id, '3', 'new accounts get ids after the restored ones');

# Part first (May of the synced account), then the rest: the older payloads
# are replayed before the later ones again, so the result is the same.
fresh_db('part');
is($node->safe_psql('part',
		"SELECT count(*), count(DISTINCT account_id), min(month), max(month) "
		  . "FROM tracker.restore_from_s3(account => 2, days => '[2017-05-01,2017-05-02)')"),
	$node->safe_psql('orig', q{SELECT count(*) || '|1|2017-05-01|2017-05-01' FROM tracker.archive_bundle
		WHERE account_id = 2 AND month = '2017-05-01'}),
	'a restore can take one account and the months overlapping some days');
is($node->safe_psql('part', 'SELECT count(*) FROM tracker.account'), '1', 'only that account is created');
$node->safe_psql('part', 'SELECT count(*) FROM tracker.restore_from_s3()');
same_as('part', $original, 'restored in two steps, older months last');

# ------------------------------------------------------------------------
# Deep Archive, corrupt and truncated objects.
# ------------------------------------------------------------------------
my $frozen = 'tracker/bundles/account-1/fitbit_export_heart_rate/2018-10.v1.ndjson.gz';
front('POST', 'frozen', { bucket => $bucket, keys => [$frozen] });
fresh_db('thaw', endpoint => $fronturl);
my ($ret, $out, $stderr) = $node->psql('thaw',
	"SELECT status || ' ' || coalesce(detail, '') FROM tracker.restore_from_s3() "
	  . "WHERE data_type = 'fitbit_export_heart_rate'");
is($ret, 0, 'a restore with a bundle still in Deep Archive succeeds');
like($out, qr/^in_deep_archive the object is in DEEP_ARCHIVE; request a temporary copy with aws s3api restore-object --bucket tracker-test --key \Q$frozen\E/,
	'the bundle is reported with how to thaw it');
like($stderr, qr/WARNING:  1 archived bundle could not be read yet/, 'and a warning says so');
is($node->safe_psql('thaw',
		"SELECT count(*) FROM bronze.payload WHERE kind = 'fitbit_export_heart_rate'"),
	'0', 'its payloads are not there yet');
front('DELETE', 'frozen');
$node->safe_psql('thaw', 'SELECT count(*) FROM tracker.restore_from_s3()');
same_as('thaw', $original, 'once thawed, restoring again completes the database');

# A corrupt bundle: one byte changed in the bucket.
my $victim = 'tracker/bundles/account-2/heart-rate/2017-04.v1.ndjson.gz';
my $good = slurp_file(object_path($victim));
my $bad = $good;
substr($bad, length($bad) / 2, 1) = chr(ord(substr($bad, length($bad) / 2, 1)) ^ 0x55);
put_object($victim, $bad);
fresh_db('broken');
$err = fails('broken', 'SELECT * FROM tracker.restore_from_s3()');
like($err, qr/ERROR:  archived bundle "\Q$victim\E" is corrupt\nDETAIL:  Its SHA-256 is [0-9a-f]{64}; its manifest says [0-9a-f]{64}\.\nHINT:  Nothing was restored\./,
	'a corrupt bundle is refused');
is($node->safe_psql('broken',
		'SELECT (SELECT count(*) FROM tracker.account) + (SELECT count(*) FROM bronze.payload) '
		  . '+ (SELECT count(*) FROM silver.heart_rate_day) + (SELECT count(*) FROM gold.daily)'),
	'0', 'and nothing is half-restored');

# A shorter object.
put_object($victim, substr($good, 0, length($good) - 100));
like(fails('broken', 'SELECT * FROM tracker.restore_from_s3()'),
	qr/ERROR:  archived bundle "\Q$victim\E" is corrupt\nDETAIL:  It has \d+ bytes; its manifest says \d+\./,
	'a truncated object is refused');

# A payload that does not match its checksum, in a bundle that matches its
# manifest (both rewritten).
my $text;
gunzip(\$good => \$text) or die;
my @rows = split /\n/, $text;
my $row = decode_json($rows[0]);
$row->{body} =~ s/"beatsPerMinute":"(\d+)"/'"beatsPerMinute":"' . ($1 + 1) . '"'/e
  or $row->{body} =~ s/(\d)/$1 == 9 ? 8 : $1 + 1/e;
$rows[0] = JSON::PP->new->canonical->encode($row);
my $tampered;
gzip(\(join("\n", @rows) . "\n") => \$tampered) or die;
put_object($victim, $tampered);
my $vmanifest = 'tracker/manifests/account-2/heart-rate/2017-04.v1.json';
my $mgood = slurp_file(object_path($vmanifest));
my $m = decode_json($mgood);
$m->{bundle}{size} = length($tampered);
$m->{bundle}{sha256} = sha256_hex($tampered);
put_object($vmanifest, encode_json($m));
like(fails('broken', 'SELECT * FROM tracker.restore_from_s3()'),
	qr/ERROR:  archived bundle "\Q$victim\E" is corrupt\nDETAIL:  Payload \d+ fails its checksum/,
	'a payload that does not match its SHA-256 is refused');
put_object($victim, $good);
put_object($vmanifest, $mgood);

# Truncated on the way: the connection drops half-way, every time.
set_s3('broken', endpoint => $fronturl);
front('POST', 'faults', [ { method => 'GET', path => 'account-2/heart-rate/2017-04\\.v1\\.ndjson\\.gz$', times => -1, truncate => JSON::PP::true } ]);
like(fails('broken', 'SELECT * FROM tracker.restore_from_s3()'),
	qr/ERROR:  archived bundle "\Q$victim\E" arrived truncated/, 'a download cut short is refused');
front('DELETE', 'faults');
is($node->safe_psql('broken', 'SELECT count(*) FROM bronze.payload'), '0', 'still nothing half-restored');
like(fails('broken', 'SELECT * FROM tracker.restore_from_s3()'), qr/^$/, 'with the faults gone it restores');
same_as('broken', $original, 'restored after the faults');

# ------------------------------------------------------------------------
# The keys stay out of logs, dumps and the dashboard's reach.
# ------------------------------------------------------------------------
unlike(slurp_file($node->logfile), qr/\Q$secret\E|not-the-secret/, 'no secret key in the server log');
like(fails('orig', 'SET ROLE tracker_web; SELECT secret_key FROM tracker.s3_config'),
	qr/permission denied/, 'tracker_web cannot read the keys');
my ($dump, $dump_err) = run_command([ 'pg_dump', '-h', $node->host, '-p', $node->port, '-d', 'orig' ]);
unlike($dump, qr/\Q$secret\E|TRACKERTESTKEY/, 'pg_dump leaves the keys out');
like($dump, qr/COPY tracker\.archive_bundle/, 'but keeps what was archived');

$node->stop;
stop_fake($fake);
done_testing();
