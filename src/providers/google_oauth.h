/*-------------------------------------------------------------------------
 *
 * oauth.h
 *	  Google OAuth 2.0: code exchange, token refresh, connection state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_OAUTH_H
#define TRACKER_OAUTH_H

#include "http/fetch.h"

extern char *percent_encode(const char *s, bool keep_slash);
extern char *url_encode(const char *s);
extern AuthState oauth_access_token(FetchContext *ctx, bool force,
									const DbAccess *db,
									char **token, char **why);
extern void auth_state_record(int32 account_id, const char *state,
							  const char *reason, const char *granted_scopes,
							  bool autonomous);

#endif							/* TRACKER_OAUTH_H */
