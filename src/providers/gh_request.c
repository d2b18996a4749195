/*-------------------------------------------------------------------------
 *
 * gh_request.c
 *	  How Tracker reads the data points of a Google Health data type: the
 *	  one place that builds their URLs.
 *
 * dataPoints.list returns every source's points: a person who wears a
 * Pixel Watch and a Fitbit gets both devices' heart rate and steps, with
 * samples of the same minutes from each.  dataPoints:reconcile returns the
 * one stream the Fitbit and Google apps show, merged as they merge it, in
 * the same shape (an identifiable point's name comes as dataPointName, and
 * no dataSource); it takes the same filter and paging.  So every data type
 * that has reconcile is read through it.  Session names are the same
 * strings either way, so sessions stored from list and from reconcile are
 * the same rows.
 *
 * A data type without reconcile would be read with list: name it in
 * gh_list_only, and merge its sources in its writer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "http/http.h"
#include "providers/provider.h"
#include "tracker.h"

/*
 * Data types read point by point with dataPoints.list instead of
 * reconcile.  Every type Tracker reads point by point has reconcile (floors,
 * which has no list, too), but reconcile answers carry no dataSource: for
 * weight and body fat that loses whether a reading was entered by hand.  A
 * weigh-in is one point of one source (a scale, or a hand entry), not a
 * stream two devices record at once, so list reads each once.
 */
static const char *const gh_list_only[] = {
	"weight",
	"body-fat",
	NULL
};

/*
 * gh_reads_reconcile
 *		Whether a data type's points are read with dataPoints:reconcile.
 */
bool
gh_reads_reconcile(const char *data_type)
{
	int			i;

	for (i = 0; gh_list_only[i] != NULL; i++)
		if (strcmp(gh_list_only[i], data_type) == 0)
			return false;
	return true;
}

/*
 * gh_points_url
 *		The URL of one page of a data type's points over a filter (an
 *		AIP-160 filter, not yet encoded), at most page_size points a page,
 *		from page_token on (NULL: the first page).  Reconcile where the type
 *		has it, else list.
 */
char *
gh_points_url(const char *data_type, const char *filter, int page_size,
			  const char *page_token)
{
	StringInfoData url;

	initStringInfo(&url);
	appendStringInfo(&url, "%s/v4/users/me/dataTypes/%s/dataPoints%s?pageSize=%d",
					 tracker_google_health_url, data_type,
					 gh_reads_reconcile(data_type) ? ":reconcile" : "",
					 page_size);
	if (filter != NULL)
		appendStringInfo(&url, "&filter=%s", url_encode(filter));
	if (page_token != NULL)
		appendStringInfo(&url, "&pageToken=%s", url_encode(page_token));
	return url.data;
}
