// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bh_openloop: openat()+close() loop.  usage: bh_openloop -d SECS|-n N PATH
 * prints: opens=<timed> opens_total=<incl. warm-up> ns=<timed ns> ns_per_op=<>
 *         total_ns=<incl. warm-up> cpu_ms=<own user+sys> */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int one(const char *p) { int fd = openat(AT_FDCWD, p, O_RDONLY); if (fd < 0) return -1; close(fd); return 0; }
int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "-d") && strcmp(argv[1], "-n"))) { fprintf(stderr, "usage: %s -d SECS|-n N PATH\n", argv[0]); return 2; }
	const char *p = argv[3];
	long n = 0, warm = 0;
	double ts = now(), t0, t1, end;
	struct rusage ru;
	if (one(p)) { perror(p); return 1; }
	for (end = now() + 50e6; now() < end; warm++) one(p);		/* 50 ms warm-up */
	t0 = now();
	if (!strcmp(argv[1], "-d")) {
		end = t0 + atof(argv[2]) * 1e9;
		do { for (int k = 0; k < 64; k++) one(p); n += 64; } while (now() < end);
	} else {
		long want = atol(argv[2]);
		for (; n < want; n++) one(p);
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("opens=%ld opens_total=%ld ns=%.0f ns_per_op=%.1f total_ns=%.0f cpu_ms=%.1f\n", n, n + warm + 1, t1 - t0,
	       (t1 - t0) / n, t1 - ts, (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	return 0;
}
