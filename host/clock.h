/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event time.  BPF stamps records with CLOCK_BOOTTIME (it keeps counting
 * through suspend and never jumps); people and SIEMs want wall-clock time.
 */
#ifndef BPFHOST_CLOCK_H
#define BPFHOST_CLOCK_H

#include <stdint.h>

#include "strbuf.h"

uint64_t clock_boot_ns(void);
uint64_t clock_mono_ns(void);
/* Re-read the boot-to-wall offset (at start and every tick: NTP steps). */
void clock_sync(void);
uint64_t clock_boot_to_real(uint64_t boot_ns);

/* 2026-11-25T03:48:17.123456789Z */
void clock_format_rfc3339(struct strbuf *sb, uint64_t real_ns);
/* Local time of day, 03:48:17.123456, for the text column. */
void clock_format_time_of_day(struct strbuf *sb, uint64_t real_ns);

#endif
