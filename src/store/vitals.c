/*-------------------------------------------------------------------------
 *
 * vitals.c
 *	  Silver and gold of the vitals and body measurements: samples of
 *	  heart-rate variability, oxygen saturation, breathing rate in sleep,
 *	  weight, body fat and VO2 max; the provider's own daily vitals; and
 *	  Tracker's daily figures computed from the samples.
 *
 * Whoever reads them (the Google Health sync, the Fitbit imports) hands
 * over plain values; the writes merge with what is there, one statement
 * per batch: a sample is keyed by its instant, a daily figure by its day,
 * and a row changes only when a value does, so that reading the same data
 * again writes nothing.  The figures of every day a write touched are then
 * recomputed from silver in the same transaction.
 *
 * src/store/vitals.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

/* The sample tables: their value columns, and what else they keep. */
typedef struct SampleTable
{
	const char *table;
	int			ncols;
	const char *cols[VITAL_VALUES];
	bool		manual;			/* has "manual" */
	const char *text_col;		/* "point_id", "method", or NULL */
} SampleTable;

static const SampleTable sample_tables[VITAL_SAMPLE_KINDS] = {
	{"hrv_sample", 2, {"rmssd_ms", "sdnn_ms"}, false, NULL},
	{"spo2_sample", 1, {"percent"}, false, NULL},
	{"respiratory_sleep", 4,
	{"full_sleep_bpm", "deep_sleep_bpm", "light_sleep_bpm", "rem_sleep_bpm"},
	false, NULL},
	{"weight", 1, {"weight_kg"}, true, "point_id"},
	{"body_fat", 1, {"percent"}, true, "point_id"},
	{"vo2_max", 1, {"vo2_max"}, false, "method"},
};

/* The columns of silver.daily_vitals each daily kind fills. */
typedef struct DailyColumns
{
	int			ncols;
	const char *cols[VITAL_VALUES];
	const char *text_col;
	const char *flag_col;
} DailyColumns;

static const DailyColumns daily_columns[VITAL_DAILY_KINDS] = {
	{4, {"hrv_ms", "hrv_deep_sleep_ms", "hrv_entropy", "non_rem_hr"}, NULL, NULL},
	{4, {"spo2_avg", "spo2_lower", "spo2_upper", "spo2_stddev"}, NULL, NULL},
	{1, {"respiratory_rate"}, NULL, NULL},
	{3, {"skin_temp_nightly_c", "skin_temp_baseline_c", "skin_temp_stddev_30d_c"},
	NULL, NULL},
	{1, {"vo2_max"}, "cardio_fitness_level", "vo2_max_estimated"},
};

/* A float8[] of n values, NaN as NULL. */
static Datum
float8_array(const double *x, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	bool	   *nulls = palloc(sizeof(bool) * n);
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i;

	for (i = 0; i < n; i++)
	{
		nulls[i] = isnan(x[i]);
		d[i] = Float8GetDatum(nulls[i] ? 0 : x[i]);
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID,
											  8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* A text[] of n strings, NULL as NULL. */
static Datum
text_array(char **s, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	bool	   *nulls = palloc(sizeof(bool) * n);
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i;

	for (i = 0; i < n; i++)
	{
		nulls[i] = s[i] == NULL;
		d[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(s[i]);
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID,
											  -1, false, TYPALIGN_INT));
}

static Datum
scalar_array(Datum *d, int n, Oid type, int len, bool byval, char align)
{
	return PointerGetDatum(construct_array(d, n, type, len, byval, align));
}

/* "c1 = excluded.c1, ..." and "(x.c1, ...)" / "(excluded.c1, ...)". */
static void
append_cols(StringInfo sql, const char *const *cols, int n, const char *fmt)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(sql, ", ");
		appendStringInfo(sql, fmt, cols[i], cols[i]);
	}
}

/*
 * vitals_store_samples
 *		Merge n samples of one kind into its silver table; the local day of
 *		each is computed here.  Returns the rows given.
 */
int
vitals_store_samples(const TrackerAccount *acc, VitalSampleKind kind,
					 const VitalSample *s, int n, DaySet *touched)
{
	const SampleTable *st = &sample_tables[kind];
	const char *all[VITAL_VALUES + 3];
	int			nall = 0;
	Oid			types[9] = {INT4OID, TIMESTAMPTZARRAYOID, DATEARRAYOID,
		FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
	BOOLARRAYOID, TEXTARRAYOID};
	Datum		v[9];
	Datum	   *ts;
	Datum	   *days;
	Datum	   *manual;
	char	  **text;
	double	   *col;
	StringInfoData sql;
	int			i;
	int			c;

	if (n <= 0)
		return 0;
	ts = palloc(sizeof(Datum) * n);
	days = palloc(sizeof(Datum) * n);
	manual = palloc(sizeof(Datum) * n);
	text = palloc(sizeof(char *) * n);
	col = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		DateADT		day = tracker_local_date(acc->tz, s[i].t);

		ts[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[i].t));
		days[i] = DateADTGetDatum(day);
		manual[i] = BoolGetDatum(s[i].manual);
		text[i] = (char *) s[i].text;
		if (touched)
			dayset_add(touched, day);
	}
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = scalar_array(ts, n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE);
	v[2] = scalar_array(days, n, DATEOID, 4, true, TYPALIGN_INT);
	for (c = 0; c < VITAL_VALUES; c++)
	{
		for (i = 0; i < n; i++)
			col[i] = s[i].v[c];
		v[3 + c] = float8_array(col, n);
	}
	v[7] = scalar_array(manual, n, BOOLOID, 1, true, TYPALIGN_CHAR);
	v[8] = text_array(text, n);

	for (c = 0; c < st->ncols; c++)
		all[nall++] = st->cols[c];
	if (st->manual)
		all[nall++] = "manual";
	if (st->text_col)
		all[nall++] = st->text_col;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO silver.%s AS x (account_id, measured_at, day, ",
					 st->table);
	append_cols(&sql, all, nall, "%s%.0s");
	appendStringInfoString(&sql, ") SELECT DISTINCT ON (u.t) $1, u.t, u.d");
	for (c = 0; c < st->ncols; c++)
		appendStringInfo(&sql, ", u.v%d::real", c + 1);
	if (st->manual)
		appendStringInfoString(&sql, ", u.m");
	if (st->text_col)
		appendStringInfoString(&sql, ", u.s");
	appendStringInfoString(&sql, " FROM unnest($2, $3, $4, $5, $6, $7, $8, $9) "
						   "AS u(t, d, v1, v2, v3, v4, m, s) ORDER BY u.t "
						   "ON CONFLICT (account_id, measured_at) DO UPDATE SET day = excluded.day, ");
	append_cols(&sql, all, nall, "%s = excluded.%s");
	appendStringInfoString(&sql, " WHERE (x.day, ");
	append_cols(&sql, all, nall, "x.%s%.0s");
	appendStringInfoString(&sql, ") IS DISTINCT FROM (excluded.day, ");
	append_cols(&sql, all, nall, "excluded.%s%.0s");
	appendStringInfoChar(&sql, ')');
	spi_exec(sql.data, 9, types, v, NULL, SPI_OK_INSERT, "write vitals samples");
	return n;
}

/*
 * vitals_store_daily
 *		Merge n daily figures of one kind into silver.daily_vitals.  Only
 *		the kind's columns are written: the other kinds of the same day are
 *		left as they are.  Returns the rows given.
 */
int
vitals_store_daily(const TrackerAccount *acc, VitalDailyKind kind,
				   const VitalDay *d, int n, const char *source,
				   int64 payload_id, DaySet *touched)
{
	const DailyColumns *dc = &daily_columns[kind];
	const char *all[VITAL_VALUES + 2];
	int			nall = 0;
	Oid			types[10] = {INT4OID, TEXTOID, INT8OID, DATEARRAYOID,
		FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
	TEXTARRAYOID, BOOLARRAYOID};
	Datum		v[10];
	char		nulls[10];
	Datum	   *days;
	Datum	   *flags;
	char	  **text;
	double	   *col;
	StringInfoData sql;
	int			i;
	int			c;

	if (n <= 0)
		return 0;
	memset(nulls, ' ', sizeof(nulls));
	days = palloc(sizeof(Datum) * n);
	flags = palloc(sizeof(Datum) * n);
	text = palloc(sizeof(char *) * n);
	col = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		days[i] = DateADTGetDatum(d[i].day);
		flags[i] = BoolGetDatum(d[i].flag);
		text[i] = (char *) d[i].text;
		if (touched)
			dayset_add(touched, d[i].day);
	}
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = CStringGetTextDatum(source);
	v[2] = Int64GetDatum(payload_id);
	if (payload_id <= 0)
		nulls[2] = 'n';
	v[3] = scalar_array(days, n, DATEOID, 4, true, TYPALIGN_INT);
	for (c = 0; c < VITAL_VALUES; c++)
	{
		for (i = 0; i < n; i++)
			col[i] = d[i].v[c];
		v[4 + c] = float8_array(col, n);
	}
	v[8] = text_array(text, n);
	v[9] = scalar_array(flags, n, BOOLOID, 1, true, TYPALIGN_CHAR);

	for (c = 0; c < dc->ncols; c++)
		all[nall++] = dc->cols[c];
	if (dc->text_col)
		all[nall++] = dc->text_col;
	if (dc->flag_col)
		all[nall++] = dc->flag_col;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "INSERT INTO silver.daily_vitals AS x "
						   "(account_id, day, source, payload_id, ");
	append_cols(&sql, all, nall, "%s%.0s");
	appendStringInfoString(&sql, ") SELECT DISTINCT ON (u.d) $1, u.d, $2, $3");
	for (c = 0; c < dc->ncols; c++)
		appendStringInfo(&sql, ", u.v%d::real", c + 1);
	if (dc->text_col)
		appendStringInfoString(&sql, ", u.s");
	if (dc->flag_col)
		appendStringInfoString(&sql, ", u.f");
	appendStringInfoString(&sql, " FROM unnest($4, $5, $6, $7, $8, $9, $10) "
						   "AS u(d, v1, v2, v3, v4, s, f) ORDER BY u.d "
						   "ON CONFLICT (account_id, day) DO UPDATE SET ");
	append_cols(&sql, all, nall, "%s = excluded.%s");
	appendStringInfoString(&sql, ", source = excluded.source, "
						   "payload_id = excluded.payload_id, updated_at = excluded.updated_at WHERE (");
	append_cols(&sql, all, nall, "x.%s%.0s");
	appendStringInfoString(&sql, ") IS DISTINCT FROM (");
	append_cols(&sql, all, nall, "excluded.%s%.0s");
	appendStringInfoChar(&sql, ')');
	spi_exec(sql.data, 10, types, v, nulls, SPI_OK_INSERT, "write daily vitals");
	return n;
}

/*
 * vitals_recompute_days
 *		Tracker's daily vitals and body figures of the given days, from
 *		silver: the mean RMSSD of the day's HRV samples; the mean and the
 *		lowest of its SpO2 samples; the full-sleep breathing rate of the
 *		night that ended that day (the main sleep's where silver.sleep
 *		knows the sessions, else the day's first reading, since a nap ends
 *		later than the night); the skin temperature's variation from its
 *		baseline as the provider reported both; and the day's last VO2 max,
 *		weight and body fat.  A row changes only when a figure does.
 */
void
vitals_recompute_days(const TrackerAccount *acc, const DaySet *days)
{
	Oid			types[2] = {INT4OID, DATEARRAYOID};
	Datum		v[2];
	Datum	   *d;
	int			i;

	if (days->n == 0)
		return;
	d = palloc(sizeof(Datum) * days->n);
	for (i = 0; i < days->n; i++)
		d[i] = DateADTGetDatum(days->days[i]);
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = scalar_array(d, days->n, DATEOID, 4, true, TYPALIGN_INT);

	spi_exec("INSERT INTO gold.daily_vitals AS g (account_id, day, hrv_ms, hrv_samples, "
			 " spo2_avg, spo2_min, spo2_samples, respiratory_rate, skin_temp_variation_c, "
			 " vo2_max, weight_kg, body_fat_pct) "
			 "SELECT $1, d.day, h.m, h.n, s.a, s.mn, s.n, r.bpm, t.v, v.v, w.v, b.v "
			 "FROM (SELECT DISTINCT unnest($2) AS day) d "
			 "CROSS JOIN LATERAL (SELECT avg(x.rmssd_ms::float8)::real AS m, count(*)::integer AS n "
			 "  FROM silver.hrv_sample x WHERE x.account_id = $1 AND x.day = d.day) h "
			 "CROSS JOIN LATERAL (SELECT avg(x.percent::float8)::real AS a, min(x.percent) AS mn, "
			 "  count(*)::integer AS n "
			 "  FROM silver.spo2_sample x WHERE x.account_id = $1 AND x.day = d.day) s "
			 "LEFT JOIN LATERAL (SELECT x.full_sleep_bpm AS bpm FROM silver.respiratory_sleep x "
			 "  WHERE x.account_id = $1 AND x.day = d.day AND x.full_sleep_bpm IS NOT NULL "
			 "  ORDER BY EXISTS (SELECT 1 FROM silver.sleep sl WHERE sl.account_id = $1 "
			 "    AND sl.end_at = x.measured_at AND NOT sl.nap) DESC, x.measured_at LIMIT 1) r ON true "
			 "LEFT JOIN LATERAL (SELECT (x.skin_temp_nightly_c - x.skin_temp_baseline_c)::real AS v "
			 "  FROM silver.daily_vitals x WHERE x.account_id = $1 AND x.day = d.day) t ON true "
			 "LEFT JOIN LATERAL (SELECT x.vo2_max AS v FROM silver.vo2_max x "
			 "  WHERE x.account_id = $1 AND x.day = d.day ORDER BY x.measured_at DESC LIMIT 1) v ON true "
			 "LEFT JOIN LATERAL (SELECT x.weight_kg AS v FROM silver.weight x "
			 "  WHERE x.account_id = $1 AND x.day = d.day ORDER BY x.measured_at DESC LIMIT 1) w ON true "
			 "LEFT JOIN LATERAL (SELECT x.percent AS v FROM silver.body_fat x "
			 "  WHERE x.account_id = $1 AND x.day = d.day ORDER BY x.measured_at DESC LIMIT 1) b ON true "
			 "WHERE h.n > 0 OR s.n > 0 OR r.bpm IS NOT NULL OR t.v IS NOT NULL "
			 "  OR v.v IS NOT NULL OR w.v IS NOT NULL OR b.v IS NOT NULL "
			 "ON CONFLICT (account_id, day) DO UPDATE SET hrv_ms = excluded.hrv_ms, "
			 " hrv_samples = excluded.hrv_samples, spo2_avg = excluded.spo2_avg, "
			 " spo2_min = excluded.spo2_min, spo2_samples = excluded.spo2_samples, "
			 " respiratory_rate = excluded.respiratory_rate, "
			 " skin_temp_variation_c = excluded.skin_temp_variation_c, "
			 " vo2_max = excluded.vo2_max, weight_kg = excluded.weight_kg, "
			 " body_fat_pct = excluded.body_fat_pct, computed_at = excluded.computed_at "
			 "WHERE (g.hrv_ms, g.hrv_samples, g.spo2_avg, g.spo2_min, g.spo2_samples, "
			 " g.respiratory_rate, g.skin_temp_variation_c, g.vo2_max, g.weight_kg, "
			 " g.body_fat_pct) IS DISTINCT FROM (excluded.hrv_ms, excluded.hrv_samples, "
			 " excluded.spo2_avg, excluded.spo2_min, excluded.spo2_samples, "
			 " excluded.respiratory_rate, excluded.skin_temp_variation_c, excluded.vo2_max, "
			 " excluded.weight_kg, excluded.body_fat_pct)",
			 2, types, v, NULL, SPI_OK_INSERT, "recompute daily vitals");
}
