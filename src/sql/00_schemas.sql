/* tracker--0.1.0.sql: install script of the tracker extension */

\echo Use "CREATE EXTENSION tracker" to load this file. \quit

/*
 * Layers.  The extension's own schema "tracker" (created from the control
 * file) holds accounts, settings, job state and the functions people call.
 * bronze keeps every raw payload as received, silver typed and deduplicated
 * rows, gold the daily figures, and api is the only schema the dashboard's
 * anonymous role may touch.  Every per-person table leads with account_id so
 * that the schema can later be distributed by account.
 */
CREATE SCHEMA bronze;
CREATE SCHEMA silver;
CREATE SCHEMA gold;
CREATE SCHEMA api;

COMMENT ON SCHEMA tracker IS 'Tracker: accounts, settings, jobs and the functions people call';
COMMENT ON SCHEMA bronze IS 'Tracker: every raw payload exactly as received';
COMMENT ON SCHEMA silver IS 'Tracker: typed, deduplicated data';
COMMENT ON SCHEMA gold IS 'Tracker: daily figures';
COMMENT ON SCHEMA api IS 'Tracker: what PostgREST serves to the dashboard';

-- The dashboard's anonymous role: it may use the api schema and nothing else.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracker_web') THEN
		CREATE ROLE tracker_web NOLOGIN;
	END IF;
END
$$;

REVOKE ALL ON SCHEMA tracker, bronze, silver, gold FROM PUBLIC;
GRANT USAGE ON SCHEMA api TO tracker_web;
