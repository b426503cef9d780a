/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The paths of an opened file, shared by the BPF side (bpf/file_path.bpf.h
 * fills them) and the user side (schema fields, filter keys).  A plugin puts
 * a struct bpfhost_file_paths in its event struct and drops
 * BPFHOST_FILE_PATH_FIELDS() into its field table, so every plugin names
 * these fields the same way.  The paths are string spans
 * (<bpfhost/str_span.h>): their bytes follow the event struct in the record,
 * which is sent cut to the bytes they use, about 100 to 200 bytes for a
 * typical open.
 *
 *	path		the file actually opened, absolute, as the process sees
 *			it (its root, its mount namespace): the text PATH column
 *	path_arg	the name as the program passed it (a failed open's
 *			whole, up to PATH_MAX; an open's first 511 bytes);
 *			"" when none was passed (open_by_handle_at(2))
 *	path_host	the same file from the root of the mount namespace, when
 *			that differs from path (a chrooted process); else ""
 *	path_truncated	a path above was cut at its bound: path and path_host
 *			then keep their end and have no leading '/', path_arg
 *			keeps its start
 *
 * A failed open has no file: path is path_arg made absolute against the cwd
 * or the dirfd, not normalized ("..", symlinks stay as written); a name
 * too long for that keeps its end.  A failed open_by_handle_at(2) has no
 * path at all (""), which no filter can decide on: it is always reported.
 */
#ifndef BPFHOST_FILE_PATH_H
#define BPFHOST_FILE_PATH_H

#include <bpfhost/event.h>
#include <bpfhost/str_span.h>

#define BPFHOST_PATH_LEN 4096		/* PATH_MAX, NUL included */
/*
 * The name as passed (of an open that succeeded) and the namespace view
 * get smaller bounds that fit nearly every path: they bound the per-CPU
 * scratch a record is built in.
 */
#define BPFHOST_PATH_ARG_LEN 512
#define BPFHOST_PATH_HOST_LEN 512
#define BPFHOST_NAME_HEAD_LEN 28
/* Path filters live in an LPM trie keyed by bytes; 256 is its key limit. */
#define BPFHOST_PATH_FILTER_LEN 256
/* What a path filter matches: every open of the path, or writing ones. */
#define BPFHOST_PATH_FILTER_ANY 1
#define BPFHOST_PATH_FILTER_WRITES 2

/*
 * How a file was opened: a record's "syscall" field.  io_uring opens are
 * requests, not syscalls, but name the route the same way.
 */
enum bpfhost_open_route {
	BPFHOST_OPEN_OPEN = 0,
	BPFHOST_OPEN_OPENAT,
	BPFHOST_OPEN_OPENAT2,
	BPFHOST_OPEN_CREAT,
	BPFHOST_OPEN_BY_HANDLE_AT,
	BPFHOST_OPEN_IO_URING_OPENAT,
	BPFHOST_OPEN_IO_URING_OPENAT2,
};

struct bpfhost_file_paths {
	__u8 truncated;
	__u8 pad[3];
	struct bpfhost_str_span path;
	struct bpfhost_str_span path_arg;
	struct bpfhost_str_span path_host;
};

/*
 * Key of the set of basenames of exact path filters, tested before any
 * walk: the name's length and its first bytes, NUL-padded.  Two names may
 * share a key; the full path is matched after the walk.
 */
struct bpfhost_name_key {
	__u32 len;
	char head[BPFHOST_NAME_HEAD_LEN];
};

/*
 * Key of the path filter trie: prefixlen in bits, then the path bytes.  An
 * exact path is at most BPFHOST_PATH_FILTER_LEN - 2 bytes (its NUL is in
 * the key), a prefix BPFHOST_PATH_FILTER_LEN - 1.
 */
struct bpfhost_path_filter_key {
	__u32 prefixlen;
	__u8 path[BPFHOST_PATH_FILTER_LEN];
};

#ifndef __bpf__
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

/* The key of the last name in path ("hosts" for "/etc/hosts"). */
static inline struct bpfhost_name_key bpfhost_name_key_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	struct bpfhost_name_key key = { .len = (__u32)strlen(name) };

	strncpy(key.head, name, sizeof(key.head) - 1);
	return key;
}

/*
 * Add one path filter to a plugin's maps: trie_fd an LPM trie keyed by
 * struct bpfhost_path_filter_key, names_fd the basename set.  An
 * exact path keeps its NUL in the trie key, so no longer path matches; a
 * prefix leaves it out.  An exact path's last name also goes in the set the
 * kernel tests before any walk.  The path is at most
 * BPFHOST_PATH_FILTER_LEN - 2 (exact) or - 1 (prefix) bytes, as the
 * plugin's option declares.  Needs <bpf/bpf.h>.  With _as, what says
 * which opens the filter matches (BPFHOST_PATH_FILTER_*).
 * Returns 0 or -errno.
 */
static inline int bpfhost_path_filter_add_as(int trie_fd, int names_fd,
					     const char *path, int exact,
					     __u8 what)
{
	struct bpfhost_path_filter_key key = {};
	struct bpfhost_name_key name = bpfhost_name_key_of(path);
	size_t len = strlen(path) + (exact ? 1 : 0);
	__u8 one = 1;

	if (len > sizeof(key.path))
		return -ENAMETOOLONG;
	memcpy(key.path, path, len);
	key.prefixlen = len * 8;
	if (bpf_map_update_elem(trie_fd, &key, &what, BPF_ANY) ||
	    (exact && bpf_map_update_elem(names_fd, &name, &one, BPF_ANY)))
		return -errno;
	return 0;
}

static inline int bpfhost_path_filter_add(int trie_fd, int names_fd,
					  const char *path, int exact)
{
	return bpfhost_path_filter_add_as(trie_fd, names_fd, path, exact,
					  BPFHOST_PATH_FILTER_ANY);
}

#ifdef SYS_open
#define BPFHOST_SYS_OPEN_NR SYS_open
#else
#define BPFHOST_SYS_OPEN_NR -1	/* none on arm64, riscv and newer */
#endif
#ifdef SYS_creat
#define BPFHOST_SYS_CREAT_NR SYS_creat
#else
#define BPFHOST_SYS_CREAT_NR -1
#endif

/*
 * Before load, set what the BPF side of the bundled plugins'
 * file path code (bpf/file_path.bpf.h, bpf/open_syscall.bpf.h) reads from
 * rodata: ro is a skeleton's rodata, filter whether a path filter applies,
 * exact whether every filter is an exact path.  The syscall numbers are the
 * build's architecture's, which is the kernel's: a plugin's object is built
 * for it.
 */
#define BPFHOST_FILE_PATH_SETUP(ro, filter, exact)                             \
	do {                                                                   \
		(ro)->file_path_filter = (filter);                             \
		(ro)->file_path_exact = (filter) && (exact);                   \
		(ro)->open_nr_open = BPFHOST_SYS_OPEN_NR;                      \
		(ro)->open_nr_openat = SYS_openat;                             \
		(ro)->open_nr_openat2 = SYS_openat2;                           \
		(ro)->open_nr_creat = BPFHOST_SYS_CREAT_NR;                    \
		(ro)->open_nr_open_by_handle_at = SYS_open_by_handle_at;       \
	} while (0)

/*
 * The names of enum bpfhost_open_route, for a schema field's value_names:
 * static const struct bpfhost_value_name names[] = BPFHOST_OPEN_ROUTE_NAMES;
 */
#define BPFHOST_OPEN_ROUTE_NAMES                                               \
	{                                                                      \
		{ ~0ull, BPFHOST_OPEN_OPEN, "open" },                          \
		{ ~0ull, BPFHOST_OPEN_OPENAT, "openat" },                      \
		{ ~0ull, BPFHOST_OPEN_OPENAT2, "openat2" },                    \
		{ ~0ull, BPFHOST_OPEN_CREAT, "creat" },                        \
		{ ~0ull, BPFHOST_OPEN_BY_HANDLE_AT, "open_by_handle_at" },     \
		{ ~0ull, BPFHOST_OPEN_IO_URING_OPENAT, "io_uring_openat" },    \
		{ ~0ull, BPFHOST_OPEN_IO_URING_OPENAT2, "io_uring_openat2" },  \
		{ 0, 0, NULL },                                                \
	}

#define BPFHOST_FILE_PATH_FIELD_AT(ev, member, sub)                            \
	BPFHOST_FIELD_AT(ev, member.sub)

/* Needs <bpfhost/plugin.h>.  Text shows path only. */
#define BPFHOST_FILE_PATH_FIELDS(ev, member)                                   \
	{ .name = "path", .header = "PATH",                                    \
	  .type = BPFHOST_FIELD_STR_SPAN,                                      \
	  BPFHOST_FILE_PATH_FIELD_AT(ev, member, path) },                      \
	{ .name = "path_arg", .type = BPFHOST_FIELD_STR_SPAN,                  \
	  .flags = BPFHOST_FIELD_NO_TEXT,                                      \
	  BPFHOST_FILE_PATH_FIELD_AT(ev, member, path_arg) },                  \
	{ .name = "path_host", .type = BPFHOST_FIELD_STR_SPAN,                 \
	  .flags = BPFHOST_FIELD_NO_TEXT,                                      \
	  BPFHOST_FILE_PATH_FIELD_AT(ev, member, path_host) },                 \
	{ .name = "path_truncated", .type = BPFHOST_FIELD_BOOL,                \
	  BPFHOST_FILE_PATH_FIELD_AT(ev, member, truncated) }
#endif /* !__bpf__ */

#endif /* BPFHOST_FILE_PATH_H */
