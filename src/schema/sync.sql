/* src/schema/sync.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Live sync: OAuth clients, credentials, account state, sync log
------------------------------------------------------------------------------

/*
 * Secrets.  Only the extension owner can read these tables: no grant is
 * ever given on them, they are left out of pg_dump's extension data (a
 * restored database must be reconnected), and Tracker never puts their
 * values in a message, a log line or pg_stat_activity.
 */
CREATE TABLE tracker.oauth_client (
	provider text PRIMARY KEY REFERENCES tracker.provider,
	client_id text NOT NULL,
	client_secret text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tracker.credential (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	refresh_token text,
	access_token text,
	access_expires_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tracker.oauth_pending (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	state text NOT NULL UNIQUE,
	code_verifier text NOT NULL,
	redirect_uri text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.oauth_client, tracker.credential, tracker.oauth_pending FROM PUBLIC;

COMMENT ON TABLE tracker.credential IS
	'OAuth tokens per account; readable only by the extension owner';

-- Whether an account can be synced, and why not.
CREATE TABLE tracker.account_auth (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	state text NOT NULL DEFAULT 'not_connected'
		CHECK (state IN ('not_connected', 'connected', 'needs_reauth')),
	reason text,
	since timestamptz NOT NULL DEFAULT now(),
	scopes text[],				-- granted
	missing_scopes text[]		-- asked for but not granted
);

/*
 * An OAuth account is connected only while it holds a refresh token.  The
 * tokens are never part of a dump, so a database restored from one gets its
 * accounts back 'connected' without them: this keeps such an account
 * not_connected, with the reason and what to do, so that the status views
 * show exactly which accounts need connecting again and the workers leave
 * them alone instead of failing on them.  Every path that connects an
 * account stores the token first.
 */
CREATE FUNCTION tracker.account_auth_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.state = 'connected'
		AND EXISTS (SELECT 1 FROM tracker.account a
					WHERE a.account_id = NEW.account_id AND a.provider = 'google_health')
		AND NOT EXISTS (SELECT 1 FROM tracker.credential c
						WHERE c.account_id = NEW.account_id AND c.refresh_token IS NOT NULL) THEN
		NEW.state := 'not_connected';
		NEW.reason := 'no credentials are held (they are never part of a dump): connect the account '
			'again with tracker.authorize_url() and tracker.connect(), or tracker.set_refresh_token()';
		NEW.since := now();
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER account_auth_check
	BEFORE INSERT OR UPDATE OF state ON tracker.account_auth
	FOR EACH ROW EXECUTE FUNCTION tracker.account_auth_check();

-- One row per request a sync made.
CREATE TABLE tracker.sync_log (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	log_id bigint GENERATED ALWAYS AS IDENTITY,
	at timestamptz NOT NULL DEFAULT now(),
	data_type text,
	request text,				-- method and URL; never a credential
	http_status smallint,
	outcome text NOT NULL,		-- ok, rejected, retry, failed, skipped, auth
	bytes integer,
	duration_ms real,
	rows_written integer,
	payload_id bigint,
	error text,
	PRIMARY KEY (account_id, log_id)
);

CREATE INDEX sync_log_at ON tracker.sync_log (at);

COMMENT ON TABLE tracker.sync_log IS
	'One row per HTTP request made for an account: status, bytes, duration, rows written, error';

-- How far each account and data type has been synced.
CREATE TABLE tracker.sync_state (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	data_type text NOT NULL,
	last_success_at timestamptz,
	synced_through date,		-- the latest local day of a committed window
	last_error text,
	last_error_at timestamptz,
	newest_at timestamptz,		-- the newest point held that scheduled syncs read up to
	PRIMARY KEY (account_id, data_type)
);

CREATE FUNCTION tracker.set_oauth_client(provider text, client_id text, client_secret text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM tracker.require_provider(provider);
	IF coalesce(client_id, '') = '' OR coalesce(client_secret, '') = '' THEN
		RAISE EXCEPTION 'client id and client secret must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO tracker.oauth_client AS c (provider, client_id, client_secret)
	VALUES (set_oauth_client.provider, set_oauth_client.client_id, set_oauth_client.client_secret)
	ON CONFLICT ON CONSTRAINT oauth_client_pkey DO UPDATE
		SET client_id = excluded.client_id, client_secret = excluded.client_secret,
			updated_at = now();
END
$$;

COMMENT ON FUNCTION tracker.set_oauth_client(text, text, text) IS
	'Store the OAuth client of a provider (keep the call out of statement logs: see README)';

/*
 * What each syncing provider reads, in the order a sync runs it, and the
 * length of a window of each in days (see src/provider.h).  A backfill
 * reads with as few requests as the API allows, every page full but the
 * last of a type (see tracker.plan_windows):
 *   - the pages of the dense types, heart rate and steps (cursor_across),
 *     run down the whole backfill with one cursor that passes from window
 *     to window (the windows stay a week long: they are the job's
 *     progress);
 *   - sessions and the daily types read with list take a year a window
 *     (backfill_window_days): a page holds 25 sessions, or a daily point of
 *     every day of a year;
 *   - the roll-ups keep the API's longest range, the other types their
 *     windows.
 */
CREATE TABLE tracker.provider_data_type (
	provider text NOT NULL REFERENCES tracker.provider,
	data_type text NOT NULL,
	ord integer NOT NULL,
	window_days integer NOT NULL CHECK (window_days > 0),
	backfill_window_days integer CHECK (backfill_window_days > 0),	-- null: window_days
	cursor_across boolean NOT NULL DEFAULT false,
	PRIMARY KEY (provider, data_type)
);

INSERT INTO tracker.provider_data_type VALUES
	('google_health', 'profile', 0, 100000, NULL, false),
	('google_health', 'daily-heart-rate-zones', 1, 90, 366, false),
	('google_health', 'daily-resting-heart-rate', 2, 90, 366, false),
	('google_health', 'time-in-heart-rate-zone', 3, 90, NULL, false),
	('google_health', 'heart-rate', 4, 7, NULL, true),
	('google_health', 'steps', 5, 7, NULL, true),
	('google_health', 'exercise', 6, 30, 366, false),
	('google_health', 'sleep', 7, 30, 366, false),
	-- vitals and body measurements
	('google_health', 'heart-rate-variability', 8, 14, NULL, false),
	('google_health', 'daily-heart-rate-variability', 9, 90, 366, false),
	('google_health', 'oxygen-saturation', 10, 14, NULL, false),
	('google_health', 'daily-oxygen-saturation', 11, 90, 366, false),
	('google_health', 'daily-respiratory-rate', 12, 90, 366, false),
	('google_health', 'respiratory-rate-sleep-summary', 13, 14, NULL, false),
	('google_health', 'daily-sleep-temperature-derivations', 14, 90, 366, false),
	('google_health', 'weight', 15, 14, NULL, false),
	('google_health', 'body-fat', 16, 14, NULL, false),
	('google_health', 'daily-vo2-max', 17, 90, 366, false),
	('google_health', 'vo2-max', 18, 14, NULL, false);

-- activity: distance and floors have a point every minute (7 days is about
-- one 10,000-point page); active-minutes and total-calories roll-ups may
-- span at most 14 days, the others 90.
INSERT INTO tracker.provider_data_type VALUES
	('google_health', 'active-zone-minutes', 19, 14, NULL, false),
	('google_health', 'active-minutes', 20, 14, NULL, false),
	('google_health', 'distance', 21, 7, NULL, false),
	('google_health', 'floors', 22, 7, NULL, false),
	('google_health', 'total-calories', 23, 14, NULL, false),
	('google_health', 'sedentary-period', 24, 30, NULL, false);

-- The read-only scopes Tracker asks Google for, and what each covers.
CREATE TABLE tracker.google_scope (
	data_type text PRIMARY KEY,
	scope text NOT NULL
);

INSERT INTO tracker.google_scope VALUES
	('heart-rate', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-resting-heart-rate', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-heart-rate-zones', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('time-in-heart-rate-zone', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('exercise', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('sleep', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'),
	('steps', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('settings', 'https://www.googleapis.com/auth/googlehealth.settings.readonly'),
	('profile', 'https://www.googleapis.com/auth/googlehealth.profile.readonly'),
	-- vitals and body measurements
	('heart-rate-variability', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-heart-rate-variability', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('oxygen-saturation', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-oxygen-saturation', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-respiratory-rate', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('respiratory-rate-sleep-summary', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-sleep-temperature-derivations', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('weight', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('body-fat', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'),
	('daily-vo2-max', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('vo2-max', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly');

-- activity
INSERT INTO tracker.google_scope VALUES
	('active-zone-minutes', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('active-minutes', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('distance', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('floors', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('total-calories', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'),
	('sedentary-period', 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly');

-- What the provider says of the user: time zone and age.
CREATE TABLE tracker.account_profile (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	time_zone text,
	utc_offset_s integer,
	age integer CHECK (age BETWEEN 0 AND 150),
	fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION tracker.authorize_url(account integer, redirect_uri text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	acc tracker.account;
	cl tracker.oauth_client;
	verifier text;
	challenge text;
	st text;
	scopes text;
BEGIN
	SELECT * INTO acc FROM tracker.account a WHERE a.account_id = authorize_url.account;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', account USING ERRCODE = 'no_data_found';
	END IF;
	SELECT * INTO cl FROM tracker.oauth_client c WHERE c.provider = acc.provider;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no OAuth client is set for provider "%"', acc.provider
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Call tracker.set_oauth_client() with the client id and secret of your Google Cloud OAuth client.';
	END IF;
	IF redirect_uri IS NULL OR redirect_uri !~ '^https?://' THEN
		RAISE EXCEPTION 'redirect URI must be an http or https URL'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- PKCE (RFC 7636): a random verifier, and its S256 challenge.
	verifier := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
	challenge := translate(rtrim(encode(sha256(convert_to(verifier, 'UTF8')), 'base64'), '='), '+/', '-_');
	st := replace(gen_random_uuid()::text, '-', '');
	SELECT string_agg(DISTINCT scope, ' ') INTO scopes FROM tracker.google_scope;

	INSERT INTO tracker.oauth_pending AS p (account_id, state, code_verifier, redirect_uri)
	VALUES (authorize_url.account, st, verifier, authorize_url.redirect_uri)
	ON CONFLICT (account_id) DO UPDATE
		SET state = excluded.state, code_verifier = excluded.code_verifier,
			redirect_uri = excluded.redirect_uri, created_at = now();

	RETURN current_setting('tracker.google_auth_url')
		|| '?response_type=code'
		|| '&client_id=' || tracker.url_encode(cl.client_id)
		|| '&redirect_uri=' || tracker.url_encode(redirect_uri)
		|| '&scope=' || tracker.url_encode(scopes)
		|| '&state=' || st
		|| '&code_challenge=' || challenge
		|| '&code_challenge_method=S256'
		|| '&access_type=offline&prompt=consent&include_granted_scopes=true';
END
$$;

COMMENT ON FUNCTION tracker.authorize_url(integer, text) IS
	'The Google consent link for an account (offline access, PKCE S256, a state checked on return)';

CREATE FUNCTION tracker.url_encode(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'tracker_url_encode'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION tracker.connect(account integer, code text, redirect_uri text,
								state text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'tracker_connect'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.connect(integer, text, text, text) IS
	'Exchange the code Google sent back to the redirect URI for tokens; returns the account state';

CREATE FUNCTION tracker.set_refresh_token(account integer, refresh_token text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM tracker.require_account(account);
	IF coalesce(refresh_token, '') = '' THEN
		RAISE EXCEPTION 'refresh token must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO tracker.credential AS c (account_id, refresh_token, access_token, access_expires_at)
	VALUES (set_refresh_token.account, set_refresh_token.refresh_token, NULL, NULL)
	ON CONFLICT ON CONSTRAINT credential_pkey DO UPDATE
		SET refresh_token = excluded.refresh_token, access_token = NULL,
			access_expires_at = NULL, updated_at = excluded.updated_at;
	PERFORM tracker.set_account_state(set_refresh_token.account, 'connected', NULL);
END
$$;

COMMENT ON FUNCTION tracker.set_refresh_token(integer, text) IS
	'Connect an account with a refresh token obtained elsewhere';

CREATE FUNCTION tracker.set_account_state(account integer, state text, reason text,
										  scopes text[] DEFAULT NULL,
										  missing_scopes text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	was_missing text[];
	regained text[];
BEGIN
	PERFORM tracker.require_account($1);
	SELECT a.missing_scopes INTO was_missing FROM tracker.account_auth a WHERE a.account_id = $1;
	INSERT INTO tracker.account_auth AS a (account_id, state, reason, since, scopes, missing_scopes)
	VALUES ($1, $2, $3, now(), $4, $5)
	ON CONFLICT (account_id) DO UPDATE
		SET state = excluded.state, reason = excluded.reason,
			since = CASE WHEN a.state = excluded.state AND a.reason IS NOT DISTINCT FROM excluded.reason
						 THEN a.since ELSE excluded.since END,
			scopes = coalesce(excluded.scopes, a.scopes),
			missing_scopes = CASE WHEN excluded.scopes IS NULL THEN a.missing_scopes
								  ELSE excluded.missing_scopes END;

	/*
	 * A grant that has a scope the account lacked brings its data types
	 * back: the windows the workers skipped for it (their last_error is
	 * "missing scope: <scope>", see src/bgw/worker.c) are queued again, and
	 * their jobs run again.  Scheduled syncs cover the same trailing days
	 * again and again: of their skipped windows only the latest of each
	 * data type and span runs again, the others are left done.
	 */
	IF $4 IS NOT NULL AND was_missing IS NOT NULL THEN
		regained := ARRAY(SELECT m FROM unnest(was_missing) m
						  WHERE m <> ALL (coalesce($5, '{}')));
		IF cardinality(regained) > 0 THEN
			WITH c AS (
				SELECT w.job_id, w.seq,
					   j.kind = 'backfill' OR row_number() OVER (
						   PARTITION BY j.kind, w.data_type, w.days ORDER BY w.job_id DESC) = 1 AS again
				FROM tracker.job_window w
					JOIN tracker.job j ON j.job_id = w.job_id
					JOIN tracker.google_scope g ON g.data_type = w.data_type
				WHERE w.account_id = $1 AND w.state = 'done'
				  AND g.scope = ANY (regained)
				  AND w.last_error = 'missing scope: ' || g.scope),
			w AS (
				UPDATE tracker.job_window w
				SET state = CASE WHEN c.again THEN 'queued' ELSE w.state END,
					last_error = CASE WHEN c.again THEN NULL
									  ELSE 'skipped: the grant lacked its scope' END,
					attempts = CASE WHEN c.again THEN 0 ELSE w.attempts END,
					finished_at = CASE WHEN c.again THEN NULL ELSE w.finished_at END
				FROM c
				WHERE w.job_id = c.job_id AND w.seq = c.seq
				RETURNING w.job_id, c.again)
			UPDATE tracker.job j
			SET state = 'running', finished_at = NULL, last_error = NULL
			WHERE j.job_id IN (SELECT job_id FROM w WHERE again)
			  AND j.state IN ('done', 'failed');
			PERFORM tracker.wake_scheduler();
		END IF;
	END IF;
END
$$;

CREATE FUNCTION tracker.sync(account integer, days daterange, data_types text[] DEFAULT NULL,
							 OUT requests integer, OUT rows_written bigint,
							 OUT rejected integer, OUT errors integer,
							 OUT state text, OUT detail text)
RETURNS record
AS 'MODULE_PATHNAME', 'tracker_sync'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.sync(integer, daterange, text[]) IS
	'Sync an account''s days from its provider in the calling transaction; returns a summary';

------------------------------------------------------------------------------
-- silver: sessions and steps from live sources
------------------------------------------------------------------------------

CREATE TABLE silver.exercise (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	exercise_id text NOT NULL,
	exercise_type text NOT NULL,
	display_name text,
	start_at timestamptz NOT NULL,
	end_at timestamptz NOT NULL,
	day date NOT NULL,			-- local day of the start
	active_seconds bigint,
	distance_m double precision,
	calories_kcal double precision,
	steps bigint,
	avg_heart_rate smallint,
	light_seconds bigint,
	moderate_seconds bigint,
	vigorous_seconds bigint,
	peak_seconds bigint,
	payload_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, exercise_id),
	CHECK (end_at >= start_at)
);

CREATE INDEX exercise_day ON silver.exercise (account_id, day);

CREATE TABLE silver.sleep (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	sleep_id text NOT NULL,
	sleep_type text,
	start_at timestamptz NOT NULL,
	end_at timestamptz NOT NULL,
	day date NOT NULL,			-- local day of the end, as Fitbit files sleep
	nap boolean NOT NULL DEFAULT false,
	minutes_asleep integer,
	minutes_awake integer,
	minutes_in_period integer,
	stages jsonb,				-- {"DEEP": 80, "LIGHT": 230, ...} minutes
	payload_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	start_utc_offset_s integer,	-- the source's UTC offsets at the start
	end_utc_offset_s integer,	-- and at the end (NULL: the account's zone)
	PRIMARY KEY (account_id, sleep_id),
	CHECK (end_at >= start_at)
);

CREATE INDEX sleep_day ON silver.sleep (account_id, day);

-- Steps per interval (1 minute from the API), one row per interval start.
CREATE TABLE silver.steps (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	start_at timestamptz NOT NULL,
	end_at timestamptz NOT NULL,
	day date NOT NULL,
	steps integer NOT NULL CHECK (steps >= 0),
	PRIMARY KEY (account_id, start_at)
);
