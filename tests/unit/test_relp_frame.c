// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RELP frames as librelp writes them: headers with and without DATA, a
 * frame arriving in pieces, several in one read, and what is not a frame.
 */
#include <errno.h>

#include "check.h"
#include "output/relp_frame.h"

static void test_header(void)
{
	char buf[RELP_HEADER_ROOM];

	CHECK(relp_header(buf, 7, "syslog", 12) == 12);
	CHECK_STR(buf, "7 syslog 12 ");
	CHECK(relp_header(buf, 3, "close", 0) == 9);
	CHECK_STR(buf, "3 close 0");
	CHECK(relp_header(buf, RELP_TXNR_MAX, "syslog", 999999999) ==
	      RELP_HEADER_ROOM - 1);
	CHECK(relp_txnr_next(RELP_TXNR_MAX) == 1);
	CHECK(relp_txnr_next(1) == 2);
}

static void test_parse(void)
{
	static const char two[] = "2 rsp 6 200 OK\n0 serverclose 0\n";
	struct relp_frame f;
	ssize_t n;

	n = relp_parse(two, sizeof(two) - 1, &f);
	CHECK(n == 15);
	CHECK(f.txnr == 2 && f.len == 6 && !memcmp(f.data, "200 OK", 6));
	CHECK_STR(f.cmd, "rsp");
	CHECK(relp_rsp_status(&f) == 200);
	CHECK(relp_parse(two + n, sizeof(two) - 1 - n, &f) == 16);
	CHECK_STR(f.cmd, "serverclose");
	CHECK(f.len == 0);
	/* Every cut short of the whole frame asks for more. */
	for (size_t len = 0; len < 15; len++)
		CHECK(relp_parse(two, len, &f) == 0);
}

static void test_status(void)
{
	struct relp_frame f = { .data = "500 command disabled", .len = 20 };

	CHECK(relp_rsp_status(&f) == 500);
	f = (struct relp_frame){ .data = "200 OK\nrelp_version=0", .len = 6 };
	CHECK(relp_rsp_status(&f) == 200);
	f = (struct relp_frame){ .data = "20x", .len = 3 };
	CHECK(relp_rsp_status(&f) == -1);
	f = (struct relp_frame){ .data = "2000", .len = 4 };
	CHECK(relp_rsp_status(&f) == -1);
}

static void test_not_frames(void)
{
	static const char *const bad[] = {
		"x rsp 6 200 OK\n",		/* TXNR not a number */
		"2 RSP 6 200 OK\n",		/* commands are lower case */
		"2  6 200 OK\n",		/* no command */
		"2 rsp 6 200 OKK\n",		/* DATALEN short of DATA */
		"2 rsp 0 \n",			/* SP without DATA */
		"2 rsp 6\n200 OK\n",		/* DATA without SP */
		"2 rsp 70000 x",		/* longer than we take */
		"1000000000 rsp 0\n",		/* TXNR out of range */
		"HTTP/1.1 400 Bad Request\r\n",
	};
	struct relp_frame f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (relp_parse(bad[i], strlen(bad[i]), &f) != -EPROTO) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			check_failures++;
		}
	}
}

int main(void)
{
	RUN(test_header);
	RUN(test_parse);
	RUN(test_status);
	RUN(test_not_frames);
	return CHECK_EXIT();
}
