-- The compact heart-rate series: encode, decode, normalize.
\i sql/prelude.psql
SELECT tracker.series_count(tracker.series_encode('{}', '{}'));
SELECT * FROM tracker.series_unnest(tracker.series_encode('{}', '{}'));

-- Unsorted input with a repeated second: sorted, one sample per second,
-- the later sample wins.
SELECT * FROM tracker.series_unnest(tracker.series_encode(
    ARRAY['2024-01-01 00:00:10+00', '2024-01-01 00:00:00+00',
          '2024-01-01 00:00:05.7+00', '2024-01-01 00:00:05+00',
          '2024-01-01 01:00:00+00']::timestamptz[],
    ARRAY[70, 60, 65, 66, 250]::smallint[]));

SELECT * FROM tracker.series_arrays(tracker.series_encode(
    ARRAY['2024-01-01 00:00:00+00', '2024-01-01 00:00:01+00']::timestamptz[],
    ARRAY[20, 21]::smallint[]));

-- A synthetic day round-trips exactly, in about a byte per sample.
CREATE TEMP TABLE day_samples AS
SELECT '2024-03-10 00:00:00+00'::timestamptz + make_interval(secs => g * 7 + (g % 3)) AS ts,
       (60 + (g % 50) + CASE WHEN g % 97 = 0 THEN 40 ELSE 0 END)::smallint AS bpm
FROM generate_series(0, 12000) g;
CREATE TEMP TABLE day_series AS
SELECT tracker.series_encode(array_agg(ts ORDER BY ts), array_agg(bpm ORDER BY ts)) AS series
FROM day_samples;
SELECT tracker.series_count(series) AS samples,
       octet_length(series) < 2 * 12001 AS under_two_bytes_per_sample
FROM day_series;
SELECT count(*) AS matching
FROM day_series, tracker.series_unnest(series) u
  JOIN day_samples s ON s.ts = u.ts AND s.bpm = u.bpm;

-- Bad input.
\x on
SELECT * FROM try($$SELECT tracker.series_encode(ARRAY[now()], ARRAY[1, 2]::smallint[])$$);
SELECT * FROM try($$SELECT tracker.series_encode(ARRAY[now(), NULL], ARRAY[60, 61]::smallint[])$$);
SELECT * FROM try($$SELECT tracker.series_encode(ARRAY[now()], ARRAY[300]::smallint[])$$);
SELECT * FROM try($$SELECT tracker.series_encode(ARRAY['infinity']::timestamptz[], ARRAY[60]::smallint[])$$);
SELECT * FROM try($$SELECT tracker.series_count('\x00ff'::bytea)$$);
SELECT * FROM try($$SELECT * FROM tracker.series_unnest(substr((SELECT series FROM day_series), 1, 100))$$);
SELECT * FROM try($$SELECT * FROM tracker.series_unnest(''::bytea)$$);
\x off
