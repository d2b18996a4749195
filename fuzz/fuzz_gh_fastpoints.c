/*-------------------------------------------------------------------------
 *
 * fuzz_gh_fastpoints.c
 *	  Differential fuzz target for the fast point readers
 *	  (src/providers/gh_fastpoints.c): gh_parse_page(), which reads the
 *	  dense arrays straight from the bytes, against
 *	  gh_parse_page_general(), which builds a json-c tree for every chunk.
 *
 * The first byte chooses the data type as in fuzz_gh_page (byte %
 * GH_DATA_TYPE_COUNT), except that every type without a fast reader is
 * read as heart-rate, so that gh_page's seeds serve here too: steps,
 * distance, floors and sedentary-period stay what they are, everything
 * else is a heart-rate page.  The rest is the page.
 * Property: both parses give the same outcome, the same error kind, JSON
 * path and message, the same page token and the same points, value for
 * value.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/gh_parse.h"

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GhDataType	type;
	GhPage		fast;
	GhPage		general;
	GhError		efast;
	GhError		egeneral;
	GhErrorKind rfast;
	GhErrorKind rgeneral;
	size_t		i;

	if (size < 1)
		return 0;
	type = (GhDataType) (data[0] % GH_DATA_TYPE_COUNT);
	if (type != GH_STEPS && type != GH_DISTANCE && type != GH_FLOORS &&
		type != GH_SEDENTARY_PERIOD)
		type = GH_HEART_RATE;
	data++;
	size--;

	rfast = gh_parse_page(type, (const char *) data, size, &fast, &efast);
	rgeneral = gh_parse_page_general(type, (const char *) data, size, &general,
									 &egeneral);
	FUZZ_CHECK(rfast == rgeneral, "fast path %d, general path %d (%s at %s)",
			   (int) rfast, (int) rgeneral, egeneral.message, egeneral.path);
	FUZZ_CHECK(efast.kind == egeneral.kind &&
			   strcmp(efast.path, egeneral.path) == 0 &&
			   strcmp(efast.message, egeneral.message) == 0,
			   "errors differ: fast \"%s\" at %s, general \"%s\" at %s",
			   efast.message, efast.path, egeneral.message, egeneral.path);
	FUZZ_CHECK(same_string(fast.next_page_token, general.next_page_token),
			   "page tokens differ");
	FUZZ_CHECK(fast.type == general.type && fast.nsamples == general.nsamples &&
			   fast.nsteps == general.nsteps && fast.ndaily == general.ndaily &&
			   fast.nintervals == general.nintervals &&
			   fast.nvitals == general.nvitals,
			   "point counts differ: %zu/%zu samples, %zu/%zu steps",
			   fast.nsamples, general.nsamples, fast.nsteps, general.nsteps);
	for (i = 0; i < fast.nsamples; i++)
		FUZZ_CHECK(fast.t[i] == general.t[i] && fast.bpm[i] == general.bpm[i] &&
				   fast.utc_offset[i] == general.utc_offset[i],
				   "sample %zu differs: %lld %d %d against %lld %d %d", i,
				   (long long) fast.t[i], fast.bpm[i], fast.utc_offset[i],
				   (long long) general.t[i], general.bpm[i],
				   general.utc_offset[i]);
	for (i = 0; i < fast.nsteps; i++)
		FUZZ_CHECK(fast.steps[i].start == general.steps[i].start &&
				   fast.steps[i].end == general.steps[i].end &&
				   fast.steps[i].start_utc_offset == general.steps[i].start_utc_offset &&
				   fast.steps[i].count == general.steps[i].count,
				   "steps interval %zu differs", i);
	for (i = 0; i < fast.nintervals; i++)
		FUZZ_CHECK(memcmp(&fast.intervals[i], &general.intervals[i],
						  sizeof(GhInterval)) == 0,
				   "%s interval %zu differs", gh_data_type_name(type), i);
	gh_page_free(&fast);
	gh_page_free(&general);
	return 0;
}
