/*-------------------------------------------------------------------------
 *
 * fuzz_gh_token.c
 *	  Fuzz target for gh_parse_token() (src/gh_parse.c): answers of Google's
 *	  OAuth 2.0 token endpoint, a token or an OAuth error.
 *
 * The whole input is the answer.  Properties:
 *
 *	- the result and the error agree; a failed parse leaves the token empty
 *	  and an error with a "$" path and a message in valid UTF-8;
 *	- json-c and the parser's own scanner never disagree about the bytes;
 *	- a success holds either an error code, or an access token with a
 *	  lifetime in 0..366 days; tokens are visible ASCII of at most 4,096
 *	  bytes (they go into an HTTP header), the token type is Bearer;
 *	- no error message quotes a token: the access and refresh token values
 *	  of the input never appear in the message;
 *	- a second parse gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/gh_parse.h"

#include <json-c/json.h>

/*
 * A value that cannot be mistaken for the parser's own wording: at least
 * 8 bytes, no space, with a digit and an upper-case letter (messages are
 * lower case).
 */
static bool
looks_secret(const char *s)
{
	bool		digit = false;
	bool		upper = false;
	size_t		n = strlen(s);
	size_t		i;

	if (n < 8)
		return false;
	for (i = 0; i < n; i++)
	{
		if (s[i] == ' ')
			return false;
		if (s[i] >= '0' && s[i] <= '9')
			digit = true;
		if (s[i] >= 'A' && s[i] <= 'Z')
			upper = true;
	}
	return digit && upper;
}

/* How often needle occurs in data[0..size). */
static int
occurrences(const uint8_t *data, size_t size, const char *needle)
{
	size_t		n = strlen(needle);
	size_t		i;
	int			count = 0;

	for (i = 0; n > 0 && i + n <= size; i++)
		if (memcmp(data + i, needle, n) == 0)
			count++;
	return count;
}

/*
 * If the input holds a token member that looks like a secret, the error
 * message must not contain it.  json-c's lenient parser finds the value
 * even in a document the strict parser refuses.
 */
static void
check_no_token_in(const uint8_t *data, size_t size, const char *message)
{
	static const char *const keys[] = {"access_token", "refresh_token", NULL};
	json_tokener *tok = json_tokener_new();
	json_object *root;
	int			i;

	root = json_tokener_parse_ex(tok, (const char *) data, (int) (size > 1 << 20 ? 1 << 20 : size));
	if (root != NULL && json_object_is_type(root, json_type_object))
	{
		for (i = 0; keys[i]; i++)
		{
			json_object *v;

			/*
			 * A value that also stands elsewhere in the input (as the bad
			 * value of another member, which a message may quote) is not
			 * only a token's.
			 */
			if (json_object_object_get_ex(root, keys[i], &v) &&
				json_object_is_type(v, json_type_string) &&
				looks_secret(json_object_get_string(v)) &&
				occurrences(data, size, json_object_get_string(v)) == 1)
				FUZZ_CHECK(strstr(message, json_object_get_string(v)) == NULL,
						   "the error message quotes the %s", keys[i]);
		}
	}
	json_object_put(root);
	json_tokener_free(tok);
}

static void
check_visible(const char *s, const char *what, bool spaces, size_t maxlen)
{
	size_t		n = strlen(s);
	size_t		i;

	FUZZ_CHECK(n > 0 && n <= maxlen, "%s has length %zu", what, n);
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		FUZZ_CHECK((c > 0x20 && c < 0x7f) || (spaces && c == ' '),
				   "%s contains byte 0x%02x", what, c);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GhToken		tok;
	GhToken		tok2;
	GhError		err;
	GhError		err2;
	GhErrorKind rc;
	GhErrorKind rc2;

	memset(&tok, 0x5A, sizeof(tok));
	rc = gh_parse_token((const char *) data, size, &tok, &err);
	FUZZ_CHECK_ERROR(rc, err);
	if (rc == GH_OK)
	{
		if (tok.error != NULL)
		{
			FUZZ_CHECK(tok.access_token == NULL && tok.refresh_token == NULL,
					   "an error answer with tokens");
			FUZZ_CHECK(strlen(tok.error) > 0, "an empty error code");
		}
		else
		{
			FUZZ_CHECK(tok.access_token != NULL, "success without an access token");
			check_visible(tok.access_token, "access_token", false, 4096);
			if (tok.refresh_token)
				check_visible(tok.refresh_token, "refresh_token", false, 4096);
			if (tok.scope)
				check_visible(tok.scope, "scope", true, 4096);
			if (tok.token_type)
				FUZZ_CHECK(strlen(tok.token_type) == 6, "token_type \"%s\"", tok.token_type);
			FUZZ_CHECK(tok.expires_in >= 0 && tok.expires_in <= 366 * 86400,
					   "expires_in %lld", (long long) tok.expires_in);
		}
	}
	else
	{
		GhToken		empty;

		memset(&empty, 0, sizeof(empty));
		FUZZ_CHECK(err.path[0] == '$', "error path \"%s\"", err.path);
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
		FUZZ_CHECK(memcmp(&tok, &empty, sizeof(tok)) == 0, "a failed parse left data in the token");
		FUZZ_CHECK(!fuzz_is_disagreement(err.message),
				   "json-c and the scanner disagree: %s at %s", err.message, err.path);
		check_no_token_in(data, size, err.message);
	}

	rc2 = gh_parse_token((const char *) data, size, &tok2, &err2);
	FUZZ_CHECK(rc2 == rc && strcmp(err.message, err2.message) == 0 &&
			   fuzz_streq(tok.access_token, tok2.access_token) &&
			   fuzz_streq(tok.refresh_token, tok2.refresh_token) &&
			   fuzz_streq(tok.error, tok2.error) && tok.expires_in == tok2.expires_in,
			   "a second parse gave a different result");
	gh_token_free(&tok);
	gh_token_free(&tok2);
	gh_token_free(&tok2);
	return 0;
}
