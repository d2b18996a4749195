-- test/citus/digest.sql: one line per table and per dashboard call, with the
-- md5 of its ordered rows, to compare a Citus run with a single-node one.
-- Columns that say when a row was written (a default of now()) are left out.
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, '','' ORDER BY t::text)), ''-'') FROM (SELECT %s FROM %s) t',
			  c.oid::regclass::text,
			  (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
			   FROM pg_attribute a
				LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
				 AND coalesce(pg_get_expr(d.adbin, d.adrelid), '') <> 'now()'
				 -- bronze ids follow the order pages arrive in
				 AND a.attname <> 'payload_id'),
			  c.oid::regclass::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname IN ('silver', 'gold')
  AND c.relname !~ '_[0-9]+$'
ORDER BY 1
\gexec
-- The dashboard's calls for every account, through the coordinator.
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, '','' ORDER BY t::text)), ''-'') FROM %s t',
			  f || '(' || a || ')', replace(f, '$', a::text))
FROM generate_series(1, (SELECT max(account_id) FROM tracker.account)) a,
	 unnest(ARRAY['api.daily($, ''2026-05-01'', ''2026-06-01'')',
				  'api.resting_hr_trend($, ''2026-05-01'', ''2026-06-01'')',
				  'api.zone_minutes($, ''2026-05-01'', ''2026-06-01'')',
				  'api.wear_time($, ''2026-05-01'', ''2026-06-01'')',
				  'api.heart_rate_day($, ''2026-05-05'')',
				  'api.heart_rate($, ''2026-05-05'')',
				  'api.exercises($, ''2026-05-01'', ''2026-06-01'')',
				  'api.sleep_nights($, ''2026-05-01'', ''2026-06-01'')',
				  'api.vitals($, ''2026-05-01'', ''2026-06-01'')',
				  'api.body($, ''2026-05-01'', ''2026-06-01'')',
				  'api.activity($, ''2026-05-01'', ''2026-06-01'')']) f
ORDER BY a, f
\gexec
