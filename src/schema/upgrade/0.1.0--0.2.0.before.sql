/* src/schema/upgrade/0.1.0--0.2.0.before.sql: the first step from 0.1.0 to 0.2.0 (see build.sh) */

/*
 * The benchmark hook: 0.1.0 created tracker.bench_ingest() in every
 * installation, 0.2.0 only in a build with make BENCH=1 (whose functions,
 * below, create it again).  The 0.1.0 script as shipped leaves it out, so a
 * database may or may not have it.
 */
DROP FUNCTION IF EXISTS tracker.bench_ingest(integer, bytea[], boolean, text);
