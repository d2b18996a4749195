-- Installing the extension creates its schemas and the dashboard's role.
SET timezone TO 'UTC';
SET datestyle TO 'ISO, YMD';
CREATE EXTENSION tracker;
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

-- Test helper: run a statement and show the error it raises, if any, with
-- the fixture directory taken out of file paths.
CREATE FUNCTION try(stmt text,
                    OUT code text, OUT message text,
                    OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
                            message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    message := regexp_replace(message, '"/[^"]*/', '".../', 'g');
    detail := nullif(detail, '');
    hint := nullif(hint, '');
END
$$;

-- Test helper: strip directories from file paths in results.
CREATE FUNCTION base(path text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT regexp_replace(path, '^.*/', '') $$;
