// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syslog: RFC 5424 (default), RFC 3164, or the local form (a unix:
 * target's default).
 *
 * RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
 *           [meta sequenceId="N"][PLUGIN.EVENT@PEN field="value" ...] MSG
 * RFC 3164: <PRI>Mmm dd hh:mm:ss HOSTNAME APP-NAME[PROCID]:
 *           [meta sequenceId="N"] MSG
 * local:    RFC 3164 without HOSTNAME, as glibc's syslog(3) writes it
 *
 * MSG is the text output's line, the JSON record, or CEF or LEEF
 * (syslog_payload; with CEF and LEEF the fields are in MSG, not in SD).  PRI
 * carries each record's severity (severity.h).  The
 * sequenceId counts this output's messages (RFC 5424 §7.3.1), so a gap at
 * the collector shows what was lost on the way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "escape.h"
#include "format_cef.h"
#include "format_value.h"
#include "output.h"

#define SD_NAME_MAX 32		/* RFC 5424 SD-NAME */
#define MSGID_MAX 32
#define TAG_MAX 32		/* RFC 3164 TAG */
#define SEQUENCE_MAX 2147483647u

/* syslog_payload, in the order of its choices. */
enum syslog_payload {
	PAYLOAD_TEXT,
	PAYLOAD_JSON,
	PAYLOAD_CEF,
	PAYLOAD_LEEF,
};

struct syslog_state {
	bool rfc3164;
	bool local;		/* RFC 3164 without HOSTNAME */
	enum syslog_payload payload_kind;
	bool line_sink;		/* stdout or a file: a message per line */
	unsigned int facility;
	char hostname[256];
	char app_name[49];
	char procid[16];
	char *msgid;		/* template */
	char *enterprise_id;
	uint32_t seq;
	struct strbuf payload;
};

/*
 * Facility and severity codes are the value's place in the option's
 * declared choices, which list them in code order.
 */
static unsigned int code_of(const struct optset *o, const char *name)
{
	const char *word = optset_str(o, name, 0), *list = NULL;
	size_t len = strlen(word);
	unsigned int i = 0;

	for (unsigned int k = 0; k < o->n; k++)
		if (!strcmp(o->slots[k].decl->name, name))
			list = o->slots[k].decl->choices;
	for (const char *p = list; p; p = strchr(p, '|'), p = p ? p + 1 : p) {
		if (!strncmp(p, word, len) && (p[len] == '|' || !p[len]))
			return i;
		i++;
	}
	return 0;
}

/* RFC 5424 PRINTUSASCII: %d33-126. */
static bool printusascii(char c)
{
	return c >= 33 && c <= 126;
}

static bool all_printusascii(const char *s)
{
	for (; *s; s++)
		if (!printusascii(*s))
			return false;
	return true;
}

static int bad_value(const struct output *out,
		     const struct config_section *sec, const char *key,
		     const char *why)
{
	log_error("%s: bad value for %s.%s: '%s': %s",
		  output_key_where(out, sec, key), out->name, key,
		  optset_str(&out->opts, key, 0), why);
	return -EINVAL;
}

/* Only {plugin} and {event} are placeholders; the rest is copied. */
static bool msgid_template_valid(const char *t)
{
	if (!all_printusascii(t))
		return false;
	for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
		if (strncmp(p, "{plugin}", 8) && strncmp(p, "{event}", 7))
			return false;
	return true;
}

static bool enterprise_id_valid(const char *s)
{
	/* A PEN, optionally with sub-identifiers: 32473 or 32473.1.2 */
	if (*s < '0' || *s > '9')
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') ||
		      (*s == '.' && s[1] >= '0' && s[1] <= '9')))
			return false;
	return true;
}

/* This host's name as a HOSTNAME: printable ASCII, else "-" (NILVALUE). */
static void default_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) || !buf[0] || !all_printusascii(buf))
		snprintf(buf, len, "-");
	buf[len - 1] = '\0';
}

/*
 * Local daemons parse what syslog(3) writes to /dev/log, with no HOSTNAME:
 * rsyslog's imuxsock and journald take "<PRI>TIMESTAMP TAG[PID]: MSG" and
 * neither reads an RFC 5424 header or an RFC 3164 HOSTNAME by default.
 * So a unix: target sends that unless told otherwise; rfc5424 and rfc3164
 * go as asked, to a daemon set up to parse them.  rsyslog ends the program
 * name at the first ':' or '[', journald looks for the last "[PID]:", so
 * an app name with ':', '[' or ']' would read differently in each.
 */
static int choose_header(struct output *out, const struct config_section *sec,
			 struct syslog_state *st)
{
	const struct optset *o = &out->opts;
	const char *form = optset_str(o, "syslog_format", 0);
	bool unix_target = !strncmp(optset_str(o, "target", 0), "unix:", 5);

	if (!form)
		form = unix_target ? "local" : "rfc5424";
	st->rfc3164 = strcmp(form, "rfc5424");
	st->local = !strcmp(form, "local");
	if (st->local && !unix_target)
		return bad_value(out, sec, "syslog_format",
				 "local is for a unix: target such as unix:/dev/log; give rfc5424 or rfc3164 here");
	if (st->local && strpbrk(optset_str(o, "app_name", 0), ":[]"))
		return bad_value(out, sec, "app_name",
				 "no ':', '[' or ']' in a local syslog TAG");
	return 0;
}

static void syslog_cleanup(struct output *out)
{
	struct syslog_state *st = out->priv;

	if (!st)
		return;
	free(st->msgid);
	free(st->enterprise_id);
	sb_free(&st->payload);
	free(st);
	out->priv = NULL;
}

static int syslog_setup(struct output *out, const struct config_section *sec)
{
	const struct optset *o = &out->opts;
	const char *host = optset_str(o, "hostname", 0);
	struct syslog_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	out->priv = st;
	if (!all_printusascii(optset_str(o, "app_name", 0)))
		return bad_value(out, sec, "app_name",
				 "printable ASCII without spaces only");
	if (host && !all_printusascii(host))
		return bad_value(out, sec, "hostname",
				 "printable ASCII without spaces only");
	if (!msgid_template_valid(optset_str(o, "msgid", 0)))
		return bad_value(out, sec, "msgid",
				 "printable ASCII without spaces; placeholders are {plugin} and {event}");
	if (!enterprise_id_valid(optset_str(o, "enterprise_id", 0)))
		return bad_value(out, sec, "enterprise_id",
				 "expected a private enterprise number such as 32473 or 32473.1");
	if (choose_header(out, sec, st))
		return -EINVAL;
	st->payload_kind = code_of(o, "syslog_payload");
	st->line_sink = !out->sink.ops->frames_messages;
	st->facility = code_of(o, "facility");
	if (host)
		snprintf(st->hostname, sizeof(st->hostname), "%s", host);
	else
		default_hostname(st->hostname, sizeof(st->hostname));
	snprintf(st->app_name, sizeof(st->app_name), "%s",
		 optset_str(o, "app_name", 0));
	snprintf(st->procid, sizeof(st->procid), "%d", (int)getpid());
	st->msgid = strdup(optset_str(o, "msgid", 0));
	st->enterprise_id = strdup(optset_str(o, "enterprise_id", 0));
	return st->msgid && st->enterprise_id ? 0 : -ENOMEM;
}

/*
 * Append a name as an SD-NAME: printable ASCII but '=', ' ', ']', '"', at
 * most max bytes.  Schema names are [a-z0-9_]+ already; this keeps the
 * grammar whatever a name holds.
 */
static void put_sd_name(struct strbuf *sb, const char *name, size_t max)
{
	for (size_t i = 0; name[i] && i < max; i++) {
		char c = name[i];

		sb_putc(sb, printusascii(c) && c != '=' && c != ']' &&
					c != '"' ? c : '_');
	}
}

/*
 * PARAM-VALUE (RFC 5424 §6.3.3): UTF-8 with '"', '\' and ']' escaped by a
 * backslash.  Invalid UTF-8 becomes U+FFFD, as in the JSON output, so the
 * value is valid UTF-8 and equal to the JSON field; a NAME_hex param after
 * it then holds the exact bytes (format_value.h).  Control characters
 * pass as they are to a network sink (its framing does not depend on
 * them); on stdout or in a file, where a message is a line and may reach a
 * terminal, C0, DEL and C1 controls become #ooo per byte, as rsyslog writes
 * them.
 */
static void sd_escape(struct strbuf *sb, const char *str, size_t n,
		      bool controls)
{
	static const char esc[128] = { ['"'] = '"', ['\\'] = '\\',
				       [']'] = ']' };

	backslash_escape(sb, str, n, esc, controls);
}

static void put_msgid(struct strbuf *sb, const char *tmpl,
		      const struct event_type *t)
{
	size_t mark = sb->len;

	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "{plugin}", 8)) {
			put_sd_name(sb, t->plugin, MSGID_MAX);
			p += 8;
		} else if (!strncmp(p, "{event}", 7)) {
			put_sd_name(sb, t->schema->name, MSGID_MAX);
			p += 7;
		} else {
			sb_putc(sb, *p++);
		}
	}
	if (sb->len - mark > MSGID_MAX)
		sb->len = mark + MSGID_MAX;
}

/* 2026-11-25T03:48:17.123456Z: RFC 5424 allows six fraction digits. */
static void put_rfc5424_time(struct strbuf *sb, uint64_t real_ns)
{
	time_t sec = real_ns / 1000000000;
	struct tm tm;
	char buf[32];

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	sb_printf(sb, "%s.%06uZ", buf,
		  (unsigned int)(real_ns % 1000000000 / 1000));
}

/* Nov  5 03:48:17, local time, as RFC 3164 has it. */
static void put_rfc3164_time(struct strbuf *sb, uint64_t real_ns)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
					    "Jun", "Jul", "Aug", "Sep", "Oct",
					    "Nov", "Dec" };
	time_t sec = real_ns / 1000000000;
	struct tm tm;

	localtime_r(&sec, &tm);
	sb_printf(sb, "%s %2d %02d:%02d:%02d", months[tm.tm_mon], tm.tm_mday,
		  tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * [PLUGIN.EVENT@PEN name="value" ...]; null values are left out, and the
 * whole element when a CEF or LEEF MSG carries the fields.
 */
static void put_event_element(struct output *out, struct strbuf *sb,
			      const struct syslog_state *st,
			      const struct record *rec)
{
	const struct bpfhost_event_schema *s = rec->type->schema;
	size_t pen = strlen(st->enterprise_id) + 1;
	struct value v;

	if (st->payload_kind == PAYLOAD_CEF || st->payload_kind == PAYLOAD_LEEF)
		return;

	sb_putc(sb, '[');
	put_sd_name(sb, rec->type->qname,
		    pen < SD_NAME_MAX ? SD_NAME_MAX - pen : 0);
	sb_putc(sb, '@');
	sb_puts(sb, st->enterprise_id);
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];

		if (f->flags & BPFHOST_FIELD_SEVERITY)
			continue;	/* it is PRI's severity */
		field_value(f, rec->data, rec->size, &out->scratch, &v);
		if (v.kind == VALUE_NULL)
			continue;
		sb_putc(sb, ' ');
		put_sd_name(sb, f->name, SD_NAME_MAX);
		sb_puts(sb, "=\"");
		format_pair_value(sb, &v, sd_escape, st->line_sink);
		sb_putc(sb, '"');
		if (value_needs_hex(&v, st->line_sink)) {
			sb_putc(sb, ' ');
			/* Still an SD-NAME: at most 32 bytes. */
			put_sd_name(sb, f->name, SD_NAME_MAX - 4);
			sb_puts(sb, "_hex=\"");
			hex_bytes(sb, v.str, v.len);
			sb_putc(sb, '"');
		}
	}
	sb_putc(sb, ']');
}

/* The text line, JSON record, CEF or LEEF, without a newline. */
static void render_payload(struct output *out, struct syslog_state *st,
			   const struct record *rec)
{
	struct strbuf *pl = &st->payload;

	sb_reset(pl);
	switch (st->payload_kind) {
	case PAYLOAD_TEXT:
		text_format_line(out, pl, rec);
		break;
	case PAYLOAD_JSON:
		json_formatter.record(out, pl, rec);
		break;
	case PAYLOAD_CEF:
	case PAYLOAD_LEEF:
		cef_format(out, pl, rec, record_severity(out, rec),
			   st->payload_kind == PAYLOAD_LEEF, st->line_sink);
		break;
	}
	while (pl->len && pl->data[pl->len - 1] == '\n')
		pl->len--;
}

/* <PRI>: the facility option and the record's severity. */
static void put_pri(struct strbuf *sb, const struct output *out,
		    const struct syslog_state *st, const struct record *rec)
{
	sb_printf(sb, "<%u>",
		  st->facility * 8 + record_severity(out, rec));
}

static void syslog_record(struct output *out, struct strbuf *sb,
			  const struct record *rec)
{
	struct syslog_state *st = out->priv;

	st->seq = st->seq >= SEQUENCE_MAX ? 1 : st->seq + 1;
	render_payload(out, st, rec);
	if (st->payload.failed)
		sb->failed = true;
	put_pri(sb, out, st, rec);
	if (st->rfc3164) {
		put_rfc3164_time(sb, rec->real_ns);
		if (!st->local)
			sb_printf(sb, " %s", st->hostname);
		sb_printf(sb, " %.*s[%s]: ", TAG_MAX, st->app_name, st->procid);
		sb_printf(sb, "[meta sequenceId=\"%u\"] ", st->seq);
	} else {
		sb_puts(sb, "1 ");
		put_rfc5424_time(sb, rec->real_ns);
		sb_printf(sb, " %s %s %s ", st->hostname, st->app_name,
			  st->procid);
		put_msgid(sb, st->msgid, rec->type);
		sb_printf(sb, " [meta sequenceId=\"%u\"]", st->seq);
		put_event_element(out, sb, st, rec);
		sb_putc(sb, ' ');
	}
	sb_append(sb, st->payload.data, st->payload.len);
	if (st->line_sink)
		sb_putc(sb, '\n');
}

const struct formatter syslog_formatter = {
	.name = "syslog",
	.setup = syslog_setup,
	.cleanup = syslog_cleanup,
	.record = syslog_record,
};
