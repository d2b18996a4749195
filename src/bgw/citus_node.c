/*-------------------------------------------------------------------------
 *
 * citus_node.c
 *	  Whether this database is a Citus worker node, where Tracker's
 *	  scheduler stays idle.
 *
 * On Citus, Tracker's workers run on the coordinator only (see
 * docs/scale-out.md): the windows are claimed from local tables there with
 * FOR UPDATE SKIP LOCKED, and every write for an account goes to its shard
 * group from there.  A worker node has the extension installed too (its
 * tables are the shells of the distributed ones), so its scheduler would
 * find the accounts of the whole cluster through them; it must not sync
 * them a second time.  It stays running but idle, so that the launcher does
 * not start it again and again, and says so once in the log.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "bgw/bgw.h"
#include "common/common.h"

/*
 * citus_worker_node
 *		Whether the citus extension is installed here and this node is in a
 *		worker group (the coordinator's group is 0; so is the group of a
 *		node that belongs to no cluster yet, which keeps working alone).
 *		Runs inside a worker transaction with SPI connected.
 */
bool
citus_worker_node(void)
{
	bool		isnull;
	Datum		d;

	if (spi_exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension "
				 " WHERE extname = 'citus') "
				 " AND to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL",
				 0, NULL, NULL, NULL, SPI_OK_SELECT, "look for citus") != 1)
		return false;
	d = spi_datum(0, 1, &isnull);
	if (isnull || !DatumGetBool(d))
		return false;
	if (spi_exec("SELECT groupid <> 0 FROM pg_catalog.pg_dist_local_group",
				 0, NULL, NULL, NULL, SPI_OK_SELECT, "read the citus group") != 1)
		return false;
	d = spi_datum(0, 1, &isnull);
	return !isnull && DatumGetBool(d);
}
