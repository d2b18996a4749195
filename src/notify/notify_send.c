/*-------------------------------------------------------------------------
 *
 * notify_send.c
 *	  Send one delivery: a webhook's POST of the event's JSON document, or
 *	  an email through SMTP, both through http.c's libcurl wrapper.
 *
 * Runs with no transaction open.  The secret (the webhook's extra header,
 * the SMTP password) goes only into the request; what comes back as an
 * error is the outcome, the status or libcurl's message, none of which
 * holds a header value or a password.  A response body is never quoted: a
 * receiver might echo the request's headers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"

#include "common/common.h"
#include "http/http.h"
#include "notify/notify.h"

/*
 * mail_header_text
 *		Append a header's text with every control character turned into a
 *		space, so that an account name cannot start a header of its own.
 *		Text that is not plain ASCII is sent as an RFC 2047 encoded word.
 */
static void
mail_header_text(StringInfo buf, const char *s)
{
	const unsigned char *p;
	bool		ascii = true;
	char	   *clean = pstrdup(s);
	char	   *c;

	for (c = clean; *c; c++)
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			*c = ' ';
	for (p = (const unsigned char *) clean; *p; p++)
		if (*p >= 0x80)
			ascii = false;
	if (ascii)
		appendStringInfoString(buf, clean);
	else
		appendStringInfo(buf, "=?UTF-8?B?%s?=",
						 base64_string(clean, strlen(clean)));
	pfree(clean);
}

/*
 * mail_body_line
 *		Append a line of the body with CRLF.  A line that is only "." would
 *		end the message early for a server that does not unstuff dots, so
 *		libcurl's dot-stuffing is left to do its job and lines are simply
 *		kept free of bare CR and LF.
 */
static void
mail_body_line(StringInfo buf, const char *label, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (label)
		appendStringInfo(buf, "%s: ", label);
	for (p = s; *p; p++)
		appendStringInfoChar(buf, (*p == '\r' || *p == '\n') ? ' ' : *p);
	appendStringInfoString(buf, "\r\n");
}

/*
 * notify_mail_message
 *		The message of an email delivery: plain text, UTF-8, its subject the
 *		event's one-line message, its Message-ID made from the occurrence so
 *		that a message sent twice (a retry after a lost answer) is one
 *		message to the mail client.
 */
char *
notify_mail_message(const NotifyDelivery *d, const char *to)
{
	StringInfoData buf;
	char		date[64];
	time_t		now = time(NULL);
	struct tm	tm;
	uint64		id;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* no digest of common.h here: they need a transaction's resource owner */
	id = hash_bytes_extended((const unsigned char *) d->occurrence,
							 (int) strlen(d->occurrence), 0);

	initStringInfo(&buf);
	appendStringInfo(&buf, "From: Tracker <%s>\r\n", d->mail_from);
	appendStringInfo(&buf, "To: %s\r\n", to);
	appendStringInfoString(&buf, "Subject: ");
	mail_header_text(&buf, d->message);
	appendStringInfoString(&buf, "\r\n");
	appendStringInfo(&buf, "Date: %s\r\n", date);
	appendStringInfo(&buf, "Message-ID: <%016llx.%lld@tracker>\r\n",
					 (unsigned long long) id, (long long) d->event_id);
	appendStringInfoString(&buf, "MIME-Version: 1.0\r\n");
	appendStringInfoString(&buf, "Content-Type: text/plain; charset=utf-8\r\n");
	appendStringInfoString(&buf, "Content-Transfer-Encoding: 8bit\r\n");
	appendStringInfoString(&buf, "Auto-Submitted: auto-generated\r\n");
	appendStringInfoString(&buf, "\r\n");
	mail_body_line(&buf, NULL, d->message);
	appendStringInfoString(&buf, "\r\n");
	mail_body_line(&buf, NULL, d->hint);
	appendStringInfoString(&buf, "\r\n");
	mail_body_line(&buf, "Event", d->kind);
	mail_body_line(&buf, "Account", d->account);
	mail_body_line(&buf, "Time", d->opened_at);
	mail_body_line(&buf, "Occurrence", d->occurrence);
	return buf.data;
}

/*
 * describe_failure
 *		What a failed attempt is recorded as: the outcome and libcurl's
 *		message, or the status of a response.
 */
static char *
describe_failure(const HttpResponse *resp)
{
	if (resp->outcome == HTTP_RESPONSE)
		return psprintf("HTTP status %ld", resp->status);
	return psprintf("%s: %s", http_outcome_name(resp->outcome),
					resp->error[0] ? resp->error : "no detail");
}

/* Webhook: POST the event's JSON, with the channel's extra header. */
static char *
send_webhook(const NotifyDelivery *d)
{
	HttpRequest req;
	HttpResponse resp;
	const char *headers[4];
	int			n = 0;

	if (d->secret_kind != NULL && d->secret == NULL)
		return pstrdup("the channel's header is not set (dumps do not hold it): set it again with tracker.set_notify()");

	headers[n++] = "Content-Type: application/json";
	headers[n++] = "Accept: */*";
	if (d->secret != NULL)
		headers[n++] = d->secret;
	headers[n] = NULL;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = d->target;
	req.headers = headers;
	req.body = d->document;
	req.body_len = strlen(d->document);
	req.timeout_ms = tracker_notify_timeout_ms;
	req.max_response_bytes = 64 * 1024;
	if (tracker_notify_ca_file != NULL && tracker_notify_ca_file[0] != '\0')
		req.ca_file = tracker_notify_ca_file;

	http_perform(&req, &resp);
	if (resp.outcome == HTTP_RESPONSE && resp.status >= 200 && resp.status < 300)
		return NULL;
	return describe_failure(&resp);
}

/* Email: one message to the channel's recipients. */
static char *
send_email(const NotifyDelivery *d)
{
	HttpRequest req;
	HttpResponse resp;
	List	   *rcpt = NIL;
	const char **rcpts;
	char	   *to = pstrdup(d->target);
	char	   *tok;
	char	   *save;
	char	   *userpwd = NULL;
	char	   *message;
	char	   *error = NULL;
	ListCell   *lc;
	int			i = 0;

	if (d->secret_kind != NULL && d->secret == NULL)
		return pstrdup("the channel's password is not set (dumps do not hold it): set it again with tracker.set_notify()");

	for (tok = strtok_r(to, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		rcpt = lappend(rcpt, psprintf("<%s>", tok));
	rcpts = palloc0(sizeof(char *) * (list_length(rcpt) + 1));
	foreach(lc, rcpt)
		rcpts[i++] = lfirst(lc);

	message = notify_mail_message(d, d->target);

	memset(&req, 0, sizeof(req));
	req.method = "MAIL";
	req.url = d->server;
	req.body = message;
	req.body_len = strlen(message);
	req.timeout_ms = tracker_notify_timeout_ms;
	req.max_response_bytes = 64 * 1024;
	req.mail_from = psprintf("<%s>", d->mail_from);
	req.mail_rcpt = rcpts;
	req.mail_plain = !d->starttls;
	if (tracker_notify_ca_file != NULL && tracker_notify_ca_file[0] != '\0')
		req.ca_file = tracker_notify_ca_file;
	if (d->username != NULL && d->secret != NULL)
	{
		userpwd = psprintf("%s:%s", d->username, d->secret);
		req.userpwd = userpwd;
	}

	http_perform(&req, &resp);
	if (userpwd != NULL)
	{
		explicit_bzero(userpwd, strlen(userpwd));
		pfree(userpwd);
	}
	if (resp.outcome != HTTP_RESPONSE)
		error = describe_failure(&resp);
	return error;
}

/*
 * notify_send
 *		Send one delivery; NULL when it was delivered, else why not.
 */
char *
notify_send(const NotifyDelivery *d)
{
	if (strcmp(d->channel, "webhook") == 0)
		return send_webhook(d);
	if (strcmp(d->channel, "email") == 0)
		return send_email(d);
	return psprintf("channel %s is not sent by the notify worker", d->channel);
}
