/* src/schema/bench.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Measurement hooks for bench/ (superusers only)
------------------------------------------------------------------------------

CREATE FUNCTION tracker.bench_ingest(account integer, bodies bytea[],
									 write boolean DEFAULT true,
									 data_type text DEFAULT 'heart-rate',
									 OUT pages integer, OUT samples bigint,
									 OUT bytes bigint, OUT parse_ms double precision,
									 OUT bronze_ms double precision,
									 OUT silver_ms double precision,
									 OUT encode_ms double precision,
									 OUT gold_ms double precision,
									 OUT total_ms double precision)
RETURNS record
AS 'MODULE_PATHNAME', 'tracker_bench_ingest'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.bench_ingest(integer, bytea[], boolean, text) IS
	'Benchmark hook (superusers only): write Google Health heart-rate pages through the sync path (parse, bronze, silver, gold) and time each phase; with write => false, parse pages of any data type';

REVOKE ALL ON FUNCTION tracker.bench_ingest(integer, bytea[], boolean, text) FROM PUBLIC;
