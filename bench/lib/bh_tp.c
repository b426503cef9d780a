// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bh_tp: loader/consumer.  usage: bh_tp MODE [FILTER_PATH]
 * MODE: tp-empty fentry-empty tp-ringbuf tp-ringbuf-batch tp-perfbuf tp-filter
 * Prints "PID COMM PATH" after attach, then one line per event; on SIGINT/SIGTERM
 * prints "bh_tp: events=N lost=M" to stderr. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "bh_tp.skel.h"
struct event { unsigned pid, tid; char comm[16]; char fname[256]; };
static volatile sig_atomic_t stop;
static unsigned long long nev, nlost;
static void on_sig(int s) { (void)s; stop = 1; }
static int on_rb(void *c, void *d, size_t n) { const struct event *e = d; (void)c; (void)n; nev++; printf("%u %s %s\n", e->pid, e->comm, e->fname); return 0; }
static void on_pb(void *c, int cpu, void *d, __u32 n) { const struct event *e = d; (void)c; (void)cpu; (void)n; nev++; printf("%u %s %s\n", e->pid, e->comm, e->fname); }
static void on_lost(void *c, int cpu, __u64 n) { (void)c; (void)cpu; nlost += n; }
static int pr(enum libbpf_print_level l, const char *f, va_list a) { return (l == LIBBPF_WARN || getenv("BH_TP_VERBOSE")) ? vfprintf(stderr, f, a) : 0; }
int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	struct bh_tp_bpf *s;
	struct bpf_program *want = NULL, *p;
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;
	int batch = !strcmp(m, "tp-ringbuf-batch");
	libbpf_set_print(pr);
	if (!(s = bh_tp_bpf__open())) { fprintf(stderr, "bh_tp: open failed\n"); return 1; }
	if (!strcmp(m, "tp-empty")) want = s->progs.tp_empty;
	else if (!strcmp(m, "fentry-empty")) want = s->progs.fentry_empty;
	else if (!strcmp(m, "tp-ringbuf") || batch) want = s->progs.tp_ringbuf;
	else if (!strcmp(m, "tp-perfbuf")) want = s->progs.tp_perfbuf;
	else if (!strcmp(m, "tp-filter")) want = s->progs.tp_filter;
	if (!want) { fprintf(stderr, "usage: bh_tp tp-empty|fentry-empty|tp-ringbuf|tp-ringbuf-batch|tp-perfbuf|tp-filter [PATH]\n"); return 2; }
	bpf_object__for_each_program(p, s->obj) bpf_program__set_autoload(p, p == want);
	if (argc > 2) strncpy((char *)s->rodata->filt, argv[2], sizeof(s->rodata->filt) - 1);
	if (batch) s->rodata->wake_bytes = 1 << 20;
	if (bh_tp_bpf__load(s)) { fprintf(stderr, "bh_tp: load failed: %s\n", strerror(errno)); return 1; }
	if (!bpf_program__attach(want)) { fprintf(stderr, "bh_tp: attach failed: %s\n", strerror(errno)); return 1; }
	signal(SIGINT, on_sig); signal(SIGTERM, on_sig);
	if (want == s->progs.tp_ringbuf || want == s->progs.tp_filter)
		rb = ring_buffer__new(bpf_map__fd(s->maps.rb), on_rb, NULL, NULL);
	if (want == s->progs.tp_perfbuf)
		pb = perf_buffer__new(bpf_map__fd(s->maps.pb), 64, on_pb, on_lost, NULL, NULL);
	printf("PID COMM PATH\n"); fflush(stdout);
	while (!stop) {
		if (rb) { ring_buffer__poll(rb, batch ? 10 : 100); if (batch) ring_buffer__consume(rb); }
		else if (pb) perf_buffer__poll(pb, 100);
		else pause();
	}
	if (rb) ring_buffer__consume(rb);
	if (pb) perf_buffer__consume(pb);
	{
		unsigned ncpu = libbpf_num_possible_cpus(), k = 0;
		unsigned long long v[1024] = {0}, d = 0;
		if (ncpu <= 1024 && !bpf_map_lookup_elem(bpf_map__fd(s->maps.drops), &k, v))
			for (unsigned i = 0; i < ncpu; i++) d += v[i];
		fflush(stdout);
		fprintf(stderr, "bh_tp: events=%llu lost=%llu\n", nev, nlost + d);
	}
	ring_buffer__free(rb); perf_buffer__free(pb); bh_tp_bpf__destroy(s);
	return 0;
}
