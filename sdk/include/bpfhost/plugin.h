/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpfhost plugin ABI, version 1.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * BPFHOST_PLUGIN_ENTRY_SYMBOL, a function returning a const ops table.  The
 * host checks the table's ABI version and size before it touches anything
 * else, then drives the plugin through its lifecycle callbacks.  The plugin
 * declares its options and event layouts as data; the host validates the
 * options and renders every event (text, JSON, syslog) from the declared
 * schema, so a plugin contains no formatting code.
 *
 * Rules for changing this file: append fields at the end of a struct, never
 * insert or reorder.  Any change to the layout of a struct used in an array
 * (options, fields, schemas, value names) needs a new ABI version.
 */
#ifndef BPFHOST_PLUGIN_H
#define BPFHOST_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfhost/event.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BPFHOST_ABI_VERSION 1

#define BPFHOST_PLUGIN_ENTRY bpfhost_plugin_entry
#define BPFHOST_PLUGIN_ENTRY_SYMBOL "bpfhost_plugin_entry"

/* ---- options ---------------------------------------------------------- */

enum bpfhost_opt_type {
	BPFHOST_OPT_BOOL = 1,	/* yes/no, true/false, on/off, 1/0 */
	BPFHOST_OPT_INT,	/* signed 64-bit decimal or 0x hex, in [min, max] */
	BPFHOST_OPT_STRING,	/* length in [min, max] bytes (max 0 = no limit) */
	BPFHOST_OPT_ENUM,	/* one of the '|'-separated words in choices */
};

enum bpfhost_opt_flags {
	BPFHOST_OPT_MULTI = 1u << 0,	/* may be given several times */
};

struct bpfhost_option {
	const char *name;	/* [a-z0-9_]+, INI key and -o PLUGIN.name= */
	uint32_t type;		/* enum bpfhost_opt_type */
	uint32_t flags;		/* enum bpfhost_opt_flags */
	const char *def;	/* default as text; NULL = unset by default */
	const char *help;	/* one line, shown by bpfhost -p NAME --help */
	int64_t min, max;	/* INT: value bounds; STRING: length bounds */
	const char *choices;	/* ENUM: "auto|native|generic" */
};

/* ---- event schemas ------------------------------------------------------ */

enum bpfhost_field_type {
	BPFHOST_FIELD_UINT = 1,	/* unsigned, size 1, 2, 4 or 8 */
	BPFHOST_FIELD_INT,	/* signed, size 1, 2, 4 or 8 */
	BPFHOST_FIELD_BOOL,	/* size 1..8, non-zero = true */
	BPFHOST_FIELD_STR,	/* char[size], NUL-terminated or full; untrusted */
	BPFHOST_FIELD_BYTES,	/* raw bytes, rendered as hex */
	/*
	 * A struct bpfhost_str_span (<bpfhost/str_span.h>, size 4): a string
	 * after the record's fixed part; untrusted
	 */
	BPFHOST_FIELD_STR_SPAN,
};

/* How a field is shown.  JSON keeps numbers as numbers except where noted. */
enum bpfhost_display {
	BPFHOST_DISPLAY_DEFAULT = 0,
	BPFHOST_DISPLAY_HEX,		/* text 0x..; JSON number */
	BPFHOST_DISPLAY_ERRNO,		/* positive errno: text/JSON "ENOENT", 0 = "-" / null */
	BPFHOST_DISPLAY_FLAGS,		/* names joined by '|', from value_names */
	BPFHOST_DISPLAY_ENUM,		/* the one matching name, from value_names */
	BPFHOST_DISPLAY_IPV4,		/* 4 bytes, network order */
	BPFHOST_DISPLAY_IPV6,		/* 16 bytes */
	BPFHOST_DISPLAY_DURATION_NS,	/* text 1.5ms; JSON number of ns */
	/*
	 * A STR id: text shows a 64-hex-digit one by its first 12 digits,
	 * as docker ps and podman ps do, any other whole, and "" as "-";
	 * JSON and syslog always the whole string.
	 */
	BPFHOST_DISPLAY_SHORT_ID,
};

/*
 * One name for a value: matches when (value & mask) == value_bits.  For
 * FLAGS, every matching entry is printed (a mask wider than the bits, as for
 * O_ACCMODE, lets a zero value have a name); for ENUM the first match wins.
 * The table ends with an entry whose name is NULL.
 */
struct bpfhost_value_name {
	uint64_t mask;
	uint64_t value;
	const char *name;
};

enum bpfhost_field_flags {
	BPFHOST_FIELD_NO_TEXT = 1u << 0,	/* JSON and syslog only */
	/*
	 * A UINT holding this record's own syslog severity (enum
	 * bpfhost_severity, 0..7); any other value leaves the event type's.
	 * At most one per event.  Shown as the record's severity (syslog
	 * PRI, CEF/LEEF severity, JSON "severity"), not as a field.
	 */
	BPFHOST_FIELD_SEVERITY = 1u << 1,
};

struct bpfhost_field {
	const char *name;	/* [a-z0-9_]+: JSON key, SD-PARAM name */
	const char *header;	/* text column header; NULL = no text column */
	uint32_t type;		/* enum bpfhost_field_type */
	uint32_t display;	/* enum bpfhost_display */
	uint32_t offset;	/* from the start of the record (header included) */
	uint32_t size;
	int32_t width;		/* text column width; < 0 left-aligned, 0 = as is */
	uint32_t flags;		/* enum bpfhost_field_flags */
	const struct bpfhost_value_name *value_names;
};

/*
 * One event type.  A record is a struct bpfhost_event_header followed by the
 * plugin's fields; its header.type is the index of its schema.  A record may
 * be shorter than size only by cutting the trailing STR/BYTES field (the host
 * renders a string field up to the record's end), and longer than size by the
 * string bytes its STR_SPAN fields point at.
 */
struct bpfhost_event_schema {
	const char *name;	/* [a-z0-9_]+: "open" */
	const char *help;	/* one line for --describe */
	uint32_t size;		/* sizeof the event struct */
	uint32_t nfields;
	const struct bpfhost_field *fields;
	const char *btf_struct;	/* name of the event struct in the BPF object */
};

/*
 * An entry of ops->event_severities: BPFHOST_SEVERITY(BPFHOST_SEV_NOTICE)
 * declares that event type's severity; 0 (an entry left out) declares
 * none, and the output's severity option applies.
 */
#define BPFHOST_SEVERITY_DECLARED 0x80u
#define BPFHOST_SEVERITY(sev) ((uint8_t)(BPFHOST_SEVERITY_DECLARED | (sev)))

/* ---- host services ------------------------------------------------------ */

struct bpfhost_plugin_ctx;	/* opaque: one loaded plugin instance */
struct bpf_object_open_opts;	/* libbpf's */

enum bpfhost_log_level {
	BPFHOST_LOG_ERROR = 0,
	BPFHOST_LOG_WARN,
	BPFHOST_LOG_INFO,
	BPFHOST_LOG_DEBUG,
};

/*
 * What the host offers a plugin.  Passed to open(); valid until close()
 * returns.  Check size before calling anything appended after version 1.
 */
struct bpfhost_host_api {
	uint32_t abi_version;
	uint32_t size;

	/* Log one line, prefixed with the plugin name. */
	void (*log)(struct bpfhost_plugin_ctx *ctx, enum bpfhost_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

	/* Number of values an option has (defaults included); 0 = unset. */
	unsigned int (*opt_count)(struct bpfhost_plugin_ctx *ctx, const char *name);
	/* Value idx of an option, already validated; NULL when absent. */
	const char *(*opt_str)(struct bpfhost_plugin_ctx *ctx, const char *name,
			       unsigned int idx);
	int64_t (*opt_int)(struct bpfhost_plugin_ctx *ctx, const char *name,
			   unsigned int idx);
	bool (*opt_bool)(struct bpfhost_plugin_ctx *ctx, const char *name);

	/*
	 * Poll a BPF ring buffer map in the host's event loop.  Every record
	 * must start with struct bpfhost_event_header.  lost_map_fd, if >= 0,
	 * is a per-CPU array whose key 0 counts records the BPF side could not
	 * reserve; the host sums it for the summary.  Returns 0 or -errno.
	 */
	int (*add_ringbuf)(struct bpfhost_plugin_ctx *ctx, int ringbuf_map_fd,
			   int lost_map_fd);

	/* Deliver an event built in user space (header.type set, ts may be 0). */
	int (*emit)(struct bpfhost_plugin_ctx *ctx, const void *record,
		    size_t size);

	/* Call ops->tick every interval_ms (0 = never).  Returns 0 or -errno. */
	int (*set_tick)(struct bpfhost_plugin_ctx *ctx, uint64_t interval_ms);

	/*
	 * Appended after the first release: older hosts have a smaller
	 * table (see bpfhost_bpf_open_opts()).  Options for the skeleton's NAME_bpf__open_opts():
	 * they name the kernel types all plugins of this run relocate
	 * against, read from the kernel's BTF once for all of them (libbpf
	 * would otherwise parse and scan its 5 MB again for every object).
	 * NULL when the host has nothing to share for this plugin's object:
	 * libbpf then reads the kernel's BTF itself.  Valid during open().
	 * Call it through bpfhost_bpf_open_opts(), which checks the host has
	 * it.
	 */
	const struct bpf_object_open_opts *(*bpf_open_opts)(
		struct bpfhost_plugin_ctx *ctx);
};

/*
 * host->bpf_open_opts(ctx) if this host has it, else NULL; open the
 * skeleton with NAME_bpf__open_opts(bpfhost_bpf_open_opts(host, ctx)).
 */
static inline const struct bpf_object_open_opts *
bpfhost_bpf_open_opts(const struct bpfhost_host_api *host,
		      struct bpfhost_plugin_ctx *ctx)
{
	size_t end = offsetof(struct bpfhost_host_api, bpf_open_opts) +
		     sizeof(host->bpf_open_opts);

	return host->size >= end && host->bpf_open_opts ?
		       host->bpf_open_opts(ctx) : NULL;
}

/* ---- the plugin ---------------------------------------------------------- */

/*
 * Lifecycle: open -> load -> attach -> (tick ...) -> detach -> close.
 * Every callback returns 0 or a negative errno and, on failure, has already
 * logged one line saying what failed.  After a failed open nothing else is
 * called; after any later failure the host calls detach (if attach was
 * reached) and close.  state is the plugin's own, returned by open and passed
 * to every later call: plugins keep no globals, so one may run twice.
 *
 * Threads: the host opens plugins one at a time, but loads all plugins at
 * once, attaches them at once and detaches them at once, each plugin on a
 * thread of its own (the verifier runs on every core; attaching and
 * detaching mostly wait in the kernel).  One plugin's
 * callbacks never overlap each other, and every host service may be called
 * from any callback.
 */
struct bpfhost_plugin_ops {
	uint32_t abi_version;	/* BPFHOST_ABI_VERSION */
	uint32_t size;		/* sizeof(struct bpfhost_plugin_ops) */

	const char *name;	/* [a-z0-9_]+, matches the file name NAME.so */
	const char *version;	/* "1.0.0" */
	const char *summary;	/* one line */

	const struct bpfhost_option *options;
	uint32_t noptions;
	uint32_t nevents;
	const struct bpfhost_event_schema *events;

	/* Required.  Read options, open the BPF skeleton, set its rodata. */
	int (*open)(const struct bpfhost_host_api *host,
		    struct bpfhost_plugin_ctx *ctx, void **state);
	/* Required.  Load the BPF object into the kernel. */
	int (*load)(void *state);
	/* Required.  Attach programs, add ring buffers to the host. */
	int (*attach)(void *state);
	/* Optional.  Called every set_tick interval from the event loop. */
	int (*tick)(void *state);
	/* Optional.  Detach programs; may emit a final event. */
	void (*detach)(void *state);
	/* Required.  Free everything; state is gone afterwards. */
	void (*close)(void *state);

	/* Optional.  The embedded BPF ELF object, for schema checks. */
	const void *(*bpf_object)(size_t *size);

	/*
	 * Appended after the first release (older hosts take a smaller
	 * table and ignore it).  Optional: nevents entries, the severity
	 * of each event type, indexed like events[] (see
	 * BPFHOST_SEVERITY()).  NULL: every type takes the output's.
	 */
	const uint8_t *event_severities;
};

typedef const struct bpfhost_plugin_ops *(*bpfhost_plugin_entry_fn)(void);

#define BPFHOST_EXPORT __attribute__((visibility("default")))

/* Define a plugin's entry point: BPFHOST_PLUGIN(my_ops); */
#define BPFHOST_PLUGIN(ops)                                                    \
	BPFHOST_EXPORT const struct bpfhost_plugin_ops *BPFHOST_PLUGIN_ENTRY(void);\
	const struct bpfhost_plugin_ops *BPFHOST_PLUGIN_ENTRY(void)            \
	{                                                                      \
		return &(ops);                                                 \
	}

#define BPFHOST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Describe a member of an event struct: BPFHOST_FIELD_AT(struct open_event, pid) */
#define BPFHOST_FIELD_AT(type, member)                                         \
	.offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

#ifdef __cplusplus
}
#endif

#endif /* BPFHOST_PLUGIN_H */
