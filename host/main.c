// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfhost: run eBPF plugins and route their events to text, JSON or syslog.
 *
 * Exit codes: 0 clean stop, 1 runtime failure, 2 bad usage or bad config.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_config.h"
#include "config.h"
#include "describe.h"
#include "log.h"
#include "options.h"
#include "output/output.h"
#include "output/tls_module.h"
#include "plugin.h"
#include "plugin_file.h"
#include "runtime.h"
#include "stdio_guard.h"
#include "tracefs.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define MAX_PLUGINS 32

struct cli {
	const char *config_path;
	const char *plugin_dir;
	const char *format;
	const char *plugin_names[MAX_PLUGINS];
	unsigned int nplugin_names;
	char **sets;		/* -o PLUGIN.KEY=VALUE, in order */
	unsigned int nsets;
	double duration;
	bool help;
	bool list_plugins;
	const char *describe;	/* --describe NAME */
};

/* The host's own [bpfhost] section, declared like a plugin's options. */
static const struct bpfhost_option host_options[] = {
	{ .name = "plugin_dir", .type = BPFHOST_OPT_STRING, .min = 1,
	  .help = "directory holding the plugin .so files" },
	{ .name = "plugins", .type = BPFHOST_OPT_STRING,
	  .flags = BPFHOST_OPT_MULTI, .min = 1,
	  .help = "plugins to run when no -p is given (space or comma separated)" },
	{ .name = "on_plugin_failure", .type = BPFHOST_OPT_ENUM, .def = "stop",
	  .choices = "stop|continue",
	  .help = "a plugin that fails to start: stop every plugin and exit, or run the others without it (reported loudly)" },
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: bpfhost [OPTION]...\n"
"Run eBPF plugins and print what they see as text, JSON or syslog.\n"
"\n"
"  -p, --plugin NAME          run plugin NAME (repeatable)\n"
"  -c, --config FILE          read settings from FILE (INI)\n"
"  -o, --option P.KEY=VALUE   set option KEY of plugin P, over the config\n"
"  -F, --format FORMAT        text, json or syslog, for every output\n"
"  -d, --duration SECONDS     stop after SECONDS\n"
"      --plugin-dir DIR       look for plugins in DIR\n"
"      --list-plugins         list the plugins in the plugin directory\n"
"      --describe NAME        print plugin NAME's options and event fields\n"
"                             (as one JSON object with -F json)\n"
"      --allow-unsafe-plugins load plugin files not owned by root (development\n"
"                             only: their owner can run code as root)\n"
"  -v, --verbose              more detail (twice: libbpf debug output)\n"
"  -h, --help                 this help; with -p NAME, that plugin's options\n"
"  -V, --version              print the version\n"
"\n"
"Examples:\n"
"  bpfhost -p filesnoop -o filesnoop.path=/etc/hosts\n"
"  bpfhost -c /etc/bpfhost/bpfhost.ini -F json\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "bpfhost: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; try bpfhost --help\n");
	return -EINVAL;
}

static int parse_cli(struct cli *cli, int argc, char **argv)
{
	enum {
		OPT_PLUGIN_DIR = 256,
		OPT_LIST_PLUGINS,
		OPT_DESCRIBE,
		OPT_ALLOW_UNSAFE,
	};
	static const struct option longopts[] = {
		{ "plugin", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "option", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
		{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
		{ "describe", required_argument, NULL, OPT_DESCRIBE },
		{ "allow-unsafe-plugins", no_argument, NULL, OPT_ALLOW_UNSAFE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	char *end, **sets;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:c:o:F:d:vhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli->nplugin_names == MAX_PLUGINS)
				return usage_error("more than %s plugins", "32");
			cli->plugin_names[cli->nplugin_names++] = optarg;
			break;
		case 'c':
			cli->config_path = optarg;
			break;
		case 'o':
			sets = realloc(cli->sets, (cli->nsets + 1) * sizeof(*sets));
			if (!sets)
				return -ENOMEM;
			cli->sets = sets;
			sets[cli->nsets++] = optarg;
			break;
		case 'F':
			cli->format = optarg;
			break;
		case 'd':
			errno = 0;
			cli->duration = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(cli->duration > 0) || !isfinite(cli->duration))
				return usage_error("--duration '%s': expected a number of seconds above 0",
						   optarg);
			break;
		case OPT_PLUGIN_DIR:
			cli->plugin_dir = optarg;
			break;
		case OPT_LIST_PLUGINS:
			cli->list_plugins = true;
			break;
		case OPT_DESCRIBE:
			cli->describe = optarg;
			break;
		case OPT_ALLOW_UNSAFE:
			plugin_file_allow_any_owner();
			break;
		case 'v':
			log_verbosity++;
			break;
		case 'h':
			cli->help = true;
			break;
		case 'V':
			printf("bpfhost %s (plugin ABI %d)\n", BPFHOST_VERSION,
			       BPFHOST_ABI_VERSION);
			exit(0);
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* True when this executable is the one in the build tree. */
static bool running_from_build_tree(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	return !strcmp(self, BPFHOST_BUILD_EXE);
}

static const char *plugin_dir(const struct cli *cli, const struct optset *hs)
{
	if (cli->plugin_dir)
		return cli->plugin_dir;
	if (optset_count(hs, "plugin_dir"))
		return optset_str(hs, "plugin_dir", 0);
	return running_from_build_tree() ? BPFHOST_BUILD_PLUGIN_DIR :
					   BPFHOST_PLUGIN_DIR;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_plugins(const char *dir)
{
	struct dirent *de;
	char *names[256];
	unsigned int n = 0;
	DIR *d = opendir(dir);

	if (!d) {
		log_error("cannot read plugin directory %s: %s", dir,
			  strerror(errno));
		return EXIT_RUNTIME;
	}
	while ((de = readdir(d)) && n < BPFHOST_ARRAY_SIZE(names)) {
		size_t len = strlen(de->d_name);

		if (len > 3 && !strcmp(de->d_name + len - 3, ".so"))
			names[n++] = strndup(de->d_name, len - 3);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	printf("%-16s %-10s %s\n", "PLUGIN", "VERSION", "SUMMARY");
	for (unsigned int i = 0; i < n; i++) {
		struct plugin p;

		if (names[i] && !plugin_load(&p, dir, names[i])) {
			printf("%-16s %-10s %s\n", p.ops.name, p.ops.version,
			       p.ops.summary ? p.ops.summary : "");
			plugin_unload(&p);
		}
		free(names[i]);
	}
	printf("(from %s)\n", dir);
	return 0;
}

/* Names from -p, else from [bpfhost] plugins = (space or comma lists). */
static int plugin_names(const struct cli *cli, const struct optset *hs,
			char ***out, unsigned int *n)
{
	char **names = calloc(MAX_PLUGINS, sizeof(*names));
	unsigned int count = 0;

	if (!names)
		return -ENOMEM;
	for (unsigned int i = 0; i < cli->nplugin_names; i++)
		names[count++] = strdup(cli->plugin_names[i]);
	for (unsigned int i = 0; !cli->nplugin_names &&
				 i < optset_count(hs, "plugins"); i++) {
		char *list = strdup(optset_str(hs, "plugins", i)), *save, *tok;

		for (tok = strtok_r(list, " ,\t", &save);
		     tok && count < MAX_PLUGINS;
		     tok = strtok_r(NULL, " ,\t", &save))
			names[count++] = strdup(tok);
		free(list);
	}
	for (unsigned int i = 0; i < count; i++) {
		for (unsigned int j = 0; j < i; j++) {
			if (!strcmp(names[i], names[j])) {
				log_error("plugin %s is named twice; run it once",
					  names[i]);
				goto fail;
			}
		}
	}
	*out = names;
	*n = count;
	return 0;
fail:
	for (unsigned int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return -EINVAL;
}

static bool plugin_file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (!plugin_name_valid(name) ||
	    snprintf(path, sizeof(path), "%s/%s.so", dir, name) >=
		    (int)sizeof(path))
		return false;
	return !access(path, F_OK);
}

static bool is_host_section(const char *name)
{
	return !strcmp(name, "bpfhost") || !strcmp(name, "output") ||
	       !strncmp(name, "output.", 7);
}

static struct plugin *find_plugin(struct plugin *ps, unsigned int n,
				  const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(ps[i].name, name))
			return &ps[i];
	return NULL;
}

/*
 * Every plugin section in the config is checked, also for plugins not
 * running now: a typo in a section waiting for later is still a typo.
 */
static int configure_plugins(const struct config *cfg, const char *dir,
			     struct plugin *ps, unsigned int n)
{
	for (size_t i = 0; cfg && i < cfg->n; i++) {
		const struct config_section *sec = &cfg->sections[i];
		struct plugin *p, spare;
		int err;

		if (is_host_section(sec->name))
			continue;
		p = find_plugin(ps, n, sec->name);
		if (p) {
			err = plugin_configure(p, sec);
		} else {
			if (!plugin_file_exists(dir, sec->name)) {
				log_error("%s: unknown section [%s]: not bpfhost, output, output.NAME or a plugin in %s",
					  sec->where, sec->name, dir);
				return -EINVAL;
			}
			if (plugin_load(&spare, dir, sec->name))
				return -EINVAL;
			err = plugin_configure(&spare, sec);
			plugin_unload(&spare);
		}
		if (err)
			return err;
	}
	return 0;
}

static int apply_cli_sets(const struct cli *cli, struct plugin *ps,
			  unsigned int n)
{
	for (unsigned int i = 0; i < cli->nsets; i++) {
		char *set = strdup(cli->sets[i]), *dot, *eq;
		struct plugin *p;
		int err = -EINVAL;

		if (!set)
			return -ENOMEM;
		dot = strchr(set, '.');
		eq = strchr(set, '=');
		if (!dot || !eq || dot > eq) {
			log_error("-o '%s': expected PLUGIN.KEY=VALUE, e.g. filesnoop.path=/etc/hosts",
				  cli->sets[i]);
		} else {
			*dot = *eq = '\0';
			p = find_plugin(ps, n, set);
			if (!p)
				log_error("-o '%s': plugin %s is not running; add -p %s",
					  cli->sets[i], set, set);
			else
				err = optset_set(&p->opts, dot + 1, eq + 1,
						 "-o", true);
		}
		free(set);
		if (err)
			return err;
	}
	return 0;
}

static void print_plugin_help(const struct plugin *p)
{
	printf("%s %s: %s\n\nOptions (-o %s.KEY=VALUE, or KEY = VALUE under [%s]):\n",
	       p->ops.name, p->ops.version, p->ops.summary ? p->ops.summary : "",
	       p->name, p->name);
	options_print_help(stdout, p->ops.options, p->ops.noptions);
	printf("\nEvents:\n");
	for (uint32_t i = 0; i < p->ops.nevents; i++)
		printf("  %-14s %s\n", p->ops.events[i].name,
		       p->ops.events[i].help ? p->ops.events[i].help : "");
}

struct session {
	struct cli cli;
	struct config cfg;
	bool have_cfg;
	struct optset host_opts;
	struct pipeline pipe;
	char **names;
	unsigned int nnames;
	struct plugin plugins[MAX_PLUGINS];
	unsigned int nplugins;
	struct runtime rt;
};

static void session_free(struct session *s)
{
	runtime_free(&s->rt);
	for (unsigned int i = 0; i < s->nplugins; i++)
		plugin_unload(&s->plugins[i]);
	for (unsigned int i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	pipeline_free(&s->pipe);
	optset_free(&s->host_opts);
	if (s->have_cfg)
		config_free(&s->cfg);
	free(s->cli.sets);
}

/* Everything up to attaching: all of it is checking input (exit 2). */
static int prepare(struct session *s)
{
	const struct config_section *sec;
	char why[PATH_MAX + 64];
	const char *dir;
	int err;

	if (s->cli.config_path) {
		err = config_load(&s->cfg, s->cli.config_path);
		if (err)
			return err;
		s->have_cfg = true;
	} else if (!running_from_build_tree() &&
		   !access(BPFHOST_DEFAULT_CONFIG, F_OK)) {
		err = config_load(&s->cfg, BPFHOST_DEFAULT_CONFIG);
		if (err)
			return err;
		s->have_cfg = true;
	}
	err = optset_init(&s->host_opts, "bpfhost", host_options,
			  BPFHOST_ARRAY_SIZE(host_options));
	sec = s->have_cfg ? config_section(&s->cfg, "bpfhost") : NULL;
	for (size_t i = 0; !err && sec && i < sec->n; i++)
		err = optset_set(&s->host_opts, sec->entries[i].key,
				 sec->entries[i].value, sec->entries[i].where,
				 false);
	if (err)
		return err;
	optset_apply_defaults(&s->host_opts);
	if (running_from_build_tree())
		tls_module_set_dir(BPFHOST_BUILD_TLS_MODULE_DIR);
	err = pipeline_configure(&s->pipe, s->have_cfg ? &s->cfg : NULL,
				 s->cli.format);
	if (err)
		return err;
	dir = plugin_dir(&s->cli, &s->host_opts);
	if (!plugin_dir_valid(dir, why, sizeof(why))) {
		log_error("%s", why);
		return -EINVAL;
	}
	if (s->cli.list_plugins || s->cli.describe)
		return 0;

	err = plugin_names(&s->cli, &s->host_opts, &s->names, &s->nnames);
	if (err)
		return err;
	if (!s->nnames) {
		if (s->cli.help)
			return 0;
		log_error("no plugin to run: give -p NAME, or plugins = NAME under [bpfhost] (bpfhost --list-plugins shows them)");
		return -EINVAL;
	}
	/*
	 * A plugin that is missing or refused at load (unsafe file, no entry,
	 * other ABI, schema drift) is bad input: stop before anything starts.
	 */
	for (unsigned int i = 0; i < s->nnames; i++) {
		err = plugin_load(&s->plugins[i], dir, s->names[i]);
		if (err)
			return err;
		s->nplugins++;
	}
	err = configure_plugins(s->have_cfg ? &s->cfg : NULL, dir, s->plugins,
				s->nplugins);
	if (!err)
		err = apply_cli_sets(&s->cli, s->plugins, s->nplugins);
	for (unsigned int i = 0; !err && i < s->nplugins; i++)
		optset_apply_defaults(&s->plugins[i].opts);
	return err;
}

static int describe(const struct cli *cli, const char *dir)
{
	bool json = cli->format && !strcmp(cli->format, "json");
	struct plugin p;
	int err;

	if (cli->format && !json && strcmp(cli->format, "text")) {
		usage_error("--describe prints text or json, not '%s'",
			    cli->format);
		return EXIT_USAGE;
	}
	err = plugin_load(&p, dir, cli->describe);
	if (err)
		return EXIT_USAGE;
	err = describe_plugin(stdout, &p, json);
	plugin_unload(&p);
	if (err)
		log_error("cannot write the description: %s", strerror(-err));
	return err ? EXIT_RUNTIME : 0;
}

static int run(struct session *s)
{
	int err;

	err = runtime_init(&s->rt, s->plugins, s->nplugins, &s->pipe);
	if (!err)
		err = runtime_event_types(&s->rt);
	if (err) {
		log_error("cannot set up the event loop: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	/* Plugins that need no tracepoint still run when this fails. */
	tracefs_ensure();
	err = pipeline_start(&s->pipe, s->rt.types, s->rt.ntypes);
	if (err)
		return EXIT_RUNTIME;
	err = runtime_start(&s->rt, !strcmp(optset_str(&s->host_opts,
							 "on_plugin_failure", 0),
					    "continue"));
	if (err) {
		/* open() refusing its options is bad input, the rest is not. */
		pipeline_flush(&s->pipe);
		return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	err = runtime_run(&s->rt, (uint64_t)(s->cli.duration * 1e9));
	runtime_stop(&s->rt);
	if (err) {
		log_error("event loop failed: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	/* Messages lost to a full disk or a dead stdout: not a clean run. */
	return pipeline_write_failed(&s->pipe) ? EXIT_RUNTIME : 0;
}

int main(int argc, char **argv)
{
	struct session s = { .rt = { .epfd = -1, .sigfd = -1 } };
	sigset_t hup;
	int ret;

	stdio_guard();
	/*
	 * SIGHUP never ends bpfhost, not even while it starts: held until the
	 * event loop reads it (runtime_init), then it reopens file outputs.
	 */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	log_route_libbpf();
	if (parse_cli(&s.cli, argc, argv)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (prepare(&s)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (s.cli.list_plugins) {
		ret = list_plugins(plugin_dir(&s.cli, &s.host_opts));
		goto out;
	}
	if (s.cli.describe) {
		ret = describe(&s.cli, plugin_dir(&s.cli, &s.host_opts));
		goto out;
	}
	if (s.cli.help) {
		if (s.nplugins)
			for (unsigned int i = 0; i < s.nplugins; i++)
				print_plugin_help(&s.plugins[i]);
		else
			usage(stdout);
		ret = 0;
		goto out;
	}
	ret = run(&s);
out:
	session_free(&s);
	return ret;
}
