/* src/sql/90_privileges.sql: part of the tracker install script (see Makefile) */

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

-- Writers are for the extension owner (and whom they grant); readers too,
-- until the api schema exposes what the dashboard may see.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tracker FROM PUBLIC;

-- Keep user data in dumps of the database.
SELECT pg_catalog.pg_extension_config_dump('tracker.account', '');
SELECT pg_catalog.pg_extension_config_dump('bronze.payload', '');
SELECT pg_catalog.pg_extension_config_dump('silver.heart_rate_day', '');
SELECT pg_catalog.pg_extension_config_dump('silver.daily_reported', '');
SELECT pg_catalog.pg_extension_config_dump('gold.daily', '');
SELECT pg_catalog.pg_extension_config_dump('silver.exercise', '');
SELECT pg_catalog.pg_extension_config_dump('silver.sleep', '');
SELECT pg_catalog.pg_extension_config_dump('silver.steps', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.account_auth', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.sync_log', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.sync_state', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.job', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.job_window', '');

-- Start this database's scheduler when the installation commits.
SELECT tracker.wake_scheduler();

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
