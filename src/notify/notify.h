/*-------------------------------------------------------------------------
 *
 * notify.h
 *	  Notifications: the scheduler's pass that turns conditions into events
 *	  and deliveries (tracker.notify_check(), in SQL), and the notify worker
 *	  that sends webhook and email deliveries (notify_worker.c) with the
 *	  messages built in notify_send.c.
 *
 * Nothing here holds a transaction open across a network call: a delivery
 * is claimed in one short transaction, sent with none open, and recorded
 * in another.  The scheduler itself never sends anything, so a dead
 * receiver can never hold up the syncs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_NOTIFY_H
#define TRACKER_NOTIFY_H

#include "postgres.h"

/* Settings (tracker.notify_*). */
extern bool tracker_notify_enabled;
extern int	tracker_notify_interval_ms;
extern int	tracker_notify_timeout_ms;
extern int	tracker_notify_retry_base_delay_ms;
extern int	tracker_notify_retry_max_delay_ms;
extern int	tracker_notify_max_attempts;
extern char *tracker_notify_ca_file;

/* One claimed delivery, with what sending it needs (notify_worker.c). */
typedef struct NotifyDelivery
{
	int64		event_id;
	int32		channel_id;
	int32		attempts;
	char	   *channel;		/* webhook or email */
	char	   *target;			/* URL or recipients */
	char	   *server;			/* email: smtp(s):// URL */
	char	   *mail_from;
	char	   *username;
	bool		starttls;
	char	   *secret_kind;	/* header, password or NULL */
	char	   *secret;			/* wiped after the attempt; NULL when missing */
	char	   *document;		/* the event as JSON */
	char	   *kind;
	char	   *account;		/* account name or NULL */
	char	   *message;
	char	   *hint;
	char	   *occurrence;
	char	   *opened_at;		/* ISO 8601, UTC */
} NotifyDelivery;

/* Define the settings; called from _PG_init. */
extern void notify_init(void);

/* Called by the scheduler on every loop; looks every notify_interval. */
extern void notify_schedule(void);

/* Send one delivery with no transaction open (notify_send.c); NULL = sent. */
extern char *notify_send(const NotifyDelivery *d);

/* An RFC 5322 message for an email delivery (notify_send.c). */
extern char *notify_mail_message(const NotifyDelivery *d, const char *to);

extern PGDLLEXPORT void tracker_notify_main(Datum main_arg);

#endif							/* TRACKER_NOTIFY_H */
