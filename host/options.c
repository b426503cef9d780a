// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "options.h"

int optset_init(struct optset *set, const char *owner,
		const struct bpfhost_option *decls, unsigned int n)
{
	*set = (struct optset){ 0 };
	set->owner = strdup(owner);
	set->slots = calloc(n ? n : 1, sizeof(*set->slots));
	if (!set->owner || !set->slots) {
		optset_free(set);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		set->slots[i].decl = &decls[i];
	set->n = n;
	return 0;
}

static void slot_clear(struct opt_slot *slot)
{
	for (unsigned int i = 0; i < slot->n; i++)
		free(slot->values[i]);
	free(slot->values);
	slot->values = NULL;
	slot->n = 0;
}

void optset_free(struct optset *set)
{
	for (unsigned int i = 0; set->slots && i < set->n; i++)
		slot_clear(&set->slots[i]);
	free(set->slots);
	free(set->owner);
	*set = (struct optset){ 0 };
}

static struct opt_slot *find_slot(const struct optset *set, const char *name)
{
	for (unsigned int i = 0; i < set->n; i++)
		if (!strcmp(set->slots[i].decl->name, name))
			return &set->slots[i];
	return NULL;
}

bool option_parse_bool(const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(value, yes[i]))
			return *out = true, true;
		if (!strcasecmp(value, no[i]))
			return *out = false, true;
	}
	return false;
}

static bool parse_int(const char *value, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(value, &end, 0);
	return !errno && end != value && !*end;
}

static bool choice_valid(const char *choices, const char *value)
{
	size_t len = strlen(value);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t wlen = bar ? (size_t)(bar - p) : strlen(p);

		if (wlen == len && !strncmp(p, value, len))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

bool option_value_valid(const struct bpfhost_option *decl, const char *value,
			char *why, size_t whylen)
{
	int64_t v;
	bool b;
	size_t len;

	switch (decl->type) {
	case BPFHOST_OPT_BOOL:
		if (option_parse_bool(value, &b))
			return true;
		snprintf(why, whylen, "expected yes or no");
		return false;
	case BPFHOST_OPT_INT:
		if (!parse_int(value, &v)) {
			snprintf(why, whylen, "expected an integer");
			return false;
		}
		if (v < decl->min || v > decl->max) {
			snprintf(why, whylen, "expected %lld to %lld",
				 (long long)decl->min, (long long)decl->max);
			return false;
		}
		return true;
	case BPFHOST_OPT_STRING:
		len = strlen(value);
		if ((int64_t)len < decl->min) {
			snprintf(why, whylen, "must not be empty");
			return false;
		}
		if (decl->max && (int64_t)len > decl->max) {
			snprintf(why, whylen, "longer than %lld bytes",
				 (long long)decl->max);
			return false;
		}
		return true;
	case BPFHOST_OPT_ENUM:
		if (choice_valid(decl->choices, value))
			return true;
		snprintf(why, whylen, "expected one of %s", decl->choices);
		return false;
	}
	snprintf(why, whylen, "option declared with unknown type %u",
		 decl->type);
	return false;
}

static void print_known_keys(const struct optset *set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < set->n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				set->slots[i].decl->name);
	if (!set->n)
		snprintf(buf, len, "none");
}

static int slot_add(struct opt_slot *slot, const char *value)
{
	char **values = realloc(slot->values, (slot->n + 1) * sizeof(*values));

	if (!values)
		return -ENOMEM;
	slot->values = values;
	values[slot->n] = strdup(value);
	if (!values[slot->n])
		return -ENOMEM;
	slot->n++;
	return 0;
}

int optset_set(struct optset *set, const char *key, const char *value,
	       const char *where, bool cli)
{
	struct opt_slot *slot = find_slot(set, key);
	char why[256], keys[512];

	if (!slot) {
		print_known_keys(set, keys, sizeof(keys));
		log_error("%s: unknown option '%s' for %s (valid: %s)", where,
			  key, set->owner, keys);
		return -EINVAL;
	}
	if (!option_value_valid(slot->decl, value, why, sizeof(why))) {
		log_error("%s: bad value for %s.%s: '%s': %s", where,
			  set->owner, key, value, why);
		return -EINVAL;
	}
	if (cli && !slot->from_cli) {
		/* The command line overrides the config file. */
		slot_clear(slot);
		slot->from_cli = true;
	} else if (!cli && slot->from_cli) {
		return 0;
	}
	if (slot->n && !(slot->decl->flags & BPFHOST_OPT_MULTI)) {
		log_error("%s: %s.%s given twice; it takes one value", where,
			  set->owner, key);
		return -EINVAL;
	}
	return slot_add(slot, value);
}

void optset_apply_defaults(struct optset *set)
{
	for (unsigned int i = 0; i < set->n; i++) {
		struct opt_slot *slot = &set->slots[i];

		if (!slot->n && slot->decl->def)
			slot_add(slot, slot->decl->def);
	}
}

unsigned int optset_count(const struct optset *set, const char *name)
{
	struct opt_slot *slot = find_slot(set, name);

	return slot ? slot->n : 0;
}

const char *optset_str(const struct optset *set, const char *name,
		       unsigned int idx)
{
	struct opt_slot *slot = find_slot(set, name);

	return slot && idx < slot->n ? slot->values[idx] : NULL;
}

int64_t optset_int(const struct optset *set, const char *name,
		   unsigned int idx)
{
	const char *value = optset_str(set, name, idx);
	int64_t v = 0;

	if (value)
		parse_int(value, &v);
	return v;
}

bool optset_bool(const struct optset *set, const char *name)
{
	const char *value = optset_str(set, name, 0);
	bool b = false;

	if (value)
		option_parse_bool(value, &b);
	return b;
}

const char *option_type_name(const struct bpfhost_option *decl)
{
	switch (decl->type) {
	case BPFHOST_OPT_BOOL: return "bool";
	case BPFHOST_OPT_INT: return "int";
	case BPFHOST_OPT_STRING: return "string";
	case BPFHOST_OPT_ENUM: return decl->choices;
	}
	return "?";
}

void options_print_help(FILE *out, const struct bpfhost_option *decls,
			unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct bpfhost_option *d = &decls[i];

		fprintf(out, "  %-14s %-10s %s%s", d->name,
			option_type_name(d), d->help ? d->help : "",
			d->flags & BPFHOST_OPT_MULTI ? " (repeatable)" : "");
		if (d->def)
			fprintf(out, " [default: %s]", d->def);
		fputc('\n', out);
	}
}
