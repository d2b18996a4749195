/* src/schema/schemas.sql: the first part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

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

/*
 * The dashboard's anonymous role: it may use the api schema and nothing
 * else.  A role of that name made earlier (by an earlier install, or the
 * Docker init script) is adopted only if it is as weak as the one made here:
 * one that can log in, or has any attribute or membership that gives it more
 * than the api schema, would hand the dashboard's grants to whoever holds
 * it, so the install stops and says what to change.  An upgrade checks the
 * role again (the upgrade scripts run this block too).
 */
DO $$
DECLARE
	r pg_catalog.pg_roles;
	why text[] := '{}';
	member_of text;
BEGIN
	SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = 'tracker_web';
	IF NOT FOUND THEN
		CREATE ROLE tracker_web NOLOGIN;
		RETURN;
	END IF;
	IF r.rolcanlogin THEN why := why || 'LOGIN'::text; END IF;
	IF r.rolsuper THEN why := why || 'SUPERUSER'::text; END IF;
	IF r.rolcreaterole THEN why := why || 'CREATEROLE'::text; END IF;
	IF r.rolcreatedb THEN why := why || 'CREATEDB'::text; END IF;
	IF r.rolreplication THEN why := why || 'REPLICATION'::text; END IF;
	IF r.rolbypassrls THEN why := why || 'BYPASSRLS'::text; END IF;
	SELECT string_agg(pg_catalog.quote_ident(g.rolname), ', ' ORDER BY g.rolname)
	INTO member_of
	FROM pg_catalog.pg_auth_members m
		JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
	WHERE m.member = r.oid;
	IF cardinality(why) > 0 OR member_of IS NOT NULL THEN
		RAISE EXCEPTION 'role "tracker_web" exists and is not safe to adopt'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = concat_ws(' ',
						CASE WHEN cardinality(why) > 0 THEN
							'It has ' || array_to_string(why, ', ') || '.' END,
						CASE WHEN member_of IS NOT NULL THEN
							'It is a member of ' || member_of || '.' END,
						'Tracker grants this role the dashboard''s api schema and expects it to hold nothing else.'),
				  HINT = 'Make it a plain role, e.g. ALTER ROLE tracker_web NOLOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS and REVOKE its memberships (PostgREST logs in as another role that is GRANTed tracker_web), or DROP ROLE tracker_web, then run CREATE EXTENSION tracker (or ALTER EXTENSION tracker UPDATE) again.';
	END IF;
END
$$;

REVOKE ALL ON SCHEMA tracker, bronze, silver, gold FROM PUBLIC;
GRANT USAGE ON SCHEMA api TO tracker_web;
