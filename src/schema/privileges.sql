/* src/schema/privileges.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

-- Writers are for the extension owner (and whom they grant); readers too,
-- until the api schema exposes what the dashboard may see.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tracker FROM PUBLIC;

/*
 * What pg_dump keeps.  Every table of the extension goes into dumps of the
 * database except two kinds:
 *   - secrets (tracker.credential, tracker.oauth_client, tracker.oauth_pending,
 *     tracker.api_key, tracker.s3_key): never in any dump, whoever makes it;
 *     a restored database shows what must be connected or set again;
 *   - the rows the install script writes (tracker.provider,
 *     tracker.provider_data_type, tracker.google_scope): CREATE EXTENSION
 *     writes them again, and users add none.
 * The parts mark their own tables (listening, archive); these are the core's.
 */
SELECT pg_catalog.pg_extension_config_dump('tracker.account', '');
SELECT pg_catalog.pg_extension_config_dump('bronze.payload', '');
SELECT pg_catalog.pg_extension_config_dump('silver.heart_rate_day', '');
SELECT pg_catalog.pg_extension_config_dump('silver.daily_reported', '');
SELECT pg_catalog.pg_extension_config_dump('gold.daily', '');
SELECT pg_catalog.pg_extension_config_dump('silver.exercise', '');
SELECT pg_catalog.pg_extension_config_dump('silver.sleep', '');
SELECT pg_catalog.pg_extension_config_dump('silver.steps', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.account_profile', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.sync_log', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.sync_state', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.job', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.job_window', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.account_schedule', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.account_backoff', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.source_status', '');

/*
 * Connection states, but not those of listening accounts: restoring an
 * account row makes its trigger write the state again (connected, or
 * waiting for the Last.fm key that no dump holds), and a second row would
 * make the restore fail.  The OAuth accounts' rows come back 'connected'
 * and account_auth_check() turns them not_connected (no tokens in a dump).
 */
SELECT pg_catalog.pg_extension_config_dump('tracker.account_auth',
	'WHERE account_id NOT IN (SELECT a.account_id FROM tracker.account a'
	' JOIN tracker.provider p ON p.provider = a.provider WHERE p.kind = ''listening'')');

/*
 * The sequences of the identity columns of every dumped table: without
 * them a restored database hands out ids again from 1, and new accounts,
 * payloads, jobs, log rows and archive runs collide with restored ones.
 */
DO $$
DECLARE
	seq regclass;
BEGIN
	FOR seq IN
		SELECT pg_catalog.pg_get_serial_sequence(c.oid::regclass::text, a.attname)::regclass
		FROM pg_catalog.pg_extension e
			CROSS JOIN LATERAL unnest(e.extconfig) AS t(oid)
			JOIN pg_catalog.pg_class c ON c.oid = t.oid AND c.relkind = 'r'
			JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
				AND NOT a.attisdropped
		WHERE e.extname = 'tracker'
		  AND pg_catalog.pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL
		ORDER BY 1::text
	LOOP
		PERFORM pg_catalog.pg_extension_config_dump(seq, '');
	END LOOP;
END
$$;

-- Start this database's scheduler when the installation commits.
SELECT tracker.wake_scheduler();

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
