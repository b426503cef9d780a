// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "kernel_types.h"
#include "log.h"
#include "runtime.h"

int runtime_init(struct runtime *rt, struct plugin *plugins, unsigned int n,
		 struct pipeline *pipe)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	*rt = (struct runtime){ .plugins = plugins, .nplugins = n,
				.pipe = pipe, .epfd = -1, .sigfd = -1 };
	for (unsigned int i = 0; i < n; i++)
		plugins[i].rt = rt;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	/* A dead reader shows up as EPIPE from write(), handled there. */
	signal(SIGPIPE, SIG_IGN);
	rt->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	rt->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rt->sigfd < 0 || rt->epfd < 0)
		return -errno;
	ev.data.ptr = NULL;
	if (epoll_ctl(rt->epfd, EPOLL_CTL_ADD, rt->sigfd, &ev))
		return -errno;
	/* Network outputs put their sockets in the same set. */
	pipe->epfd = rt->epfd;
	clock_sync();
	return 0;
}

int runtime_event_types(struct runtime *rt)
{
	unsigned int n = 0, k = 0;

	for (unsigned int i = 0; i < rt->nplugins; i++)
		n += rt->plugins[i].ops.nevents;
	rt->types = calloc(n ? n : 1, sizeof(*rt->types));
	if (!rt->types)
		return -ENOMEM;
	for (unsigned int i = 0; i < rt->nplugins; i++)
		for (uint32_t j = 0; j < rt->plugins[i].ops.nevents; j++)
			rt->types[k++] = &rt->plugins[i].types[j];
	rt->ntypes = n;
	return 0;
}

int runtime_deliver(struct plugin *p, const void *data, size_t size)
{
	const struct bpfhost_event_header *h = data;
	struct record rec;

	if (size < sizeof(*h) || h->type >= p->ops.nevents ||
	    size < p->types[h->type].min_size) {
		p->malformed++;
		return -EINVAL;
	}
	rec.type = &p->types[h->type];
	rec.data = data;
	rec.size = size;
	rec.real_ns = clock_boot_to_real(h->ts_boot_ns ? h->ts_boot_ns :
							 clock_boot_ns());
	pipeline_emit(p->rt->pipe, &rec);
	p->events++;
	return 0;
}

static int on_ring_record(void *ctx, void *data, size_t size)
{
	runtime_deliver(ctx, data, size);
	return 0;
}

int runtime_add_ringbuf(struct runtime *rt, struct plugin *p, int map_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (rt->rings)
		return ring_buffer__add(rt->rings, map_fd, on_ring_record, p);
	rt->rings = ring_buffer__new(map_fd, on_ring_record, p, NULL);
	if (!rt->rings)
		return -errno;
	/* Forced wake-ups land here; the rest is drained on the timer. */
	ev.data.ptr = rt->rings;
	if (epoll_ctl(rt->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(rt->rings),
		      &ev))
		return -errno;
	return 0;
}

void runtime_set_tick(struct runtime *rt, struct plugin *p,
		      uint64_t interval_ms)
{
	(void)rt;
	p->tick_ns = interval_ms * 1000000ull;
	p->next_tick_ns = interval_ms ? clock_mono_ns() + p->tick_ns : 0;
}

static void unwind(struct runtime *rt)
{
	for (unsigned int i = rt->nplugins; i-- > 0;)
		plugin_close(&rt->plugins[i]);
}

struct plugin_job {
	struct plugin *p;
	void (*fn)(struct plugin *p, int *err);
	int err;
	pthread_t thread;
	bool threaded;
};

static void *plugin_job_run(void *arg)
{
	struct plugin_job *job = arg;

	job->fn(job->p, &job->err);
	return NULL;
}

/*
 * fn for every plugin at stage `at`, each on a thread of its own, all at
 * once.  Loading is CPU work in the verifier, which runs on every core at
 * once (the three bundled plugins: 12 ms one after the other, 9.5 at once,
 * on 2 cores); attaching and detaching mostly wait in the kernel (an XDP
 * attach on a veth 6-12 ms, closing a tracepoint link 40-80 ms), and the
 * waits of different plugins overlap.  libbpf keeps no state shared
 * between objects but its probes of kernel features, which any thread may
 * run and all find the same.  When a thread cannot be made, that plugin's
 * fn runs here.
 */
static void for_each_plugin_at_once(struct runtime *rt, enum plugin_stage at,
				    void (*fn)(struct plugin *p, int *err),
				    int *errs)
{
	struct plugin_job jobs[rt->nplugins];

	for (unsigned int i = 0; i < rt->nplugins; i++) {
		jobs[i] = (struct plugin_job){ .p = &rt->plugins[i], .fn = fn };
		if (rt->plugins[i].stage != at)
			continue;
		jobs[i].threaded = !pthread_create(&jobs[i].thread, NULL,
						   plugin_job_run, &jobs[i]);
		if (!jobs[i].threaded)
			plugin_job_run(&jobs[i]);
	}
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		if (jobs[i].threaded)
			pthread_join(jobs[i].thread, NULL);
		if (errs)
			errs[i] = jobs[i].err;
	}
}

static void step_job(struct plugin *p, int *err)
{
	*err = plugin_step(p);
}

static void detach_job(struct plugin *p, int *err)
{
	(void)err;
	plugin_detach(p);
}

/*
 * One lifecycle step for every plugin at stage `from`: open one plugin
 * after the other (open reads options and may refuse them), load and
 * attach all at once.  A plugin whose step fails is reported and closed,
 * and the others go on without it; but open() refusing its options is bad
 * config, and then nothing runs (-EINVAL).
 */
static int start_phase(struct runtime *rt, enum plugin_stage from)
{
	bool at_once = from != PLUGIN_LOADED;
	int errs[rt->nplugins];

	memset(errs, 0, sizeof(errs));
	if (at_once)
		for_each_plugin_at_once(rt, from, step_job, errs);
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		struct plugin *p = &rt->plugins[i];
		int err = errs[i];

		if (!at_once && p->stage == from)
			err = plugin_step(p);
		if (!err)
			continue;	/* done, or failed an earlier phase */
		log_debug("%s: start stopped at stage %d: %s", p->name,
			  p->stage, strerror(-err));
		if (err == -EINVAL && p->stage == PLUGIN_LOADED) {
			unwind(rt);
			return err;
		}
		log_error("plugin %s failed to start (%s); the others run without it",
			  p->name, strerror(-err));
		runtime_set_tick(rt, p, 0);
		plugin_close(p);
	}
	return 0;
}

/*
 * One read of the kernel's types for every plugin's BPF object (see
 * kernel_types.h), named in the open options each plugin gets.  Without
 * it, each object reads the kernel's BTF itself, as libbpf does alone.
 */
static void share_kernel_types(struct runtime *rt, struct kernel_types *kt,
			       struct bpf_object_open_opts *opts)
{
	struct kernel_types_object objs[rt->nplugins ? rt->nplugins : 1];
	uint64_t start = clock_mono_ns();

	for (unsigned int i = 0; i < rt->nplugins; i++) {
		const struct bpfhost_plugin_ops *ops = &rt->plugins[i].ops;

		objs[i] = (struct kernel_types_object){ 0 };
		if (ops->bpf_object)
			objs[i].elf = ops->bpf_object(&objs[i].size);
	}
	if (kernel_types_gather(kt, objs, rt->nplugins))
		return;
	log_debug("kernel types: %u gathered for every plugin's BPF object in %.1f ms",
		  kt->ntypes, (clock_mono_ns() - start) / 1e6);
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		if (!objs[i].served)
			continue;
		opts[i] = (struct bpf_object_open_opts){
			.sz = sizeof(opts[i]),
			.btf_custom_path = kt->path,
		};
		rt->plugins[i].open_opts = &opts[i];
	}
}

/*
 * Phase by phase: every plugin opens, then every plugin loads, then every
 * plugin attaches.  The kernel's BTF, megabytes, is read once before the
 * opens and freed before any ring buffer is mapped, so it does not stack
 * on the rings.  And nothing reports events until everything is loaded,
 * so filesnoop does not see the host's own start-up work.
 */
int runtime_start(struct runtime *rt)
{
	struct bpf_object_open_opts opts[rt->nplugins ? rt->nplugins : 1];
	struct kernel_types kt;
	unsigned int running = 0;
	int err;

	share_kernel_types(rt, &kt, opts);

	for (enum plugin_stage from = PLUGIN_LOADED; from < PLUGIN_ATTACHED;
	     from++) {
		static const char *const done[] = { "opened", "loaded",
						    "attached" };
		uint64_t start = clock_mono_ns();

		err = start_phase(rt, from);
		if (err)
			break;
		log_debug("every plugin %s in %.1f ms", done[from],
			  (clock_mono_ns() - start) / 1e6);
	}
	/* libbpf read the subset at load; the options were for open. */
	kernel_types_release(&kt);
	for (unsigned int i = 0; i < rt->nplugins; i++)
		rt->plugins[i].open_opts = NULL;
	if (err)
		return err;
	for (unsigned int i = 0; i < rt->nplugins; i++)
		running += rt->plugins[i].stage == PLUGIN_ATTACHED;
	if (!running) {
		log_error("no plugin left to run");
		return -ENOEXEC;
	}
	return 0;
}

static void drain(struct runtime *rt)
{
	if (rt->rings)
		ring_buffer__consume(rt->rings);
}

static void run_ticks(struct runtime *rt, uint64_t now)
{
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		struct plugin *p = &rt->plugins[i];

		if (!p->next_tick_ns || now < p->next_tick_ns)
			continue;
		p->next_tick_ns = now + p->tick_ns;
		p->ops.tick(p->state);
	}
}

static void read_signal(struct runtime *rt)
{
	struct signalfd_siginfo si;

	if (read(rt->sigfd, &si, sizeof(si)) == sizeof(si)) {
		rt->stop = true;
		rt->stop_reason = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
	}
}

/* One line once everything is attached: people and scripts wait for it. */
static void announce(const struct runtime *rt)
{
	const char *sep = "";

	fprintf(stderr, "bpfhost: running");
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		if (rt->plugins[i].stage != PLUGIN_ATTACHED)
			continue;	/* failed to start, already said */
		fprintf(stderr, "%s %s", sep, rt->plugins[i].name);
		sep = ",";
	}
	fprintf(stderr, " (stop with Ctrl-C)\n");
}

/* Ring-buffer losses travel in-band too; the pipeline rate-limits them. */
static void report_ring_loss(struct runtime *rt)
{
	for (unsigned int i = 0; i < rt->nplugins; i++)
		if (rt->plugins[i].stage == PLUGIN_ATTACHED)
			pipeline_report_loss(rt->pipe, rt->plugins[i].name,
					     plugin_lost(&rt->plugins[i]));
}

/*
 * Give network outputs their flush_timeout_ms to send what they hold; a
 * second SIGINT/SIGTERM ends the wait.  What is left is counted dropped.
 */
static void flush_outputs(struct runtime *rt)
{
	uint64_t now = clock_mono_ns();

	pipeline_begin_stop(rt->pipe, now);
	while (pipeline_pending(rt->pipe)) {
		struct epoll_event evs[8];
		int n = epoll_wait(rt->epfd, evs, 8, RUNTIME_POLL_MS);

		now = clock_mono_ns();
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				read_signal(rt);
				now = UINT64_MAX;
			} else if (evs[i].data.ptr != rt->rings) {
				pipeline_io(evs[i].data.ptr, evs[i].events);
			}
		}
		pipeline_tick(rt->pipe, now);
	}
}

int runtime_run(struct runtime *rt, uint64_t duration_ns)
{
	uint64_t last_sync = clock_mono_ns();
	/* Deliver what came in while attaching at once, not a tick later. */
	int timeout = 0;

	announce(rt);
	if (duration_ns)
		rt->stop_at_ns = clock_mono_ns() + duration_ns;
	while (!rt->stop) {
		struct epoll_event evs[8];
		uint64_t now = clock_mono_ns();
		int n;

		if (rt->stop_at_ns) {
			if (now >= rt->stop_at_ns) {
				rt->stop_reason = "duration";
				break;
			}
			if ((rt->stop_at_ns - now) / 1000000 < (uint64_t)timeout)
				timeout = (rt->stop_at_ns - now) / 1000000 + 1;
		}
		n = epoll_wait(rt->epfd, evs, 8, timeout);
		timeout = RUNTIME_POLL_MS;
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			if (!evs[i].data.ptr)
				read_signal(rt);
			else if (evs[i].data.ptr != rt->rings)
				pipeline_io(evs[i].data.ptr, evs[i].events);
		drain(rt);
		now = clock_mono_ns();
		run_ticks(rt, now);
		if (now - last_sync > 1000000000ull) {
			clock_sync();
			report_ring_loss(rt);
			last_sync = now;
		}
		if (pipeline_flush(rt->pipe) == -EPIPE) {
			rt->stop = true;
			rt->stop_reason = "output closed";
		}
		pipeline_tick(rt->pipe, now);
	}
	return 0;
}

void runtime_stop(struct runtime *rt)
{
	for_each_plugin_at_once(rt, PLUGIN_ATTACHED, detach_job, NULL);
	/* Records submitted before the detach are still in the rings. */
	drain(rt);
	pipeline_flush(rt->pipe);
	flush_outputs(rt);

	for (unsigned int i = 0; i < rt->nplugins; i++) {
		struct plugin *p = &rt->plugins[i];

		if (p->stage != PLUGIN_DETACHED)
			continue;	/* never started */
		fprintf(stderr, "bpfhost: %s: %llu events, %llu lost", p->name,
			(unsigned long long)p->events,
			(unsigned long long)plugin_lost(p));
		if (p->malformed)
			fprintf(stderr, ", %llu malformed",
				(unsigned long long)p->malformed);
		fputc('\n', stderr);
	}
	pipeline_print_summary(rt->pipe);
}

void runtime_free(struct runtime *rt)
{
	ring_buffer__free(rt->rings);
	unwind(rt);
	free(rt->types);
	if (rt->epfd >= 0)
		close(rt->epfd);
	if (rt->sigfd >= 0)
		close(rt->sigfd);
	*rt = (struct runtime){ .epfd = -1, .sigfd = -1 };
}
