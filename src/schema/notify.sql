/* src/schema/notify.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Notifications: channels, events, deliveries
------------------------------------------------------------------------------

/*
 * Where notifications go.  tracker.notify_channel holds what is no secret
 * and goes into dumps; tracker.notify_secret holds the SMTP password or the
 * webhook's extra header: readable only by the extension owner, never in a
 * dump, never in a message, an event or a delivery's error.  After a
 * restore the secrets must be set again (tracker.set_notify());
 * tracker.notify_channels says so.
 */
CREATE TABLE tracker.notify_channel (
	channel_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	channel text NOT NULL CHECK (channel IN ('webhook', 'email', 'notify')),
	target text NOT NULL,		-- webhook URL, mail recipients, NOTIFY channel
	server text,				-- email: smtp:// or smtps:// URL of the server
	mail_from text,				-- email: the sender address
	username text,				-- email: the SMTP login
	starttls boolean NOT NULL DEFAULT true, -- email over smtp://: STARTTLS required
	secret_kind text CHECK (secret_kind IN ('header', 'password')),
	events text[],				-- null: every kind of event
	enabled boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (channel, target)
);

COMMENT ON TABLE tracker.notify_channel IS
	'Where notifications go (no secrets); kept in dumps';

CREATE TABLE tracker.notify_secret (
	channel_id integer PRIMARY KEY REFERENCES tracker.notify_channel ON DELETE CASCADE,
	secret text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.notify_channel, tracker.notify_secret FROM PUBLIC;

COMMENT ON TABLE tracker.notify_secret IS
	'The SMTP password or webhook header of a channel; readable only by the extension owner, never in a dump';

/*
 * One row per occurrence of a condition.  condition_key names the condition
 * (a kind and, usually, an account); while an occurrence is open (cleared_at
 * is null) the same condition opens no other, so a condition that holds on
 * every pass of the scheduler is one event.  It clears when the condition
 * no longer holds, and only then can it occur again.  occurrence_key is the
 * condition and what marks this occurrence (the failed job, the first day,
 * the time the state began): the same occurrence is never stored twice.
 */
CREATE TABLE tracker.notify_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL,
	condition_key text NOT NULL,
	occurrence_key text NOT NULL UNIQUE,
	account_id integer REFERENCES tracker.account ON DELETE CASCADE,
	message text NOT NULL,
	hint text,
	details jsonb NOT NULL DEFAULT '{}',
	opened_at timestamptz NOT NULL DEFAULT now(),
	cleared_at timestamptz
);

CREATE UNIQUE INDEX notify_event_open ON tracker.notify_event (condition_key)
	WHERE cleared_at IS NULL;

COMMENT ON TABLE tracker.notify_event IS
	'Conditions worth a notification, one row per occurrence (open until the condition clears)';

/*
 * Each event to each channel: attempts, when the next is due (exponential
 * backoff with a cap), the outcome and the last error (never a secret).
 */
CREATE TABLE tracker.notify_delivery (
	event_id bigint NOT NULL REFERENCES tracker.notify_event ON DELETE CASCADE,
	channel_id integer NOT NULL REFERENCES tracker.notify_channel ON DELETE CASCADE,
	state text NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	last_attempt_at timestamptz,
	delivered_at timestamptz,
	error text,
	PRIMARY KEY (event_id, channel_id)
);

CREATE INDEX notify_delivery_due ON tracker.notify_delivery (next_attempt_at)
	WHERE state = 'pending';

COMMENT ON TABLE tracker.notify_delivery IS
	'Each event to each channel, with its attempts, next attempt, outcome and error';

/*
 * Channels are set and removed by (channel, target).  Setting a channel
 * again replaces its settings, and its secret when one is given (a null
 * secret keeps the one stored).  Secrets are checked without quoting them.
 */
CREATE FUNCTION tracker.set_notify(channel text, target text DEFAULT NULL,
								   header text DEFAULT NULL,
								   server text DEFAULT NULL,
								   mail_from text DEFAULT NULL,
								   username text DEFAULT NULL,
								   password text DEFAULT NULL,
								   starttls boolean DEFAULT true,
								   events text[] DEFAULT NULL,
								   enabled boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t text := target;
	kinds text[] := ARRAY['needs_reauth', 'grant_expiring', 'no_data', 'job_failed',
						  'archive_failed', 'resting_hr_high', 'hrv_low', 'spo2_low'];
	sk text;
	secret text;
	id integer;
BEGIN
	IF channel IS NULL OR channel NOT IN ('webhook', 'email', 'notify') THEN
		RAISE EXCEPTION 'notification channel "%" is not known', left(channel, 64)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Channels are ''webhook'', ''email'' and ''notify''.';
	END IF;
	IF events IS NOT NULL AND NOT events <@ kinds THEN
		RAISE EXCEPTION 'events must be among %', array_to_string(kinds, ', ')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF starttls IS NULL OR enabled IS NULL THEN
		RAISE EXCEPTION 'starttls and enabled must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF channel = 'webhook' THEN
		IF t IS NULL OR t !~ '^https?://[^\s]+$' THEN
			RAISE EXCEPTION 'a webhook target must be an http or https URL'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF header IS NOT NULL AND (header !~ '^[A-Za-z0-9-]+:\s*\S' OR header ~ '[\r\n]') THEN
			RAISE EXCEPTION 'header must be one line "Name: value"'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'For example ''Authorization: Bearer ...''.';
		END IF;
		IF coalesce(server, mail_from, username, password) IS NOT NULL THEN
			RAISE EXCEPTION 'server, mail_from, username and password are for email channels'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		sk := CASE WHEN header IS NOT NULL THEN 'header' END;
		secret := header;
	ELSIF channel = 'email' THEN
		IF t IS NULL OR t !~ '^[^\s,<>@]+@[^\s,<>@]+(\s*,\s*[^\s,<>@]+@[^\s,<>@]+)*$' THEN
			RAISE EXCEPTION 'an email target must be one or more addresses separated by commas'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		t := regexp_replace(t, '\s', '', 'g');
		IF server IS NULL OR server !~ '^smtps?://[A-Za-z0-9.:\[\]-]+/?$' THEN
			RAISE EXCEPTION 'server must be an smtp:// or smtps:// URL of a host'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'For example ''smtps://mail.example.org'' or ''smtp://mail.example.org:587''.';
		END IF;
		IF mail_from IS NULL OR mail_from !~ '^[^\s,<>@]+@[^\s,<>@]+$' THEN
			RAISE EXCEPTION 'mail_from must be one address'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF header IS NOT NULL THEN
			RAISE EXCEPTION 'header is for webhook channels'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF (username IS NULL) <> (password IS NULL) AND NOT (username IS NOT NULL AND EXISTS (
				SELECT 1 FROM tracker.notify_channel c JOIN tracker.notify_secret s USING (channel_id)
				WHERE c.channel = 'email' AND c.target = t)) THEN
			RAISE EXCEPTION 'username and password go together'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF username ~ '[\s:]' OR password = '' THEN
			RAISE EXCEPTION 'username must not contain a colon or white space, and password must not be empty'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		sk := CASE WHEN username IS NOT NULL THEN 'password' END;
		secret := password;
	ELSE
		t := coalesce(t, 'tracker');
		IF t !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
			RAISE EXCEPTION 'a notify target must be a lower-case channel name'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Listeners run LISTEN with it, e.g. LISTEN tracker.';
		END IF;
		IF coalesce(header, server, mail_from, username, password) IS NOT NULL THEN
			RAISE EXCEPTION 'a notify channel takes only a target'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	INSERT INTO tracker.notify_channel AS c
		(channel, target, server, mail_from, username, starttls, secret_kind, events, enabled)
	VALUES (set_notify.channel, t, rtrim(set_notify.server, '/'), set_notify.mail_from,
			set_notify.username, set_notify.starttls, sk, set_notify.events, set_notify.enabled)
	ON CONFLICT ON CONSTRAINT notify_channel_channel_target_key DO UPDATE
		SET server = excluded.server, mail_from = excluded.mail_from,
			username = excluded.username, starttls = excluded.starttls,
			secret_kind = CASE WHEN excluded.secret_kind IS NULL AND excluded.channel = 'webhook'
							   THEN NULL ELSE excluded.secret_kind END,
			events = excluded.events, enabled = excluded.enabled, updated_at = now()
	RETURNING c.channel_id INTO id;

	IF sk IS NULL THEN
		DELETE FROM tracker.notify_secret s WHERE s.channel_id = id;
	ELSIF secret IS NOT NULL THEN
		INSERT INTO tracker.notify_secret AS s (channel_id, secret) VALUES (id, secret)
		ON CONFLICT (channel_id) DO UPDATE SET secret = excluded.secret, updated_at = now();
	END IF;
	PERFORM tracker.wake_scheduler();
	RETURN format('%s %s', set_notify.channel, t);
END
$$;

COMMENT ON FUNCTION tracker.set_notify(text, text, text, text, text, text, text, boolean, text[], boolean) IS
	'Set a notification channel: webhook, email or notify (keep calls with a secret out of statement logs: see README)';

CREATE FUNCTION tracker.remove_notify(channel text, target text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	WITH gone AS (
		DELETE FROM tracker.notify_channel c
		WHERE c.channel = remove_notify.channel
		  AND c.target = CASE WHEN remove_notify.channel = 'notify'
							  THEN coalesce(remove_notify.target, 'tracker')
							  ELSE regexp_replace(remove_notify.target, '\s', '', 'g') END
		RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM gone);
$$;

COMMENT ON FUNCTION tracker.remove_notify(text, text) IS
	'Remove a notification channel, its secret and its pending deliveries';

CREATE VIEW tracker.notify_channels AS
SELECT c.channel_id, c.channel, c.target, c.server, c.mail_from, c.username, c.starttls,
	   c.secret_kind, c.events, c.enabled,
	   CASE WHEN c.secret_kind IS NOT NULL AND s.channel_id IS NULL THEN 'secret_missing'
			WHEN NOT c.enabled THEN 'disabled'
			ELSE 'ready' END AS state,
	   CASE WHEN c.secret_kind IS NOT NULL AND s.channel_id IS NULL
			THEN format('the %s is not part of a dump: set it with tracker.set_notify()',
						c.secret_kind)
	   END AS reason,
	   d.pending, d.delivered, d.failed, d.last_error,
	   c.created_at, c.updated_at
FROM tracker.notify_channel c
	LEFT JOIN tracker.notify_secret s ON s.channel_id = c.channel_id
	LEFT JOIN LATERAL (
		SELECT count(*) FILTER (WHERE x.state = 'pending') AS pending,
			   count(*) FILTER (WHERE x.state = 'delivered') AS delivered,
			   count(*) FILTER (WHERE x.state = 'failed') AS failed,
			   (array_agg(x.error ORDER BY x.last_attempt_at DESC NULLS LAST)
					FILTER (WHERE x.error IS NOT NULL))[1] AS last_error
		FROM tracker.notify_delivery x WHERE x.channel_id = c.channel_id) d ON true;

COMMENT ON VIEW tracker.notify_channels IS
	'Notification channels without their secrets, whether they are ready, and their deliveries';

/*
 * The JSON document an event is sent as (webhook body, NOTIFY payload).
 * Besides Tracker's own members it carries the ones common receivers read:
 * title and message (Gotify, ntfy's JSON publishing), text (Slack,
 * Mattermost), content (Discord).
 */
CREATE FUNCTION tracker.notify_document(event bigint)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT jsonb_build_object(
		'event_id', e.event_id,
		'kind', e.kind,
		'account', a.name,
		'time', to_char(e.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'message', e.message,
		'hint', e.hint,
		'occurrence', e.occurrence_key,
		'title', 'Tracker: ' || replace(e.kind, '_', ' '),
		'text', e.message || coalesce(' ' || e.hint, ''),
		'content', e.message || coalesce(' ' || e.hint, ''),
		'priority', 5)
	FROM tracker.notify_event e
		LEFT JOIN tracker.account a ON a.account_id = e.account_id
	WHERE e.event_id = notify_document.event;
$$;

/*
 * The conditions that hold now: kind, condition, what marks this
 * occurrence, account, a one-line message and a hint.  The thresholds are
 * settings (tracker.notify_*).
 */
CREATE FUNCTION tracker.notify_conditions()
RETURNS TABLE (kind text, condition_key text, marker text, account_id integer,
			   message text, hint text, details jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- an account whose grant is gone
	SELECT 'needs_reauth', 'needs_reauth:' || s.account_id,
		   (extract(epoch FROM s.since) * 1000000)::bigint::text, s.account_id,
		   format('account %s needs to be connected again', a.name),
		   'Connect it again: tracker.authorize_url(), then tracker.connect().',
		   jsonb_build_object('since', s.since)
	FROM tracker.account_auth s JOIN tracker.account a ON a.account_id = s.account_id
	WHERE s.state = 'needs_reauth'
	UNION ALL
	-- a Google grant of a consent screen in Testing lasts 7 days
	SELECT 'grant_expiring', 'grant_expiring:' || s.account_id,
		   (extract(epoch FROM s.since) * 1000000)::bigint::text, s.account_id,
		   format('the Google grant of account %s expires at %s', a.name,
				  to_char((s.since + interval '7 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')),
		   'Connect the account again before then (tracker.authorize_url(), then tracker.connect()), or publish the OAuth consent screen.',
		   jsonb_build_object('expires_at', s.since + interval '7 days')
	FROM tracker.account_auth s JOIN tracker.account a ON a.account_id = s.account_id
	WHERE current_setting('tracker.google_consent_testing')::boolean
	  AND a.provider = 'google_health' AND s.state = 'connected'
	  AND s.since + interval '6 days' <= now()
	UNION ALL
	-- nothing new from a connected account for a while
	SELECT 'no_data', 'no_data:' || a.account_id, coalesce(p.payload_id, 0)::text, a.account_id,
		   format('no new data from account %s since %s', a.name,
				  to_char(greatest(p.received_at, s.since) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')),
		   'Check that the device syncs to its app, and tracker.sync_status for errors.',
		   jsonb_build_object('last_data_at', p.received_at)
	FROM tracker.account a
		JOIN tracker.account_auth s ON s.account_id = a.account_id AND s.state = 'connected'
		LEFT JOIN LATERAL (
			SELECT b.payload_id, b.received_at FROM bronze.payload b
			WHERE b.account_id = a.account_id AND b.status = 'accepted'
			ORDER BY b.payload_id DESC LIMIT 1) p ON true
	WHERE a.provider IN (SELECT d.provider FROM tracker.provider_data_type d)
	  AND greatest(p.received_at, s.since) <
		  now() - current_setting('tracker.notify_no_data_after')::interval
	UNION ALL
	-- the last finished job of an account (or of every account) failed
	SELECT 'job_failed', 'job_failed:' || coalesce(j.account_id::text, 'all'), j.job_id::text,
		   j.account_id,
		   format('a %s job of %s failed: %s', j.kind, coalesce('account ' || a.name, 'every account'),
				  left(coalesce(j.last_error, 'no reason given'), 200)),
		   'See tracker.jobs and tracker.sync_log; queue it again with tracker.backfill() once the cause is fixed.',
		   jsonb_build_object('job_id', j.job_id)
	FROM (SELECT DISTINCT ON (coalesce(x.account_id, 0)) x.*
		  FROM tracker.job x WHERE x.state IN ('done', 'failed')
		  ORDER BY coalesce(x.account_id, 0), x.finished_at DESC NULLS LAST, x.job_id DESC) j
		LEFT JOIN tracker.account a ON a.account_id = j.account_id
	WHERE j.state = 'failed'
	UNION ALL
	-- the last finished archive run failed
	SELECT 'archive_failed', 'archive_failed', r.run_id::text, NULL::integer,
		   format('the archive to S3 failed: %s', left(coalesce(r.last_error, 'no reason given'), 200)),
		   'See tracker.archive_runs; the archive is tried again with a growing delay.',
		   jsonb_build_object('run_id', r.run_id)
	FROM (SELECT x.* FROM tracker.archive_run x WHERE x.state IN ('done', 'failed')
		  ORDER BY x.finished_at DESC NULLS LAST, x.run_id DESC LIMIT 1) r
	WHERE r.state = 'failed'
	UNION ALL
	-- resting heart rate above the person's own baseline, several days in a row
	SELECT 'resting_hr_high', 'resting_hr_high:' || a.account_id, w.first_day::text, a.account_id,
		   format('resting heart rate of %s above %s bpm for %s days in a row (30-day baseline %s bpm)',
				  a.name, round(b.baseline)::int + current_setting('tracker.notify_resting_hr_margin')::int,
				  w.n, round(b.baseline, 1)),
		   'Often a sign of illness, stress, little sleep or alcohol; see the days in tracker.daily().',
		   jsonb_build_object('days', w.n, 'first_day', w.first_day, 'baseline', round(b.baseline, 1),
							  'lowest', w.lowest)
	FROM tracker.account a
		CROSS JOIN LATERAL (
			SELECT count(*)::int AS n, min(l.day) AS first_day, max(l.day) AS last_day,
				   min(l.resting_hr) AS lowest
			FROM (SELECT g.day, g.resting_hr FROM gold.daily g
				  WHERE g.account_id = a.account_id AND g.resting_hr IS NOT NULL
				  ORDER BY g.day DESC
				  LIMIT current_setting('tracker.notify_resting_hr_days')::int) l) w
		CROSS JOIN LATERAL (
			SELECT avg(g.resting_hr) AS baseline, count(*) AS days FROM gold.daily g
			WHERE g.account_id = a.account_id AND g.resting_hr IS NOT NULL
			  AND g.day >= w.first_day - 30 AND g.day < w.first_day) b
	WHERE w.n = current_setting('tracker.notify_resting_hr_days')::int
	  AND w.last_day - w.first_day = w.n - 1
	  AND w.last_day >= (now() AT TIME ZONE a.time_zone)::date - 3
	  AND b.days >= 7
	  AND w.lowest >= b.baseline + current_setting('tracker.notify_resting_hr_margin')::int
	UNION ALL
	-- HRV of the latest night well below the 30-day baseline
	SELECT 'hrv_low', 'hrv_low:' || a.account_id, v.day::text, a.account_id,
		   format('HRV of %s on %s was %s ms, %s%% below the 30-day baseline of %s ms',
				  a.name, v.day, round(v.hrv_ms::numeric, 1),
				  round(100 * (1 - v.hrv_ms / b.baseline))::int, round(b.baseline::numeric, 1)),
		   'Low HRV often comes with illness, stress, hard training or little sleep.',
		   jsonb_build_object('day', v.day, 'hrv_ms', v.hrv_ms, 'baseline', b.baseline)
	FROM tracker.account a
		CROSS JOIN LATERAL (
			SELECT g.day, g.hrv_ms FROM gold.daily_vitals g
			WHERE g.account_id = a.account_id AND g.hrv_ms IS NOT NULL
			ORDER BY g.day DESC LIMIT 1) v
		CROSS JOIN LATERAL (
			SELECT avg(g.hrv_ms) AS baseline, count(*) AS days FROM gold.daily_vitals g
			WHERE g.account_id = a.account_id AND g.hrv_ms IS NOT NULL
			  AND g.day >= v.day - 30 AND g.day < v.day) b
	WHERE b.days >= 7
	  AND v.day >= (now() AT TIME ZONE a.time_zone)::date - 3
	  AND v.hrv_ms < b.baseline * (1 - current_setting('tracker.notify_hrv_drop')::float8)
	UNION ALL
	-- SpO2 of the latest night below a set percentage
	SELECT 'spo2_low', 'spo2_low:' || a.account_id, v.day::text, a.account_id,
		   format('average SpO2 of %s on %s was %s%%, below %s%%', a.name, v.day,
				  round(v.spo2_avg::numeric, 1), current_setting('tracker.notify_spo2_below')),
		   'A low night can be a fit of the sensor; if it repeats, talk to a doctor.',
		   jsonb_build_object('day', v.day, 'spo2_avg', v.spo2_avg)
	FROM tracker.account a
		CROSS JOIN LATERAL (
			SELECT g.day, g.spo2_avg FROM gold.daily_vitals g
			WHERE g.account_id = a.account_id AND g.spo2_avg IS NOT NULL
			ORDER BY g.day DESC LIMIT 1) v
	WHERE v.day >= (now() AT TIME ZONE a.time_zone)::date - 3
	  AND v.spo2_avg < current_setting('tracker.notify_spo2_below')::float8;
$$;

/*
 * One pass of the notifications, in the scheduler's short transaction:
 * open the occurrences that began, clear those that ended, queue a
 * delivery of each new event to each enabled channel that wants its kind,
 * and deliver the NOTIFY ones (pg_notify sends at commit).  Returns how
 * many webhook and email deliveries are due, for the scheduler to start
 * the notify worker.
 */
CREATE FUNCTION tracker.notify_check()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d record;
	due bigint;
BEGIN
	WITH now_holds AS MATERIALIZED (
		SELECT c.kind, c.condition_key, c.condition_key || '@' || c.marker AS occurrence_key,
			   c.account_id, c.message, c.hint, c.details
		FROM tracker.notify_conditions() c),
	cleared AS (
		UPDATE tracker.notify_event e SET cleared_at = now()
		WHERE e.cleared_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM now_holds n WHERE n.condition_key = e.condition_key)),
	opened AS (
		INSERT INTO tracker.notify_event (kind, condition_key, occurrence_key, account_id,
										  message, hint, details)
		SELECT n.kind, n.condition_key, n.occurrence_key, n.account_id, n.message, n.hint, n.details
		FROM now_holds n
		WHERE NOT EXISTS (SELECT 1 FROM tracker.notify_event e
						  WHERE (e.condition_key = n.condition_key AND e.cleared_at IS NULL)
							 OR e.occurrence_key = n.occurrence_key)
		ORDER BY n.condition_key
		ON CONFLICT DO NOTHING
		RETURNING event_id, kind)
	INSERT INTO tracker.notify_delivery (event_id, channel_id)
	SELECT o.event_id, c.channel_id
	FROM opened o JOIN tracker.notify_channel c
		ON c.enabled AND (c.events IS NULL OR o.kind = ANY (c.events));

	FOR d IN
		SELECT x.event_id, x.channel_id, c.target
		FROM tracker.notify_delivery x
			JOIN tracker.notify_channel c ON c.channel_id = x.channel_id AND c.channel = 'notify'
		WHERE x.state = 'pending'
		ORDER BY x.event_id
		FOR UPDATE OF x SKIP LOCKED
	LOOP
		PERFORM pg_notify(d.target, tracker.notify_document(d.event_id)::text);
		UPDATE tracker.notify_delivery x SET state = 'delivered', attempts = x.attempts + 1,
			last_attempt_at = now(), delivered_at = now(), error = NULL
		WHERE x.event_id = d.event_id AND x.channel_id = d.channel_id;
	END LOOP;

	SELECT count(*) INTO due
	FROM tracker.notify_delivery x
		JOIN tracker.notify_channel c ON c.channel_id = x.channel_id
	WHERE x.state = 'pending' AND x.next_attempt_at <= now()
	  AND c.enabled AND c.channel IN ('webhook', 'email');
	RETURN due;
END
$$;

SELECT pg_catalog.pg_extension_config_dump('tracker.notify_channel', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.notify_event', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.notify_delivery', '');
