// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bh_startlat CANARY READY_SUBSTR TIMEOUT_S HOLD_S cmd args...
 * prints: header_ms=<> event_ms=<> (NA when not seen) rc=<child status> */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv)
{
	if (argc < 6) { fprintf(stderr, "usage: bh_startlat CANARY READY_SUBSTR TIMEOUT_S HOLD_S cmd...\n"); return 2; }
	const char *canary = argv[1], *ready = argv[2];
	double timeout = atof(argv[3]) * 1e3, hold = atof(argv[4]) * 1e3;
	double t0, th = -1, te = -1, last_open = 0, t_int = -1, t;
	char buf[65536], line[8192];
	size_t ll = 0;
	int pfd[2], st = 0, eof = 0;
	pid_t pid;
	if (pipe(pfd)) { perror("pipe"); return 1; }
	t0 = now();
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pfd[1], 1); dup2(pfd[1], 2); close(pfd[0]); close(pfd[1]);
		execvp(argv[5], argv + 5);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	while (!eof) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		t = now();
		if (t - last_open >= 1.0 && t_int < 0) {	/* canary open, 1 kHz */
			int fd = open(canary, O_RDONLY);
			if (fd >= 0) close(fd);
			last_open = t;
		}
		if (t_int < 0 && ((te >= 0 && t - (t0 + te) >= hold) || t - t0 >= timeout)) {
			kill(-pid, SIGINT); t_int = t;
		}
		if (t_int >= 0 && t - t_int > 5000) { kill(-pid, SIGKILL); }
		if (poll(&p, 1, 1) <= 0) continue;
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		if (n == 0) { eof = 1; break; }
		if (n < 0) continue;
		t = now();
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && ll < sizeof(line) - 1) { line[ll++] = buf[i]; continue; }
			if (buf[i] != '\n') continue;
			line[ll] = 0; ll = 0;
			if (th < 0 && *ready && strstr(line, ready)) th = t - t0;
			/* event line: contains the canary path, not quoted (bpftrace echoes its
			 * program source, which contains "canary", in warnings) */
			char *c = strstr(line, canary);
			if (te < 0 && c && !(c > line && c[-1] == '"')) te = t - t0;
		}
	}
	waitpid(pid, &st, 0);
	printf("header_ms=");
	if (th >= 0) printf("%.1f", th); else printf("NA");
	printf(" event_ms=");
	if (te >= 0) printf("%.1f", te); else printf("NA");
	printf(" rc=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
