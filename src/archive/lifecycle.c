/*-------------------------------------------------------------------------
 *
 * lifecycle.c
 *	  The lifecycle rule that moves bundles (never manifests) to Deep
 *	  Archive or another storage class.
 *
 * Deep Archive charges about 40 KB per object and 180 days at least, which
 * is why bundles are monthly and manifests are left where restore can read
 * them.  PUT replaces a bucket's whole lifecycle configuration, so
 * Tracker's rule is merged into the one the bucket has.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "http/http.h"

/* Objects under 128 KiB do not transition (AWS's default, made explicit). */
#define LIFECYCLE_MIN_SIZE 131071


static const char *const lifecycle_classes[] = {
	"DEEP_ARCHIVE", "GLACIER", "GLACIER_IR", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", NULL
};

/*
 * lifecycle_check
 *		Validate the rule's arguments; returns the storage class in the
 *		spelling S3 wants.
 */
char *
lifecycle_check(int days, const char *storage_class)
{
	char	   *cls;
	char	   *p;
	int			i;

	if (storage_class == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("storage_class must not be null")));
	cls = pstrdup(storage_class);
	for (p = cls; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	for (i = 0; lifecycle_classes[i] != NULL; i++)
		if (strcmp(cls, lifecycle_classes[i]) == 0)
			break;
	if (lifecycle_classes[i] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("storage class \"%s\" is not one a lifecycle rule can move objects to",
						pnstrdup(storage_class,
								 pg_mbcliplen(storage_class, strlen(storage_class), 64))),
				 errhint("Use DEEP_ARCHIVE (the cheapest), GLACIER, GLACIER_IR, STANDARD_IA, ONEZONE_IA or INTELLIGENT_TIERING.")));
	if (days < 0 || days > 36500)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_days must be between 0 and 36500")));
	if ((strcmp(cls, "STANDARD_IA") == 0 || strcmp(cls, "ONEZONE_IA") == 0) && days < 30)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("objects can move to %s only after at least 30 days", cls)));
	return cls;
}

/*
 * lifecycle_rule_id
 *		Tracker's rule is known by the bundles' prefix, so two databases
 *		archiving under different prefixes of one bucket keep a rule each.
 */
char *
lifecycle_rule_id(const char *prefix)
{
	return psprintf("tracker-archive:%sbundles/", prefix);
}

/*
 * lifecycle_merge
 *		The bucket's lifecycle configuration with Tracker's rule for its
 *		prefix put in: every other rule is kept exactly as it was (PUT
 *		replaces the whole configuration), an earlier version of Tracker's
 *		rule is replaced.  The rule moves bundles (not manifests) to the
 *		storage class after_days days after they were written, and leaves
 *		objects under 128 KiB alone (they would pay more in per-object
 *		overhead than they save).
 */
char *
lifecycle_merge(const char *current, const char *prefix, int days,
				const char *storage_class, int *kept)
{
	StringInfoData buf;
	char	   *rule_id = lifecycle_rule_id(prefix);

	*kept = 0;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
						   "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n");
	if (current != NULL && current[0] != '\0')
	{
		const char *end = current + strlen(current);
		const char *os,
				   *is,
				   *ie,
				   *oe;
		const char *root_end;
		const char *p;

		if (!s3_xml_element(current, end, "LifecycleConfiguration", &os, &is, &ie, &oe))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("current lifecycle configuration is not a LifecycleConfiguration document")));
		root_end = ie;
		p = is;
		while (s3_xml_element(p, root_end, "Rule", &os, &is, &ie, &oe))
		{
			char	   *id = s3_xml_child_text(is, ie, "ID");

			if (id == NULL || strcmp(id, rule_id) != 0)
			{
				appendStringInfoString(&buf, "  ");
				appendBinaryStringInfo(&buf, os, oe - os);
				appendStringInfoChar(&buf, '\n');
				(*kept)++;
			}
			p = oe;
		}
	}
	appendStringInfoString(&buf, "  <Rule><ID>");
	s3_xml_escape(&buf, rule_id);
	appendStringInfoString(&buf, "</ID><Filter><And><Prefix>");
	s3_xml_escape(&buf, psprintf("%sbundles/", prefix));
	appendStringInfo(&buf, "</Prefix><ObjectSizeGreaterThan>%d</ObjectSizeGreaterThan>"
					 "</And></Filter><Status>Enabled</Status>"
					 "<Transition><Days>%d</Days><StorageClass>%s</StorageClass>"
					 "</Transition></Rule>\n",
					 LIFECYCLE_MIN_SIZE, days, storage_class);
	appendStringInfoString(&buf, "</LifecycleConfiguration>\n");
	return buf.data;
}
