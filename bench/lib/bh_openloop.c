// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bh_openloop: openat()+close() loop, the workload of the file-open benches.
 * usage: bh_openloop -d SECS|-n N PATH
 * PATH @getppid times getppid() instead: a syscall no tracer looks at.
 * prints: opens=<timed> opens_total=<incl. warm-up> ns=<timed ns>
 *         ns_per_op=<mean> chunk_med_ns=<median of 64-op chunks, per op>
 *         total_ns=<incl. warm-up> cpu_ms=<own user+sys>
 * The chunk median shrugs off the bursts in which other work on a shared
 * machine preempts the loop; the mean is what the reference figures use.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 64
#define MAX_CHUNKS (1 << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int unrelated;	/* PATH @getppid */

static int one(const char *p)
{
	int fd;

	if (unrelated)
		return syscall(SYS_getppid) > 0 ? 0 : -1;
	fd = openat(AT_FDCWD, p, O_RDONLY);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static double chunk[MAX_CHUNKS];
	const char *p;
	long n = 0, warm = 0, nchunks = 0;
	double ts = now(), t0, t1, end, c0, med;
	struct rusage ru;

	if (argc != 4 || (strcmp(argv[1], "-d") && strcmp(argv[1], "-n"))) {
		fprintf(stderr, "usage: %s -d SECS|-n N PATH\n", argv[0]);
		return 2;
	}
	p = argv[3];
	unrelated = !strcmp(p, "@getppid");
	if (one(p)) {
		perror(p);
		return 1;
	}
	for (end = now() + 50e6; now() < end; warm++)	/* 50 ms warm-up */
		one(p);
	t0 = now();
	if (!strcmp(argv[1], "-d")) {
		end = t0 + atof(argv[2]) * 1e9;
		c0 = t0;
		do {
			for (int k = 0; k < CHUNK; k++)
				one(p);
			n += CHUNK;
			t1 = now();
			if (nchunks < MAX_CHUNKS)
				chunk[nchunks++] = (t1 - c0) / CHUNK;
			c0 = t1;
		} while (t1 < end);
	} else {
		long want = atol(argv[2]);

		for (; n < want; n++)
			one(p);
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	qsort(chunk, nchunks, sizeof(chunk[0]), cmp_double);
	med = nchunks ? chunk[nchunks / 2] : (t1 - t0) / n;
	printf("opens=%ld opens_total=%ld ns=%.0f ns_per_op=%.1f chunk_med_ns=%.1f total_ns=%.0f cpu_ms=%.1f\n",
	       n, n + warm + 1, t1 - t0, (t1 - t0) / n, med, t1 - ts,
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	return 0;
}
