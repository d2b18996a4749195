/*-------------------------------------------------------------------------
 *
 * autonomous.h
 *	  Run one statement in its own transaction, committed whatever happens
 *	  to the caller's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_AUTONOMOUS_H
#define TRACKER_AUTONOMOUS_H

#include "postgres.h"

/* One parameter: text or bytea, or NULL. */
typedef struct AutonomousArg
{
	bool		isnull;
	bool		is_bytea;
	const char *data;
	size_t		len;
} AutonomousArg;

#define AUTONOMOUS_MAX_ARGS 16

extern bool autonomous_execute(const char *sql, int nargs,
							   const AutonomousArg *args, char **error);
extern AutonomousArg autonomous_text(const char *s);
extern AutonomousArg autonomous_bytea(const char *data, size_t len);

extern void autonomous_bronze_reject(int32 account_id, const char *source,
									 const char *kind, const char *origin,
									 const char *body, size_t len,
									 const uint8 *sha, int http_status,
									 const char *reason);

extern PGDLLEXPORT void tracker_autonomous_main(Datum main_arg);

#endif							/* TRACKER_AUTONOMOUS_H */
