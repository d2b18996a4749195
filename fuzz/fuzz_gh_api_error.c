/*-------------------------------------------------------------------------
 *
 * fuzz_gh_api_error.c
 *	  Fuzz target for gh_parse_api_error() (src/gh_parse.c): a
 *	  google.rpc.Status error body, best effort.
 *
 * The whole input is the body.  Properties: no crash, no leak, no
 * undefined behaviour; false leaves the result zeroed; strings that come
 * back are non-empty; a second parse gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/gh_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GhApiError	e;
	GhApiError	e2;
	bool		found;
	bool		found2;

	memset(&e, 0x77, sizeof(e));
	found = gh_parse_api_error((const char *) data, size, &e);
	if (!found)
	{
		GhApiError	empty;

		memset(&empty, 0, sizeof(empty));
		FUZZ_CHECK(memcmp(&e, &empty, sizeof(e)) == 0, "false with data left in the result");
	}
	if (e.status)
		FUZZ_CHECK(e.status[0] != '\0', "an empty status");
	if (e.message)
		FUZZ_CHECK(e.message[0] != '\0', "an empty message");
	if (e.reason)
		FUZZ_CHECK(e.reason[0] != '\0', "an empty reason");

	found2 = gh_parse_api_error((const char *) data, size, &e2);
	FUZZ_CHECK(found == found2 && e.code == e2.code && fuzz_streq(e.status, e2.status) &&
			   fuzz_streq(e.message, e2.message) && fuzz_streq(e.reason, e2.reason),
			   "a second parse gave a different result");
	gh_api_error_free(&e);
	gh_api_error_free(&e2);
	gh_api_error_free(&e2);
	return 0;
}
