/*-------------------------------------------------------------------------
 *
 * account.c
 *	  Accounts as the store knows them, and the lock their writers take.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

/*
 * account_write_lock
 *		Take the account's write lock (see TRACKER_LOCK_WRITE in common.h)
 *		until the end of the transaction.  Every function of the store that
 *		writes silver or gold takes it first, so that imports, syncs, workers,
 *		recomputes and restores of one account write one after the other
 *		whichever way they came in.  Taking it again is cheap.
 */
void
account_write_lock(int32 account_id)
{
	LOCKTAG		tag;

	/* outside a transaction it would be held for the session */
	if (!IsTransactionState() || CurrentResourceOwner == NULL)
		elog(ERROR, "the write lock of account %d was asked for outside a transaction",
			 account_id);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_WRITE,
						 (uint32) account_id, 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * account_load
 *		Read an account, with a clear error when it does not exist.
 */
void
account_load(int32 account_id, TrackerAccount *acc)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(account_id)};
	bool		isnull;
	Datum		d;
	int			rc;

	rc = SPI_execute_with_args("SELECT name, provider, time_zone, birth_date "
							   "FROM tracker.account WHERE account_id = $1",
							   1, types, values, NULL, true, 1);
	spi_check(rc, SPI_OK_SELECT, "read the account");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("account %d does not exist", account_id),
				 errhint("Create it with tracker.add_account().")));

	acc->account_id = account_id;
	acc->name = spi_text(0, 1);
	acc->provider = spi_text(0, 2);
	acc->time_zone = spi_text(0, 3);
	acc->tz = tracker_time_zone(acc->time_zone);
	d = spi_datum(0, 4, &isnull);
	acc->has_birth_date = !isnull;
	acc->birth_date = isnull ? 0 : DatumGetDateADT(d);
}
