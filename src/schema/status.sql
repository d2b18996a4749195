/* src/schema/status.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Status
------------------------------------------------------------------------------

/*
 * The per-account figures come from subqueries grouped by account rather
 * than correlated ones: on Citus each runs on the shards by itself (the
 * accounts are a reference table, the schedule and backoff local ones).
 */
CREATE VIEW tracker.account_status AS
SELECT a.account_id AS account, a.name, a.provider,
	   coalesce(s.state, 'not_connected') AS state,
	   s.reason, s.since,
	   y.last_sync,
	   greatest(g.last_day, l.last_day) AS data_up_to,
	   CASE WHEN s.state = 'connected'
			THEN coalesce(sc.last_queued_at + current_setting('tracker.sync_interval')::interval, now())
	   END AS next_sync,
	   coalesce(e.errors, 0) AS errors_24h,
	   b.until AS backoff_until,
	   s.missing_scopes
FROM tracker.account a
	LEFT JOIN tracker.account_auth s ON s.account_id = a.account_id
	LEFT JOIN tracker.account_schedule sc ON sc.account_id = a.account_id
	LEFT JOIN tracker.account_backoff b ON b.account_id = a.account_id AND b.until > now()
	LEFT JOIN (SELECT y.account_id, max(y.last_success_at) AS last_sync
			   FROM tracker.sync_state y GROUP BY y.account_id) y ON y.account_id = a.account_id
	LEFT JOIN (SELECT g.account_id, max(g.day) AS last_day
			   FROM gold.daily g GROUP BY g.account_id) g ON g.account_id = a.account_id
	LEFT JOIN (SELECT l.account_id, max(l.day) AS last_day
			   FROM gold.listening_daily l GROUP BY l.account_id) l ON l.account_id = a.account_id
	LEFT JOIN (SELECT l.account_id, count(*) AS errors
			   FROM tracker.sync_log l
			   WHERE l.at > now() - interval '24 hours'
				 AND l.outcome IN ('failed', 'rejected', 'auth')
			   GROUP BY l.account_id) e ON e.account_id = a.account_id;

COMMENT ON VIEW tracker.account_status IS
	'Per account: connected, needs_reauth or not_connected, why and since when, and the last successful sync';

CREATE VIEW tracker.data_status AS
SELECT a.account_id, a.name, a.provider,
	   (SELECT min(day) FROM silver.heart_rate_day h WHERE h.account_id = a.account_id) AS first_day,
	   (SELECT max(day) FROM silver.heart_rate_day h WHERE h.account_id = a.account_id) AS last_day,
	   (SELECT count(*) FROM gold.daily g WHERE g.account_id = a.account_id) AS days,
	   (SELECT count(*) FROM bronze.payload p WHERE p.account_id = a.account_id
		AND p.status = 'accepted') AS payloads_accepted,
	   (SELECT count(*) FROM bronze.payload p WHERE p.account_id = a.account_id
		AND p.status = 'rejected') AS payloads_rejected,
	   (SELECT max(received_at) FROM bronze.payload p WHERE p.account_id = a.account_id) AS last_received_at
FROM tracker.account a;

COMMENT ON VIEW tracker.data_status IS
	'Per account: the days held, payloads accepted and rejected, and the last arrival';

/*
 * Per account and data type: whether it syncs, and if not why and what to
 * do.  A Google Health data type whose scope the grant lacks is
 * missing_scope: the workers skip it without requests, the other types go
 * on, and a grant with the scope (tracker.authorize_url(), then
 * tracker.connect()) brings it back with the days it skipped.
 */
CREATE VIEW tracker.data_type_status AS
SELECT a.account_id AS account, a.name, pd.data_type,
	   CASE WHEN g.scope = ANY (s.missing_scopes) THEN 'missing_scope'
			WHEN y.last_error_at >= coalesce(y.last_success_at, '-infinity') THEN 'failing'
			WHEN y.last_success_at IS NOT NULL THEN 'syncing'
			ELSE 'not_synced' END AS state,
	   y.synced_through, y.last_success_at AS last_sync,
	   CASE WHEN y.last_error_at >= coalesce(y.last_success_at, '-infinity')
			THEN y.last_error END AS last_error,
	   g.scope,
	   CASE WHEN g.scope = ANY (s.missing_scopes)
			THEN format('The grant of account %s lacks the scope %s. Connect the account again '
						'with the link from tracker.authorize_url(account => %s, redirect_uri => ...) '
						'and grant every scope it asks for; the data type then syncs again, '
						'with the days it skipped.', a.account_id, g.scope, a.account_id)
	   END AS hint
FROM tracker.account a
	JOIN tracker.provider_data_type pd ON pd.provider = a.provider
	LEFT JOIN tracker.account_auth s ON s.account_id = a.account_id
	LEFT JOIN tracker.google_scope g ON a.provider = 'google_health' AND g.data_type = pd.data_type
	LEFT JOIN tracker.sync_state y ON y.account_id = a.account_id AND y.data_type = pd.data_type;

COMMENT ON VIEW tracker.data_type_status IS
	'Per account and data type: syncing, failing, missing_scope or not_synced, with the scope it needs and how to fix it';
