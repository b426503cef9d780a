// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define NSEC_PER_SEC 1000000000ull

static int64_t boot_to_real_ns;

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

uint64_t clock_boot_ns(void)
{
	return read_clock(CLOCK_BOOTTIME);
}

uint64_t clock_mono_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

void clock_sync(void)
{
	/* Read real between two boot reads; take their midpoint. */
	uint64_t b1 = clock_boot_ns(), r = read_clock(CLOCK_REALTIME);
	uint64_t b2 = clock_boot_ns();

	boot_to_real_ns = (int64_t)(r - (b1 + (b2 - b1) / 2));
}

uint64_t clock_boot_to_real(uint64_t boot_ns)
{
	return boot_ns + boot_to_real_ns;
}

/*
 * Formatting a broken-down time costs more than the rest of an event, and
 * events come many to a second: keep the last second's text.
 */
struct second_cache {
	time_t sec;
	char text[32];
	size_t len;
};

static void format_second(struct second_cache *c, time_t sec, bool utc,
			  const char *fmt)
{
	struct tm tm;

	if (c->len && c->sec == sec)
		return;
	if (utc)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	c->len = strftime(c->text, sizeof(c->text), fmt, &tm);
	c->sec = sec;
}

void clock_format_rfc3339(struct strbuf *sb, uint64_t real_ns)
{
	static struct second_cache cache;

	format_second(&cache, real_ns / NSEC_PER_SEC, true, "%Y-%m-%dT%H:%M:%S");
	sb_append(sb, cache.text, cache.len);
	sb_putc(sb, '.');
	sb_put_digits(sb, real_ns % NSEC_PER_SEC, 9);
	sb_putc(sb, 'Z');
}

void clock_format_time_of_day(struct strbuf *sb, uint64_t real_ns)
{
	static struct second_cache cache;

	format_second(&cache, real_ns / NSEC_PER_SEC, false, "%H:%M:%S");
	sb_append(sb, cache.text, cache.len);
	sb_putc(sb, '.');
	sb_put_digits(sb, real_ns % NSEC_PER_SEC / 1000, 6);
}
