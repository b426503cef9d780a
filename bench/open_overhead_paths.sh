#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# open_overhead_paths.sh - what resolving the opened file's path costs per
# openat()+close(), matching and not matching a filter, beside opensnoop and
# beside filesnoop without resolution.
#
# Every figure comes from the anchor script /work/shared/bench-anchors/
# open_overhead.sh (ANCHOR=...), one run per bpfhost variant through its
# BPFHOST_CMD hook; the first run also measures opensnoop and the empty
# tracepoint program (the floor) in the same rounds.  The anchor pairs every
# traced run with an untraced one, so "added ns" figures of different runs
# compare.  Paths: match = /etc/hosts, nomatch = /etc/hostname.
#
# Variants (filesnoop, -F json, output to /dev/null):
#   resolve_exact    path=/etc/hosts: nomatch is rejected on the file's own
#                    name, before any walk
#   resolve_prefix   prefix=/etc/hosts: every open walks its path and looks
#                    it up in the trie (a prefix cannot be tested early)
#   resolve_all      no filter: every open resolved and delivered
#   noresolve_exact  the commit before resolution (PREV, default the parent
#                    of the commit that added bpf/file_path.bpf.h): the path
#                    as passed, matched at sys_enter
#   noresolve_all    the same build, no filter
# End-to-end figures on a shared machine are noisy, so each variant is also
# timed inside the kernel: with kernel.bpf_stats_enabled, the run time per
# call of its sys_enter_openat and sys_exit_openat programs while a loop
# opens the match path, then the nomatch path, BPF_OPENS times each (the
# programs see every other open on the machine too; the loop dominates).
# Env: BUILD_DIR (../build-bench, as the other benches) ANCHOR PREV ROUNDS (5) RUN_SECS (0.5)
#      VARIANTS (all of the above) BPF_OPENS (200000) KEEP_TMP (0)
# Output: the anchor's table per run on stderr; last line KEY=value with
# <VARIANT>_{MATCH,NOMATCH}_ADD_NS (median ns added per open+close),
# <VARIANT>_{MATCH,NOMATCH}_BPF_NS (ns in BPF per open: enter + exit), and
# OPENSNOOP_ADD_NS, REF_TP_EMPTY_ADD_NS.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC/build-bench}
ANCHOR=${ANCHOR:-/work/shared/bench-anchors/open_overhead.sh}
ROUNDS=${ROUNDS:-5}; RUN_SECS=${RUN_SECS:-0.5}; KEEP_TMP=${KEEP_TMP:-0}
BPF_OPENS=${BPF_OPENS:-200000}
VARIANTS=${VARIANTS:-resolve_exact resolve_prefix resolve_all noresolve_exact noresolve_all}

die() { echo "open_overhead_paths: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$ANCHOR" ] || [ -r "$ANCHOR" ] || die "no anchor script at $ANCHOR (set ANCHOR)"
[ -x "$BUILD_DIR/host/bpfhost" ] ||
	die "no bpfhost in $BUILD_DIR (meson setup $BUILD_DIR && ninja -C $BUILD_DIR)"

T=$(mktemp -d /tmp/bh_paths.XXXXXX)
# The host refuses plugins under a world-writable directory such as /tmp.
PREV_DIR=$BUILD_DIR/noresolve
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
BH_PID=""
cleanup() {
	[ -n "$BH_PID" ] && kill -INT "$BH_PID" 2>/dev/null && wait "$BH_PID"
	sysctl -q kernel.bpf_stats_enabled="$STATS_WAS"
	[ "$KEEP_TMP" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The build without resolution: the tree as it was one commit before.
build_prev() {
	local prev=${PREV:-$(git -C "$SRC" log --format=%H --diff-filter=A -1 -- bpf/file_path.bpf.h)~1}

	rm -rf "$PREV_DIR" && mkdir -p "$PREV_DIR/src" &&
		git -C "$SRC" archive "$prev" | tar -x -C "$PREV_DIR/src" &&
		meson setup "$PREV_DIR/build" "$PREV_DIR/src" >"$T/prev.log" 2>&1 &&
		ninja -C "$PREV_DIR/build" >>"$T/prev.log" 2>&1 ||
		die "cannot build $prev (see $T/prev.log; KEEP_TMP=1 keeps it)"
	echo "# noresolve: $(git -C "$SRC" log --oneline -1 "$prev")" >&2
}

cmd_of() {	# variant -> bpfhost command line
	local b=$BUILD_DIR
	case $1 in noresolve_*) b=$PREV_DIR/build ;; esac
	local bh="$b/host/bpfhost --plugin-dir $b/plugins -p filesnoop -F json"
	# The syscalls:* exits, one program run per open: what is measured is
	# the path work, not the raw_syscalls entry compat tracing adds.
	case $1 in resolve_*) bh+=" -o filesnoop.compat=no" ;; esac
	case $1 in
	*_exact) echo "$bh -o filesnoop.path=/etc/hosts" ;;
	*_prefix) echo "$bh -o filesnoop.prefix=/etc/hosts" ;;
	*_all) echo "$bh" ;;
	*) die "unknown variant $1" ;;
	esac
}

# ns in BPF per call of the openat programs of process $1 (JSON on stdin):
# its programs are the ones it holds descriptors of.
bpf_ns() {
	python3 -c '
import glob, json, sys
pid = int(sys.argv[1])
before = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
ids = set()
for f in glob.glob("/proc/%d/fdinfo/*" % pid):
	for line in open(f):
		if line.startswith("prog_id:"):
			ids.add(int(line.split()[1]))
# Exits may share one program ("exit_open_any", "exit_tp"): sum the time of
# every open program, per call of the one every openat runs (the loop uses
# openat): enter_openat, or the shared exit where opens are traced at exit.
now = {}
for p in json.load(sys.stdin):
	name = p.get("name", "")
	if p["id"] in ids and name.startswith(("enter_open", "exit_open",
						"exit_tp")):
		now[name] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
if len(sys.argv) < 3:
	print(json.dumps(now))
elif sorted(now) != sorted(before) or not now:
	print("NA")
else:
	every = next((k for k in ("enter_openat", "exit_open_any", "exit_tp")
		      if k in now), "")
	opens = now[every][1] - before[every][1] if every in now else 0
	ns = sum(t - before[k][0] for k, (t, _) in now.items())
	print("%.0f" % (ns / opens) if opens else "NA")' "$@"
}

bpf_cost() {	# variant -> "match_ns nomatch_ns"
	local out="" path before
	setsid taskset -c 0 bash -c "exec $(cmd_of "$1")" >/dev/null 2>"$T/bh.err" &
	BH_PID=$!
	for _ in $(seq 300); do
		grep -q "bpfhost: running" "$T/bh.err" && break
		kill -0 "$BH_PID" 2>/dev/null || die "$1 did not start: $(cat "$T/bh.err")"
		sleep 0.1
	done
	for path in /etc/hosts /etc/hostname; do
		before=$(bpftool -j prog show | bpf_ns "$BH_PID")
		taskset -c 1 python3 -c '
import os, sys
p, n = sys.argv[1], int(sys.argv[2])
for _ in range(n):
	os.close(os.open(p, os.O_RDONLY))' "$path" "$BPF_OPENS"
		out+=" $(bpftool -j prog show | bpf_ns "$BH_PID" "$before")"
	done
	kill -INT "$BH_PID"; wait "$BH_PID"; BH_PID=""
	echo $out
}

case " $VARIANTS " in *" noresolve_"*) build_prev ;; esac

sysctl -q kernel.bpf_stats_enabled=1
BPF_SUMMARY=""
for v in $VARIANTS; do
	read -r m n <<<"$(bpf_cost "$v")"
	echo "# $v: in BPF per open (enter + exit): match ${m} ns, nomatch ${n} ns" >&2
	V=$(echo "$v" | tr a-z A-Z)
	BPF_SUMMARY+=" ${V}_MATCH_BPF_NS=$m ${V}_NOMATCH_BPF_NS=$n"
done
sysctl -q kernel.bpf_stats_enabled="$STATS_WAS"

SUMMARY=""
first=1
for v in $VARIANTS; do
	tracers=bpfhost
	[ $first = 1 ] && tracers="bpfhost opensnoop ref_tp_empty"
	echo "# ---- $v: $(cmd_of "$v")" >&2
	line=$(BPFHOST_CMD=$(cmd_of "$v") TRACERS=$tracers ROUNDS=$ROUNDS \
		RUN_SECS=$RUN_SECS bash "$ANCHOR" | tail -1) ||
		die "anchor run for $v failed"
	V=$(echo "$v" | tr a-z A-Z)
	for kv in $line; do
		case $kv in
		BPFHOST_MATCH_ADD_NS=*|BPFHOST_NOMATCH_ADD_NS=*)
			SUMMARY+=" ${V}_${kv#BPFHOST_}" ;;
		OPENSNOOP_ADD_NS=*|REF_TP_EMPTY_ADD_NS=*|BASE_MATCH_NS=*)
			[ $first = 1 ] && SUMMARY+=" $kv" ;;
		BPFHOST_NOTE=*) SUMMARY+=" ${V}_NOTE=${kv#*=}" ;;
		esac
	done
	first=0
done
echo "ROUNDS=$ROUNDS RUN_SECS=$RUN_SECS BPF_OPENS=$BPF_OPENS$SUMMARY$BPF_SUMMARY"
