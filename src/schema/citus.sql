/* src/schema/citus.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Scaling out with Citus
------------------------------------------------------------------------------

/*
 * Which kind of Citus table each of Tracker's tables becomes:
 *   - 'reference': small tables every node reads (providers, data types,
 *     scopes), and the accounts with their connection state, which the
 *     coordinator's workers join with their local job tables when they
 *     claim a window (a local table joins a reference table on the
 *     coordinator, never a distributed one);
 *   - 'local': the job and claim tables, and the coordinator's own settings
 *     and secrets.  A window is claimed with FOR UPDATE SKIP LOCKED, which
 *     must stay one local statement: the workers run on the coordinator;
 *   - 'distributed': every other table keyed by account_id, distributed by
 *     it and co-located, so that all an account's rows are in one shard
 *     group and every query for one account is a router query.
 */
CREATE FUNCTION tracker.citus_table_kind(relation regclass)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN relation IN ('tracker.provider'::regclass, 'tracker.provider_data_type'::regclass,
						  'tracker.google_scope'::regclass, 'tracker.account'::regclass,
						  'tracker.account_auth'::regclass)
			THEN 'reference'
		WHEN relation IN ('tracker.job'::regclass, 'tracker.job_window'::regclass,
						  'tracker.account_backoff'::regclass, 'tracker.account_schedule'::regclass,
						  'tracker.oauth_pending'::regclass, 'tracker.notify_event'::regclass)
			THEN 'local'
		WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
					 WHERE a.attrelid = relation AND a.attname = 'account_id'
					   AND a.attnum > 0 AND NOT a.attisdropped)
			THEN 'distributed'
		ELSE 'local'
	END
$$;

COMMENT ON FUNCTION tracker.citus_table_kind(regclass) IS
	'How tracker.distribute() places a table on Citus: reference, distributed or local';

/*
 * Turn this database into a Citus one: run on the coordinator, after
 * CREATE EXTENSION citus and citus_add_node() for the worker nodes (each
 * with CREATE EXTENSION tracker done first).  Idempotent: a table already
 * placed is left as it is.  Foreign keys Citus refuses (from a local table
 * to a reference or distributed one) are dropped and listed; the two
 * triggers that act on other tables are dropped, because a trigger on a
 * reference table fires on every node's copy.
 */
CREATE FUNCTION tracker.distribute(shard_count integer DEFAULT NULL)
RETURNS TABLE (relation regclass, kind text, action text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning	-- Citus's notices for each table: the result says it all
AS $$
DECLARE
	r record;
	anchor regclass;
	placed text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'Citus is not installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Add citus first in shared_preload_libraries, then run CREATE EXTENSION citus.';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO STRICT placed;
	IF NOT placed::boolean THEN
		RAISE EXCEPTION 'tracker.distribute() runs on the Citus coordinator only'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'This database is a Citus worker node.';
	END IF;
	IF shard_count IS NOT NULL AND (shard_count < 1 OR shard_count > 64000) THEN
		RAISE EXCEPTION 'shard_count must be between 1 and 64000'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);

	CREATE TEMP TABLE tracker_placement ON COMMIT DROP AS
	SELECT c.oid::regclass AS rel, tracker.citus_table_kind(c.oid) AS kind,
		   (SELECT p.partmethod::text FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) AS now
	FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_catalog.pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
			AND d.deptype = 'e'
		JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'tracker'
	WHERE c.relkind = 'r' AND n.nspname IN ('tracker', 'bronze', 'silver', 'gold');

	-- Triggers that read or write other tables: on a reference table they
	-- would run on every node, against that node's own tables.
	DROP TRIGGER IF EXISTS account_auth_check ON tracker.account_auth;
	DROP TRIGGER IF EXISTS listening_account_connect ON tracker.account;

	-- Foreign keys that touch a table about to change are dropped first, and
	-- the ones Citus accepts are made again afterwards.
	CREATE TEMP TABLE tracker_fkey ON COMMIT DROP AS
	SELECT k.conrelid::regclass AS rel, k.conname AS name, pg_get_constraintdef(k.oid) AS def,
		   s.kind AS from_kind, t.kind AS to_kind
	FROM pg_catalog.pg_constraint k
		JOIN tracker_placement s ON s.rel = k.conrelid
		JOIN tracker_placement t ON t.rel = k.confrelid
	WHERE k.contype = 'f' AND (s.kind <> 'local' OR t.kind <> 'local')
	  AND (s.now IS NULL OR t.now IS NULL);
	FOR r IN SELECT * FROM tracker_fkey LOOP
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.name);
		/*
		 * A worker node's own copy of the table (CREATE EXTENSION tracker ran
		 * there too) becomes the table's shell there: it loses the key too,
		 * now, before this transaction holds any lock on the workers.
		 */
		PERFORM run_command_on_workers(format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I',
											  r.rel, r.name));
	END LOOP;
	PERFORM run_command_on_workers(
		'DROP TRIGGER IF EXISTS account_auth_check ON tracker.account_auth; '
		'DROP TRIGGER IF EXISTS listening_account_connect ON tracker.account');

	FOR r IN SELECT * FROM tracker_placement p WHERE p.kind = 'reference' AND p.now IS NULL
			 ORDER BY p.rel::oid LOOP
		PERFORM create_reference_table(r.rel);
		relation := r.rel; kind := r.kind; action := 'created';
		RETURN NEXT;
	END LOOP;

	-- One co-location group: the first distributed table anchors it.
	SELECT p.rel INTO anchor FROM tracker_placement p
	WHERE p.kind = 'distributed' AND p.now IS NOT NULL ORDER BY p.rel::oid LIMIT 1;
	FOR r IN SELECT * FROM tracker_placement p WHERE p.kind = 'distributed' AND p.now IS NULL
			 ORDER BY p.rel::oid LOOP
		IF anchor IS NULL THEN
			PERFORM create_distributed_table(r.rel, 'account_id', colocate_with => 'none',
											 shard_count => shard_count);
			anchor := r.rel;
		ELSE
			PERFORM create_distributed_table(r.rel, 'account_id', colocate_with => anchor::text);
		END IF;
		relation := r.rel; kind := r.kind; action := 'created';
		RETURN NEXT;
	END LOOP;

	FOR r IN SELECT * FROM tracker_fkey LOOP
		relation := r.rel; kind := r.from_kind;
		IF r.from_kind = 'local' THEN
			action := format('foreign key %s dropped: %s', r.name, r.def);
		ELSE
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.rel, r.name, r.def);
			action := format('foreign key %s kept', r.name);
		END IF;
		RETURN NEXT;
	END LOOP;

	-- The rows copied into the shards stay on disk in the local tables.
	FOR r IN SELECT * FROM tracker_placement p WHERE p.kind <> 'local' AND p.now IS NULL LOOP
		PERFORM truncate_local_data_after_distributing_table(r.rel);
	END LOOP;
	RETURN;
END
$$;

COMMENT ON FUNCTION tracker.distribute(integer) IS
	'Turn this database into a Citus one (run on the coordinator): per-account tables distributed by account_id, small shared ones as reference tables';
