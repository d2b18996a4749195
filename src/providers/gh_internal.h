/*-------------------------------------------------------------------------
 *
 * gh_internal.h
 *	  What the three files of the Google Health parser share: the parse
 *	  context, the limits of the checked members, the readers of proto3
 *	  JSON values (gh_values.c) and the per-data-type point readers
 *	  (gh_points.c).
 *
 * Not an interface: gh_parse.h is.  Only gh_parse.c, gh_points.c and
 * gh_values.c include this.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_GH_INTERNAL_H
#define TRACKER_GH_INTERNAL_H

#include "providers/gh_parse.h"
#include "providers/json_check.h"

/* Ranges of the checked members. */
#define ZONE_BPM_MAX 300
#define UTC_OFFSET_MAX (18 * 3600)	/* google.type.DateTime's limit */
#define ROLLUP_ZONE_SECONDS_MAX (2 * 86400)
#define STEPS_PER_POINT_MAX 100000
#define SESSION_SECONDS_MAX (7 * 86400)
#define EXERCISE_STEPS_MAX 1000000
#define CALORIES_MAX 100000.0
#define DISTANCE_MM_MAX 1e10
#define SLEEP_MINUTES_MAX (2 * 1440)
#define AGE_MAX 150
#define EXPIRES_IN_MAX (366 * 86400)

/* Longest strings kept, in bytes. */
#define ENUM_LEN_MAX 64
#define NAME_LEN_MAX 1024
#define TEXT_LEN_MAX 4096
#define TOKEN_LEN_MAX 4096
#define TIME_ZONE_LEN_MAX 64

typedef struct ParseCtx
{
	JsonCheck	jc;
	GhError    *err;
	GhPage	   *page;			/* gh_parse_page() only */
	bool		no_fast;		/* read no points with gh_fastpoints.c */
} ParseCtx;

/* gh_values.c: proto3 JSON values */
extern bool gh_parse_timestamp(const char *s, size_t len, int64_t *out);
extern JcKind gh_member_int64(JsonCheck *jc, json_object *obj,
							  const JcPath *at, const char *key,
							  bool required, int64_t lo, int64_t hi,
							  int64_t *out);
extern JcKind gh_member_timestamp(JsonCheck *jc, json_object *obj,
								  const JcPath *at, const char *key,
								  bool required, int64_t *out);
extern JcKind gh_member_duration(JsonCheck *jc, json_object *obj,
								 const JcPath *at, const char *key,
								 int64_t lo, int64_t hi, bool whole,
								 int64_t *out);
extern JcKind gh_member_utc_offset(JsonCheck *jc, json_object *obj,
								   const JcPath *at, const char *key,
								   int *out);
extern JcKind gh_member_date(JsonCheck *jc, json_object *obj,
							 const JcPath *at, const char *key, GhDate *out);
extern char *gh_dup_cstr(const char *s);
extern JcKind gh_dup_literal(JsonCheck *jc, const JcPath *at, const char *s,
							 char **out);

/* gh_vitals.c: the one reader of the vitals and body types */
extern JcKind gh_read_vital(void *arg, json_object *elem, const JcPath *at,
							size_t index);

/* gh_points.c: element readers, indexed by GhDataType */
extern const JcElementFn gh_point_readers[GH_DATA_TYPE_COUNT];
extern JcKind gh_read_interval(JsonCheck *jc, json_object *owner,
							   const JcPath *at, int64_t *start, int64_t *end,
							   int *start_offset);

/* gh_activity.c: intervals and roll-up windows of the activity types */
extern JcKind gh_read_activity_interval(void *arg, json_object *elem,
										const JcPath *at, size_t index);
extern JcKind gh_read_activity_rollup(void *arg, json_object *elem,
									  const JcPath *at, size_t index);
extern bool gh_activity_simple_interval(GhDataType type, const char **key,
										const char **member, int64_t *max,
										int64_t *max_seconds);

/* gh_fastpoints.c: the dense point arrays read straight from the bytes */
extern bool gh_fast_points(const GhPage *page);
extern bool gh_fast_chunk(void *arg, const char *buf, size_t start,
						  size_t end, size_t first, size_t n);

#endif							/* TRACKER_GH_INTERNAL_H */
