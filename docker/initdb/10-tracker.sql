-- Run once by the postgres image's entrypoint on an empty data directory
-- (psql -f, in $POSTGRES_DB), and by the browser tests (test/e2e/run), so
-- the tests exercise the same setup as the image.
--
-- Environment (all optional):
--   AUTHENTICATOR_PASSWORD   password of the role PostgREST logs in as
--   GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET
--                            the Google Cloud OAuth client Tracker uses
--   TRACKER_JWT_SECRET       PostgREST's jwt-secret (PGRST_JWT_SECRET, at
--                            least 32 characters): tracker.owner_token()
--                            signs the owner's sign-in tokens with it

CREATE EXTENSION IF NOT EXISTS tracker;

-- PostgREST logs in as "authenticator" and switches to tracker_web (its
-- db-anon-role) for every request.  NOINHERIT: logged in, it has no rights
-- of its own; it may only SET ROLE to the roles granted to it.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
		CREATE ROLE authenticator NOINHERIT LOGIN;
	END IF;
END
$$;
GRANT tracker_web TO authenticator;
-- A request with the owner's token (its role claim) runs as tracker_owner.
GRANT tracker_owner TO authenticator;

-- \getenv leaves a variable alone when the environment lacks it, and compose
-- passes unset variables as empty strings: both mean "not given".
\set pw ''
\getenv pw AUTHENTICATOR_PASSWORD
SELECT :'pw' <> '' AS have_pw \gset
\if :have_pw
ALTER ROLE authenticator PASSWORD :'pw';
\endif
\unset pw

\set client_id ''
\set client_secret ''
\getenv client_id GOOGLE_CLIENT_ID
\getenv client_secret GOOGLE_CLIENT_SECRET
SELECT :'client_id' <> '' AND :'client_secret' <> '' AS have_client \gset
\if :have_client
SELECT tracker.set_oauth_client('google_health', :'client_id', :'client_secret');
\endif
\unset client_secret

-- The secret is kept out of the server log, as every secret.
\set jwt_secret ''
\getenv jwt_secret TRACKER_JWT_SECRET
SELECT :'jwt_secret' <> '' AS have_jwt_secret \gset
\if :have_jwt_secret
SET log_statement = 'none';
SELECT tracker.set_jwt_secret(:'jwt_secret');
RESET log_statement;
\endif
\unset jwt_secret

-- Tell a running PostgREST to load the api schema again.
NOTIFY pgrst, 'reload schema';
