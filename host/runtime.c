// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "host_api.h"
#include "kernel_types.h"
#include "log.h"
#include "runtime.h"

int runtime_init(struct runtime *rt, struct plugin *plugins, unsigned int n,
		 struct pipeline *pipe)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &rt->signals };
	sigset_t mask;
	int err;

	*rt = (struct runtime){ .plugins = plugins, .pipe = pipe, .epfd = -1,
				.sigfd = -1,
				.signals = { .kind = EVENT_SOURCE_SIGNAL } };
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	/* A dead reader shows up as EPIPE from write(), handled there. */
	signal(SIGPIPE, SIG_IGN);
	rt->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	rt->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rt->sigfd < 0 || rt->epfd < 0)
		return -errno;
	if (epoll_ctl(rt->epfd, EPOLL_CTL_ADD, rt->sigfd, &ev))
		return -errno;
	rt->runs = calloc(n ? n : 1, sizeof(*rt->runs));
	if (!rt->runs)
		return -ENOMEM;
	rt->nplugins = n;
	for (unsigned int i = 0; i < n; i++)
		plugin_run_init(&rt->runs[i], &plugins[i], pipe, rt->epfd);
	err = host_events_init(&rt->host_events, pipe, n);
	if (err)
		return err;
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

/* Out of the loop first: closing the plugin closes its rings' maps. */
static void close_plugin(struct runtime *rt, unsigned int i)
{
	plugin_run_set_tick(&rt->runs[i], 0);
	plugin_run_release(&rt->runs[i]);
	plugin_close(&rt->plugins[i]);
}

static void unwind(struct runtime *rt)
{
	for (unsigned int i = rt->nplugins; i-- > 0;)
		close_plugin(rt, i);
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
	struct plugin_job jobs[rt->nplugins ? rt->nplugins : 1];

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
 * attach all at once.  A plugin whose step fails fails the run (its -errno;
 * -EINVAL when open() refused its options: bad config), unless keep_going:
 * then it is reported, closed, and the others go on without it.  Bad
 * options fail the run either way: the config needs fixing.
 */
static int start_phase(struct runtime *rt, enum plugin_stage from,
		       bool keep_going)
{
	bool at_once = from != PLUGIN_LOADED;
	int errs[rt->nplugins ? rt->nplugins : 1], ret = 0;

	memset(errs, 0, sizeof(errs));
	if (at_once)
		for_each_plugin_at_once(rt, from, step_job, errs);
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		struct plugin *p = &rt->plugins[i];
		int err = errs[i];

		if (!at_once && p->stage == from)
			err = plugin_open(p, &host_api,
					  host_api_ctx(&rt->runs[i]));
		if (!err)
			continue;	/* done, or failed an earlier phase */
		log_debug("%s: start stopped at stage %d: %s", p->name,
			  p->stage, strerror(-err));
		if (err == -EINVAL && p->stage == PLUGIN_LOADED) {
			ret = err;	/* said why itself */
		} else if (keep_going) {
			log_error("WARNING: plugin %s failed to start (%s) and is NOT running; the others run without it (on_plugin_failure = continue)",
				  p->name, strerror(-err));
			rt->runs[i].start_err = err;
			rt->failed++;
			close_plugin(rt, i);
		} else {
			log_error("plugin %s failed to start (%s); stopping every plugin (on_plugin_failure = continue under [bpfhost] runs the others without it)",
				  p->name, strerror(-err));
			if (!ret)
				ret = err;
		}
	}
	if (ret)
		unwind(rt);
	return ret;
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
		rt->runs[i].open_opts = &opts[i];
	}
}

/*
 * Phase by phase: every plugin opens, then every plugin loads, then every
 * plugin attaches.  The kernel's BTF, megabytes, is read once before the
 * opens and freed before any ring buffer is mapped, so it does not stack
 * on the rings.  And nothing reports events until everything is loaded,
 * so filesnoop does not see the host's own start-up work.
 */
int runtime_start(struct runtime *rt, bool keep_going)
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

		err = start_phase(rt, from, keep_going);
		if (err)
			break;
		log_debug("every plugin %s in %.1f ms", done[from],
			  (clock_mono_ns() - start) / 1e6);
	}
	/* libbpf read the subset at load; the options were for open. */
	kernel_types_release(&kt);
	for (unsigned int i = 0; i < rt->nplugins; i++)
		rt->runs[i].open_opts = NULL;
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

/* At most RUNTIME_RING_BATCH records from each ring; true: more wait. */
static bool drain_rings(struct runtime *rt)
{
	bool more = false;

	for (unsigned int i = 0; i < rt->nplugins; i++)
		if (plugin_run_drain(&rt->runs[i], RUNTIME_RING_BATCH))
			more = true;
	return more;
}

/*
 * Does a ring still hold records?  One a program on another CPU is still
 * writing holds up those after it, which a drain leaves.
 */
static bool rings_pending(struct runtime *rt)
{
	for (unsigned int i = 0; i < rt->nplugins; i++)
		if (plugin_run_pending(&rt->runs[i]))
			return true;
	return false;
}

static uint64_t abandon_rings(struct runtime *rt)
{
	uint64_t left = 0;

	for (unsigned int i = 0; i < rt->nplugins; i++)
		left += plugin_run_abandon(&rt->runs[i]);
	return left;
}

static void run_ticks(struct runtime *rt, uint64_t now)
{
	for (unsigned int i = 0; i < rt->nplugins; i++) {
		struct plugin_run *run = &rt->runs[i];

		if (!run->next_tick_ns || now < run->next_tick_ns)
			continue;
		run->next_tick_ns = now + run->tick_ns;
		run->plugin->ops.tick(run->plugin->state);
	}
}

/* SIGHUP reopens files; SIGINT and SIGTERM stop (counted: see flush). */
static void read_signals(struct runtime *rt)
{
	struct signalfd_siginfo si;

	while (read(rt->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reopening file outputs");
			pipeline_reopen(rt->pipe);
			continue;
		}
		rt->stop = true;
		rt->stop_signals++;
		if (!rt->stop_reason)
			rt->stop_reason = si.ssi_signo == SIGINT ? "SIGINT" :
								   "SIGTERM";
	}
}

static void dispatch(struct runtime *rt, const struct epoll_event *ev)
{
	const struct event_source *src = ev->data.ptr;

	switch (src->kind) {
	case EVENT_SOURCE_SIGNAL:
		read_signals(rt);
		break;
	case EVENT_SOURCE_RING:
		break;	/* a forced wake-up: every turn drains every ring */
	case EVENT_SOURCE_OUTPUT:
		pipeline_io(src->owner, ev->events);
		break;
	}
}

/* Wait up to timeout_ms for the loop's descriptors, then serve them. */
static int wait_and_dispatch(struct runtime *rt, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(rt->epfd, evs, BPFHOST_ARRAY_SIZE(evs), timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		dispatch(rt, &evs[i]);
	return 0;
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
	if (rt->failed)
		fprintf(stderr, " WITHOUT %u plugin%s that failed to start",
			rt->failed, rt->failed > 1 ? "s" : "");
	fprintf(stderr, " (stop with Ctrl-C)\n");
}

/* Ring-buffer losses travel in-band too, at most one record a second. */
static void report_ring_loss(struct runtime *rt, uint64_t now)
{
	for (unsigned int i = 0; i < rt->nplugins; i++)
		if (rt->plugins[i].stage == PLUGIN_ATTACHED)
			host_events_ring_loss(&rt->host_events, i,
					      rt->plugins[i].name,
					      plugin_run_lost(&rt->runs[i]),
					      now);
}

/*
 * Give network outputs their flush_timeout_ms to send what they hold; a
 * further SIGINT/SIGTERM ends the wait.  What is left is counted dropped.
 */
static void flush_outputs(struct runtime *rt)
{
	unsigned int signals = rt->stop_signals;

	pipeline_begin_stop(rt->pipe, clock_mono_ns());
	while (pipeline_pending(rt->pipe)) {
		if (wait_and_dispatch(rt, RUNTIME_POLL_MS))
			break;
		pipeline_tick(rt->pipe, rt->stop_signals == signals ?
						clock_mono_ns() : UINT64_MAX);
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
		uint64_t now = clock_mono_ns();
		int err;

		if (rt->stop_at_ns) {
			if (now >= rt->stop_at_ns) {
				rt->stop_reason = "duration";
				break;
			}
			if ((rt->stop_at_ns - now) / 1000000 < (uint64_t)timeout)
				timeout = (rt->stop_at_ns - now) / 1000000 + 1;
		}
		err = wait_and_dispatch(rt, timeout);
		if (err)
			return err;
		/* A ring with more to give: the next turn does not wait. */
		timeout = drain_rings(rt) ? 0 : RUNTIME_POLL_MS;
		now = clock_mono_ns();
		run_ticks(rt, now);
		if (now - last_sync > 1000000000ull) {
			clock_sync();
			report_ring_loss(rt, now);
			last_sync = now;
		}
		host_events_outputs(&rt->host_events, now);
		if (pipeline_flush(rt->pipe) == -EPIPE) {
			rt->stop = true;
			rt->stop_reason = "output closed";
		}
		pipeline_tick(rt->pipe, now);
	}
	return 0;
}

static void print_plugin_summary(const struct runtime *rt, unsigned int i)
{
	const struct plugin_run *run = &rt->runs[i];
	const struct plugin *p = &rt->plugins[i];

	if (run->start_err) {
		fprintf(stderr, "bpfhost: WARNING: %s did not run: it failed to start (%s)\n",
			p->name, strerror(-run->start_err));
		return;
	}
	if (p->stage != PLUGIN_DETACHED)
		return;
	fprintf(stderr, "bpfhost: %s: %llu events, %llu lost", p->name,
		(unsigned long long)run->events,
		(unsigned long long)plugin_run_lost(run));
	if (run->malformed)
		fprintf(stderr, ", %llu malformed",
			(unsigned long long)run->malformed);
	fputc('\n', stderr);
}

void runtime_stop(struct runtime *rt)
{
	uint64_t start = clock_mono_ns(), deadline;

	log_debug("stopping: %s", rt->stop_reason ? rt->stop_reason : "error");
	for_each_plugin_at_once(rt, PLUGIN_ATTACHED, detach_job, NULL);
	deadline = clock_mono_ns() + RUNTIME_STOP_DRAIN_MS * 1000000ull;
	log_debug("every plugin detached in %.1f ms",
		  (clock_mono_ns() - start) / 1e6);
	/*
	 * What was submitted before the detach is still in the rings: drain
	 * them, writing out as we go.  A plugin without a detach callback is
	 * still attached and may fill its ring as fast as we read it.
	 */
	for (;;) {
		bool more = drain_rings(rt);

		pipeline_flush(rt->pipe);
		if (!more && !rings_pending(rt))
			break;
		if (clock_mono_ns() > deadline) {
			log_warn("stopped reading the ring buffers after %d ms; the %llu records still in them count as lost",
				 RUNTIME_STOP_DRAIN_MS,
				 (unsigned long long)abandon_rings(rt));
			break;
		}
		/* A record a program on another CPU is still writing. */
		if (!more)
			nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
	pipeline_flush(rt->pipe);
	log_debug("rings drained and written out %.1f ms after the signal",
		  (clock_mono_ns() - start) / 1e6);
	flush_outputs(rt);
	log_debug("outputs flushed %.1f ms after the signal",
		  (clock_mono_ns() - start) / 1e6);

	for (unsigned int i = 0; i < rt->nplugins; i++)
		print_plugin_summary(rt, i);
	pipeline_print_summary(rt->pipe);
}

void runtime_free(struct runtime *rt)
{
	unwind(rt);
	free(rt->runs);
	host_events_free(&rt->host_events);
	free(rt->types);
	if (rt->epfd >= 0)
		close(rt->epfd);
	if (rt->sigfd >= 0)
		close(rt->sigfd);
	*rt = (struct runtime){ .epfd = -1, .sigfd = -1 };
}
