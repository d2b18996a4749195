/* src/schema/jobs.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Jobs: backfills and scheduled syncs, run by the background workers
------------------------------------------------------------------------------

/*
 * A job is split into windows sized to the API; workers claim windows one
 * at a time, fetch them with no transaction open, and write each window in
 * one short transaction together with its progress.  A window left
 * 'running' by a crashed worker is queued again.
 */
CREATE TABLE tracker.job (
	job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id integer REFERENCES tracker.account ON DELETE CASCADE,	-- null: every connected account
	kind text NOT NULL CHECK (kind IN ('backfill', 'sync')),
	days daterange NOT NULL CHECK (NOT isempty(days) AND NOT lower_inf(days) AND NOT upper_inf(days)),
	data_types text[],			-- null: every data type
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	created_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz,
	finished_at timestamptz,
	last_error text,
	-- a backfill of every account: the accounts it left out, not connected
	-- when it was queued (their windows could never run)
	accounts_left_out integer[],
	-- a scheduled sync that reads only what can be new (see plan_windows)
	incremental boolean NOT NULL DEFAULT false,
	-- a scheduled sync: the account's newest heart-rate sample when planned
	seen_newest timestamptz
);

CREATE INDEX job_active ON tracker.job (state) WHERE state IN ('queued', 'running');

CREATE TABLE tracker.job_window (
	job_id bigint NOT NULL REFERENCES tracker.job ON DELETE CASCADE,
	seq integer NOT NULL,
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	data_type text NOT NULL,
	days daterange NOT NULL,
	cursor_end bigint,			-- heart-rate: continue below this instant
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	attempts integer NOT NULL DEFAULT 0,
	worker_pid integer,
	claimed_at timestamptz,
	finished_at timestamptz,
	rows_written bigint NOT NULL DEFAULT 0,
	requests integer NOT NULL DEFAULT 0,
	last_error text,
	since timestamptz,			-- point types: read from this instant on
	newest_at timestamptz,		-- the newest point the window's pages held
	page_floor date,			-- the pages run on down to this day (see plan_windows)
	PRIMARY KEY (job_id, seq)
);

CREATE INDEX job_window_queued ON tracker.job_window (account_id, job_id, seq)
	WHERE state = 'queued';

-- Per-account backoff after 429/5xx and network failures.
CREATE TABLE tracker.account_backoff (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	until timestamptz NOT NULL,
	failures integer NOT NULL DEFAULT 1,
	reason text
);

-- Whether a source is reachable at all (DNS or connection failures for every request).
CREATE TABLE tracker.source_status (
	provider text PRIMARY KEY REFERENCES tracker.provider,
	state text NOT NULL CHECK (state IN ('online', 'offline')),
	since timestamptz NOT NULL DEFAULT now(),
	retry_at timestamptz,
	failures integer NOT NULL DEFAULT 0,
	reason text
);

-- When the scheduler last queued each account's scheduled sync.
CREATE TABLE tracker.account_schedule (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	last_queued_at timestamptz,
	last_full_at timestamptz	-- the last scheduled sync of every trailing day
);

/*
 * Split a job into windows.  A job of one account plans it whatever its
 * state (a disconnected account's windows wait until it is connected
 * again); a job of every account plans only the accounts connected now, so
 * that it can finish (tracker.backfill() says which it left out).
 *
 * An incremental scheduled sync (job.incremental) asks only for what can be
 * new; "today" is the last day of the job's days, and the newest point held
 * of each type is tracker.sync_state.newest_at:
 *   - point and session types: from their newest point held less
 *     tracker.sync_overlap up to now (the windows carry it in since);
 *   - the day roll-ups (time in zones, calories): the days from the
 *     newest heart-rate sample held when they were last read, less the
 *     overlap, up to today;
 *   - daily types: only the days after the newest one held that are over
 *     and uploaded (the account's newest point lies after their end);
 *   - a type with nothing held yet: the trailing days, as a full sync;
 *   - the profile: only in full syncs.
 * Heart rate is the watch's signal: it is asked on every sync, and the
 * other types of the watch only when its newest sample moved since the
 * account's previous scheduled sync was planned (a watch that uploaded
 * nothing has nothing new of any type).  Weight and body fat come from
 * scales and hand entries, so they are asked on every sync.
 *
 * A backfill cuts a type into its backfill_window_days when it has them.
 * A type with cursor_across (heart rate, steps) is paged down the whole
 * backfill with one cursor: its windows are planned newest first, each with
 * page_floor, the backfill's first day.  A window asks for everything from
 * page_floor up to its cursor, so that no window ends on a part-filled
 * page: once a page reaches below the window's first day the window is
 * done, and the window below goes on from the oldest point seen (its
 * cursor_end); once the pages end, the windows below have nothing left
 * (see src/bgw/worker.c).  The windows stay as long as a scheduled sync's,
 * so that the job's progress still counts them.
 */
CREATE FUNCTION tracker.plan_windows(job bigint)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j tracker.job;
	n integer := 0;
	t record;
	d date;
	first_day date;
	last_day date;				-- exclusive
	since timestamptz;
	overlap interval := current_setting('tracker.sync_overlap')::interval;
	today date;
	held timestamptz;
	newest timestamptz;
	heart timestamptz;
	moved boolean := true;
BEGIN
	SELECT * INTO j FROM tracker.job WHERE job_id = plan_windows.job;
	today := upper(j.days) - 1;
	IF j.kind = 'sync' AND j.account_id IS NOT NULL THEN
		SELECT s.newest_at INTO heart FROM tracker.sync_state s
		WHERE s.account_id = j.account_id AND s.data_type = 'heart-rate';
		UPDATE tracker.job SET seen_newest = heart WHERE job_id = j.job_id;
		IF j.incremental THEN
			SELECT p.seen_newest IS DISTINCT FROM heart INTO moved
			FROM tracker.job p
			WHERE p.account_id = j.account_id AND p.kind = 'sync' AND p.job_id < j.job_id
			ORDER BY p.job_id DESC LIMIT 1;
			moved := coalesce(moved, true);
		END IF;
	END IF;
	FOR t IN SELECT a.account_id, a.time_zone, pd.data_type,
					coalesce(CASE WHEN j.kind = 'backfill' THEN pd.backfill_window_days END,
							 pd.window_days) AS window_days,
					j.kind = 'backfill' AND pd.cursor_across AS across
			 FROM tracker.account a
				JOIN tracker.provider_data_type pd ON pd.provider = a.provider
			 WHERE (a.account_id = j.account_id OR
					(j.account_id IS NULL AND EXISTS
					 (SELECT 1 FROM tracker.account_auth s
					  WHERE s.account_id = a.account_id AND s.state = 'connected')))
			   AND (j.data_types IS NULL OR pd.data_type = ANY (j.data_types))
			 ORDER BY a.account_id, pd.ord
	LOOP
		first_day := lower(j.days);
		last_day := upper(j.days);
		since := NULL;
		IF j.incremental THEN
			SELECT s.newest_at INTO held FROM tracker.sync_state s
			WHERE s.account_id = t.account_id AND s.data_type = t.data_type;
			SELECT max(s.newest_at) INTO newest FROM tracker.sync_state s
			WHERE s.account_id = t.account_id AND s.data_type NOT LIKE 'daily-%';
			IF t.data_type = 'profile' THEN
				CONTINUE;
			ELSIF NOT moved AND t.data_type NOT IN ('heart-rate', 'weight', 'body-fat') THEN
				CONTINUE;
			ELSIF t.data_type LIKE 'daily-%' THEN
				IF held IS NOT NULL THEN
					-- the last day that is over and uploaded
					last_day := (newest AT TIME ZONE t.time_zone)::date;
					first_day := greatest((held AT TIME ZONE t.time_zone)::date + 1, last_day - 60);
					CONTINUE WHEN last_day IS NULL OR first_day >= last_day;
					since := held;	-- read on from it (the filter takes days)
				END IF;
			ELSIF t.data_type IN ('time-in-heart-rate-zone', 'total-calories') THEN
				IF held IS NOT NULL THEN
					since := held - overlap;
					first_day := greatest((since AT TIME ZONE t.time_zone)::date, today - 60);
				END IF;
			ELSIF held IS NOT NULL THEN
				since := greatest(held - overlap, (today - 60)::timestamp AT TIME ZONE t.time_zone);
				first_day := (since AT TIME ZONE t.time_zone)::date;
			END IF;
		END IF;
		IF t.across THEN
			d := last_day;
			WHILE d > first_day LOOP
				n := n + 1;
				INSERT INTO tracker.job_window (job_id, seq, account_id, data_type, days,
												page_floor)
				VALUES (j.job_id, n, t.account_id, t.data_type,
						daterange(greatest(d - t.window_days, first_day), d), first_day);
				d := d - t.window_days;
			END LOOP;
			CONTINUE;
		END IF;
		d := first_day;
		WHILE d < last_day LOOP
			n := n + 1;
			-- a day roll-up holds no points: it has read what the watch
			-- had uploaded when the sync was planned
			INSERT INTO tracker.job_window (job_id, seq, account_id, data_type, days, since,
											newest_at)
			VALUES (j.job_id, n, t.account_id, t.data_type,
					daterange(d, least(d + t.window_days, last_day)), since,
					CASE WHEN t.data_type IN ('time-in-heart-rate-zone', 'total-calories')
						 THEN heart END);
			d := d + t.window_days;
		END LOOP;
	END LOOP;
	RETURN n;
END
$$;

CREATE FUNCTION tracker.wake_scheduler()
RETURNS void
AS 'MODULE_PATHNAME', 'tracker_wake_scheduler'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION tracker.wake_scheduler() IS
	'Wake this database''s scheduler when the current transaction commits';

CREATE FUNCTION tracker.backfill(days daterange, account integer DEFAULT NULL,
								 data_types text[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	new_id bigint;
	left_out integer[];
	left_out_text text;
	known text[] := ARRAY(SELECT DISTINCT pd.data_type FROM tracker.provider_data_type pd
						  WHERE backfill.account IS NULL OR pd.provider =
							(SELECT a.provider FROM tracker.account a
							 WHERE a.account_id = backfill.account)
						  ORDER BY 1);
BEGIN
	IF days IS NULL OR isempty(days) OR lower_inf(days) OR upper_inf(days) THEN
		RAISE EXCEPTION 'days must be a non-empty range with both bounds'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example ''[2025-01-01,2026-01-01)''.';
	END IF;
	IF upper(days) - lower(days) > 20 * 366 THEN
		RAISE EXCEPTION 'days span % days, more than 20 years', upper(days) - lower(days)
			USING ERRCODE = 'program_limit_exceeded';
	END IF;
	IF account IS NOT NULL THEN
		PERFORM tracker.require_account(account);
	END IF;
	IF account IS NOT NULL AND NOT EXISTS
		(SELECT 1 FROM tracker.account a JOIN tracker.provider_data_type pd USING (provider)
		 WHERE a.account_id = backfill.account) THEN
		RAISE EXCEPTION 'account % does not sync from an API', account
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'Import files with tracker.import_fitbit_file().';
	END IF;
	IF data_types IS NOT NULL AND NOT data_types <@ known THEN
		RAISE EXCEPTION 'unknown data type in %', data_types
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Known data types: ' || array_to_string(known, ', ') || '.';
	END IF;

	-- Every account: those not connected now are left out, and said so.
	IF account IS NULL THEN
		SELECT array_agg(a.account_id ORDER BY a.account_id),
			   string_agg(a.account_id || ' (' || a.name || ', ' ||
						  coalesce(s.state, 'not_connected') || ')', ', '
						  ORDER BY a.account_id)
		INTO left_out, left_out_text
		FROM tracker.account a
			LEFT JOIN tracker.account_auth s ON s.account_id = a.account_id
		WHERE s.state IS DISTINCT FROM 'connected'
		  AND EXISTS (SELECT 1 FROM tracker.provider_data_type pd
					  WHERE pd.provider = a.provider
						AND (backfill.data_types IS NULL OR
							 pd.data_type = ANY (backfill.data_types)));
	END IF;

	INSERT INTO tracker.job (account_id, kind, days, data_types, accounts_left_out)
	VALUES (backfill.account, 'backfill', backfill.days, backfill.data_types, left_out)
	RETURNING job_id INTO new_id;
	IF left_out IS NOT NULL THEN
		RAISE NOTICE 'backfill % leaves out the accounts that are not connected: %',
			new_id, left_out_text
			USING HINT = 'Connect them (see tracker.account_status), then queue a backfill for each with tracker.backfill(days, account).';
	END IF;
	PERFORM tracker.plan_windows(new_id);
	PERFORM tracker.wake_scheduler();
	RETURN new_id;
END
$$;

COMMENT ON FUNCTION tracker.backfill(daterange, integer, text[]) IS
	'Queue a backfill of days for one account (or every connected account, saying which are left out); returns the job id';

CREATE FUNCTION tracker.cancel(job bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE tracker.job_window w SET state = 'cancelled', finished_at = now()
	WHERE w.job_id = cancel.job AND w.state = 'queued';
	UPDATE tracker.job j SET state = 'cancelled', finished_at = now()
	WHERE j.job_id = cancel.job AND j.state IN ('queued', 'running');
	RETURN FOUND;
END
$$;

COMMENT ON FUNCTION tracker.cancel(bigint) IS
	'Cancel a job: its queued windows are dropped; a window being written finishes';

CREATE FUNCTION tracker.wait(job bigint, timeout interval DEFAULT '1 minute')
RETURNS text
AS 'MODULE_PATHNAME', 'tracker_wait'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.wait(bigint, interval) IS
	'Wait until a job is done, failed or cancelled, or the timeout passes; returns its state';

CREATE VIEW tracker.jobs AS
SELECT j.job_id AS id, j.account_id AS account, j.kind, j.days, j.data_types, j.state,
	   coalesce(w.done, 0) AS windows_done, coalesce(w.total, 0) AS windows_total,
	   coalesce(w.failed, 0) AS windows_failed,
	   coalesce(w.rows_written, 0) AS rows_written, coalesce(w.requests, 0) AS requests,
	   coalesce(j.last_error, w.last_error) AS last_error,
	   j.created_at, j.started_at, j.finished_at,
	   CASE WHEN j.state = 'running' AND w.done > 0 AND w.total > w.done
			THEN (now() - j.started_at) / w.done * (w.total - w.done) END AS eta,
	   j.accounts_left_out
FROM tracker.job j
	LEFT JOIN LATERAL (
		SELECT count(*) FILTER (WHERE state IN ('done', 'failed', 'cancelled')) AS done,
			   count(*) AS total,
			   count(*) FILTER (WHERE state = 'failed') AS failed,
			   sum(rows_written) AS rows_written, sum(requests) AS requests,
			   (array_agg(last_error ORDER BY finished_at DESC NULLS LAST)
				FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
		FROM tracker.job_window x WHERE x.job_id = j.job_id) w ON true;

COMMENT ON VIEW tracker.jobs IS
	'Backfills and scheduled syncs with their progress, errors and estimated time left';
