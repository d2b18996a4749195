/*-------------------------------------------------------------------------
 *
 * fuzz_gh_user.c
 *	  Fuzz target for gh_parse_settings() and gh_parse_profile()
 *	  (src/gh_parse.c): users.getSettings and users.getProfile answers.
 *
 * The first byte chooses the parser (even: settings, odd: profile); the
 * rest is the answer.  Properties: the result and the error agree; a failed
 * parse leaves an empty user (age -1) and an error with a "$" path and a
 * message in valid UTF-8; the scanner and json-c agree; a time zone holds
 * only A-Z a-z 0-9 / _ + - (it becomes SQL text), at most 64 bytes; the
 * UTC offset is within 18 hours and the age within 0..150.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/gh_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GhUser		user;
	GhError		err;
	GhErrorKind rc;
	bool		profile;

	if (size < 1)
		return 0;
	profile = data[0] & 1;
	data++;
	size--;

	memset(&user, 0x33, sizeof(user));
	rc = profile ? gh_parse_profile((const char *) data, size, &user, &err)
		: gh_parse_settings((const char *) data, size, &user, &err);
	FUZZ_CHECK_ERROR(rc, err);
	if (rc == GH_OK)
	{
		if (user.time_zone)
		{
			size_t		n = strlen(user.time_zone);
			size_t		i;

			FUZZ_CHECK(!profile, "a profile with a time zone");
			FUZZ_CHECK(n > 0 && n <= 64, "time zone length %zu", n);
			for (i = 0; i < n; i++)
			{
				unsigned char c = (unsigned char) user.time_zone[i];

				FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						   (c >= '0' && c <= '9') || c == '/' || c == '_' ||
						   c == '+' || c == '-', "time zone byte 0x%02x", c);
			}
		}
		FUZZ_CHECK(user.utc_offset >= -18 * 3600 && user.utc_offset <= 18 * 3600,
				   "utc offset %d", user.utc_offset);
		FUZZ_CHECK(user.age >= -1 && user.age <= 150, "age %d", user.age);
		if (!profile)
			FUZZ_CHECK(user.age == -1, "settings with an age");
	}
	else
	{
		FUZZ_CHECK(err.path[0] == '$', "error path \"%s\"", err.path);
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
		FUZZ_CHECK(user.time_zone == NULL && user.utc_offset == 0 && user.age == -1,
				   "a failed parse left data in the user");
		FUZZ_CHECK(!fuzz_is_disagreement(err.message),
				   "json-c and the scanner disagree: %s at %s", err.message, err.path);
	}
	gh_user_free(&user);
	gh_user_free(&user);
	return 0;
}
