-- Installing the extension creates its schemas and the dashboard's role.
-- (sql/prelude.psql installs it, as at the start of every test.)
\i sql/prelude.psql
SELECT extname, extversion, nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'tracker';
SELECT nspname FROM pg_namespace
WHERE nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api') ORDER BY 1;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'tracker_web';

-- Loading the library again is a no-op once it is preloaded.
LOAD 'tracker';

-- Every per-person table keys on account_id first.
SELECT c.oid::regclass AS table_name,
       (SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum = i.indkey[0]) AS first_key_column
FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname IN ('bronze', 'silver', 'gold') AND c.relkind = 'r'
ORDER BY 1;
