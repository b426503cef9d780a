/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal unit-test harness: CHECK* record a failure with file:line and go
 * on; RUN runs one test function; main returns non-zero if anything failed.
 */
#ifndef BPFHOST_CHECK_H
#define BPFHOST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                              \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (strcmp(g_, w_)) {                                          \
			fprintf(stderr, "%s:%d: got \"%s\"\n%*swant \"%s\"\n",  \
				__FILE__, __LINE__, g_,                        \
				(int)strlen(__FILE__) + 6, "", w_);            \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define RUN(test)                                                              \
	do {                                                                   \
		int before_ = check_failures;                                  \
		test();                                                        \
		printf("%s %s\n", check_failures == before_ ? "ok  " : "FAIL", \
		       #test);                                                 \
	} while (0)

#define CHECK_EXIT() (check_failures ? 1 : 0)

#endif
