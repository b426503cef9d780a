// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The file is read here, whole and bounded (textfile.c), and parsed by the
 * small parser below rather than by libinih.  Debian's inih reads with
 * fgets(): a line longer than its buffer comes back in pieces, the tail
 * parsed as a line of its own (an 8 kB comment ending in "plugins = x" set
 * plugins); a NUL ends a line unseen; text after "]" is dropped; a section
 * name is cut at 49 bytes; a section without keys never reaches the
 * handler; the handler gets no line number; and its settings are process
 * globals.  Catching all that around it meant parsing every line twice.
 *
 * The grammar, strict so that a typo is refused rather than read another
 * way:
 *   - lines end in LF or CRLF, and hold at most CONFIG_MAX_LINE bytes; no
 *     other control byte than a tab (no NUL, no lone CR);
 *   - blanks (space, tab) around a line, a key and a value are ignored;
 *   - an empty line, or one starting with ";" or "#", is a comment;
 *   - "[NAME]" or "[NAME.NAME...]" opens a section (letters, digits, "_",
 *     "-"), with nothing after the "]";
 *   - "KEY = VALUE" inside a section (KEY: letters, digits, "_", "-"); a
 *     value holding ";" or "#" after a blank is refused: it looks like a
 *     comment, which goes on a line of its own.
 * A UTF-8 byte order mark at the start is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "textfile.h"

/* Longest line, without its line end: a key, " = " and a 4095-byte path. */
#define CONFIG_MAX_LINE 8191
/* The shipped config is 5 kB: a file past this is the wrong file. */
#define CONFIG_MAX_SIZE (1024 * 1024)
/* Bounds the linear section lookups: a 1 MiB file of headers took 20 s. */
#define CONFIG_MAX_SECTIONS 256

struct parser {
	struct config *cfg;
	struct config_section *sec;	/* the open section; NULL before one */
	int line;			/* the line being parsed */
};

static char *where_string(const struct parser *p)
{
	char *where;

	if (asprintf(&where, "%s:%d", p->cfg->path, p->line) < 0)
		return NULL;
	return where;
}

struct config_section *config_section(const struct config *cfg,
				      const char *name)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->sections[i].name, name))
			return &cfg->sections[i];
	return NULL;
}

static struct config_section *add_section(struct parser *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct config_section *sec, *secs;

	secs = realloc(cfg->sections, (cfg->n + 1) * sizeof(*secs));
	if (!secs)
		return NULL;
	cfg->sections = secs;
	sec = &secs[cfg->n];
	*sec = (struct config_section){ .name = strdup(name),
					.where = where_string(p) };
	if (!sec->name || !sec->where) {
		free(sec->name);
		free(sec->where);
		return NULL;
	}
	cfg->n++;
	return sec;
}

static int add_entry(struct parser *p, const char *key, const char *value)
{
	struct config_section *sec = p->sec;
	struct config_entry *e = realloc(sec->entries,
					 (sec->n + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	sec->entries = e;
	e = &e[sec->n];
	e->key = strdup(key);
	e->value = strdup(value);
	e->where = where_string(p);
	if (!e->key || !e->value || !e->where) {
		free(e->key);
		free(e->value);
		free(e->where);
		return -ENOMEM;
	}
	sec->n++;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Blanks off both ends, in place. */
static char *trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len && is_blank(s[len - 1]))
		s[--len] = '\0';
	return s;
}

static bool is_word(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_word_char(s[i]))
			return false;
	return true;
}

/* Words joined by single dots: "output", "output.siem"; not "output.". */
static bool section_name_valid(const char *name)
{
	const char *dot;

	while ((dot = strchr(name, '.'))) {
		if (!is_word(name, dot - name))
			return false;
		name = dot + 1;
	}
	return is_word(name, strlen(name));
}

static int refuse(const struct parser *p, const char *what)
{
	log_error("%s:%d: %s", p->cfg->path, p->line, what);
	return -EINVAL;
}

/* Text: no NUL, no lone CR (old Mac line ends), no control byte but tab. */
static int check_bytes(const struct parser *p, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\0')
			return refuse(p, "NUL byte in the line; a config file is text: remove it");
		if (c == '\r')
			return refuse(p, "carriage return inside the line (old Mac line ends?); save the file with LF or CRLF line ends");
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			log_error("%s:%d: control character 0x%02x in the line; a config file is text: remove it",
				  p->cfg->path, p->line, c);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_header(struct parser *p, char *s)
{
	char *close = strchr(s, ']');

	if (!close)
		return refuse(p, "section header without ']'; write it as [NAME]");
	if (close[1])
		return refuse(p, "text after ']'; a [section] header stands alone on its line (comments go on their own line)");
	*close = '\0';
	if (!section_name_valid(s + 1))
		return refuse(p, "bad section name; write [NAME] or [NAME.NAME] with letters, digits, _ and -, e.g. [filesnoop] or [output.siem]");
	/* A section opened again goes on where it left off. */
	p->sec = config_section(p->cfg, s + 1);
	if (p->sec)
		return 0;
	if (p->cfg->n == CONFIG_MAX_SECTIONS) {
		log_error("%s:%d: more than %d sections; a config file has one per plugin and output",
			  p->cfg->path, p->line, CONFIG_MAX_SECTIONS);
		return -EINVAL;
	}
	p->sec = add_section(p, s + 1);
	return p->sec ? 0 : -ENOMEM;
}

/* ";" or "#" at the start of the value or after a blank in it. */
static bool has_comment(const char *value)
{
	for (const char *c = value; *c; c++)
		if ((*c == ';' || *c == '#') && (c == value || is_blank(c[-1])))
			return true;
	return false;
}

static int parse_entry(struct parser *p, char *s)
{
	char *eq = strchr(s, '='), *key, *value;

	if (!eq)
		return refuse(p, "syntax error: expected [section], key = value, or a ; comment");
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!is_word(key, strlen(key)))
		return refuse(p, "bad key before '='; a key is letters, digits, _ and -");
	if (!p->sec) {
		log_error("%s:%d: '%s' is outside any section; put it under [bpfhost], [output] or a plugin's [NAME]",
			  p->cfg->path, p->line, key);
		return -EINVAL;
	}
	if (has_comment(value))
		return refuse(p, "';' or '#' after a blank in a value; put comments on their own line");
	return add_entry(p, key, value);
}

/* One line, LEN bytes without its LF; S[LEN] may be overwritten. */
static int parse_line(struct parser *p, char *s, size_t len)
{
	int err;

	if (len && s[len - 1] == '\r')
		len--;
	if (len > CONFIG_MAX_LINE) {
		log_error("%s:%d: line longer than %d bytes; shorten it",
			  p->cfg->path, p->line, CONFIG_MAX_LINE);
		return -EINVAL;
	}
	err = check_bytes(p, s, len);
	if (err)
		return err;
	s[len] = '\0';
	s = trim(s);
	if (!*s || *s == ';' || *s == '#')
		return 0;
	if (*s == '[')
		return parse_header(p, s);
	return parse_entry(p, s);
}

/* TEXT holds LEN bytes and a NUL after them; it is cut up in place. */
static int config_parse(struct config *cfg, char *text, size_t len)
{
	struct parser p = { .cfg = cfg };
	char *s = text, *end = text + len;

	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < end) {
		char *lf = memchr(s, '\n', end - s);
		int err;

		p.line++;
		err = parse_line(&p, s, lf ? (size_t)(lf - s) : (size_t)(end - s));
		if (err || !lf)
			return err;
		s = lf + 1;
	}
	return 0;
}

int config_load(struct config *cfg, const char *path)
{
	char *text;
	size_t len;
	int err;

	*cfg = (struct config){ 0 };
	err = textfile_read(path, "config file", CONFIG_MAX_SIZE, &text, &len);
	if (err)
		return err;
	cfg->path = strdup(path);
	err = cfg->path ? config_parse(cfg, text, len) : -ENOMEM;
	free(text);
	/* On failure nothing is left for the caller to free. */
	if (err)
		config_free(cfg);
	return err;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		struct config_section *sec = &cfg->sections[i];

		for (size_t j = 0; j < sec->n; j++) {
			free(sec->entries[j].key);
			free(sec->entries[j].value);
			free(sec->entries[j].where);
		}
		free(sec->entries);
		free(sec->name);
		free(sec->where);
	}
	free(cfg->sections);
	free(cfg->path);
	*cfg = (struct config){ 0 };
}
