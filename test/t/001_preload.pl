# The library must be preloaded; with it, the extension installs, imports
# and keeps its data across a restart.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = "$FindBin::RealBin/../fixtures";

# Without shared_preload_libraries: a clear error with a hint.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
my ($ret, $stdout, $stderr) =
  $plain->psql('postgres', 'CREATE EXTENSION tracker');
isnt($ret, 0, 'CREATE EXTENSION fails without the preload');
like($stderr, qr/tracker must be loaded via shared_preload_libraries/,
	'error names the setting');
like($stderr, qr/HINT:\s+Add "tracker" to shared_preload_libraries/,
	'error has a hint');
($ret, $stdout, $stderr) =
  $plain->psql('postgres', q{LOAD 'tracker'});
like($stderr, qr/tracker must be loaded via shared_preload_libraries/,
	'LOAD fails the same way');
$plain->stop;

# With the preload.
my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'tracker'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION tracker');
$node->safe_psql('postgres',
	q{SELECT tracker.add_account('kory', 'America/Edmonton', 'fitbit_import')});
my $rows = $node->safe_psql('postgres',
	"SELECT count(*) FROM tracker.import_fitbit_file(1, '$fixtures/korymath') WHERE status = 'imported'");
is($rows, '3', 'three fixture days imported');

my $before = $node->safe_psql('postgres',
	'SELECT day, samples, wear_minutes, resting_hr FROM gold.daily ORDER BY day');
$node->restart;
my $after = $node->safe_psql('postgres',
	'SELECT day, samples, wear_minutes, resting_hr FROM gold.daily ORDER BY day');
is($after, $before, 'figures survive a restart');
is($node->safe_psql('postgres', 'SELECT count(*) FROM silver.heart_rate WHERE account_id = 1'),
	$node->safe_psql('postgres', 'SELECT sum(samples) FROM silver.heart_rate_day'),
	'the heart_rate view decodes every stored sample');

$node->stop;
done_testing();
