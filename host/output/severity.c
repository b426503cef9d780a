// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "../schema.h"
#include "severity.h"

static const char *const names[] = { "emerg", "alert", "crit", "err",
				     "warning", "notice", "info", "debug" };

unsigned int severity_code(const char *name)
{
	for (unsigned int i = 0; i < BPFHOST_ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return i;
	return BPFHOST_SEV_INFO;
}

const char *severity_name(unsigned int sev)
{
	return names[sev & 7];
}

unsigned int severity_of(uint8_t declared, const struct bpfhost_field *own,
			 const void *record, size_t size, unsigned int def)
{
	int sev = own ? field_severity(own, record, size) : -1;

	if (sev >= 0)
		return (unsigned int)sev;
	if (declared & BPFHOST_SEVERITY_DECLARED)
		return declared & ~BPFHOST_SEVERITY_DECLARED;
	return def;
}

unsigned int severity_to_cef(unsigned int sev)
{
	/* CEF: 0-3 low, 4-6 medium, 7-8 high, 9-10 very high. */
	static const unsigned char cef[] = { 10, 9, 8, 7, 6, 4, 3, 1 };

	return cef[sev & 7];
}
