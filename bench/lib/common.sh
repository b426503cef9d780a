# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by the file-open bench scripts (sourced, never run): building the
# workload and reference tracers, starting/stopping a tracer, statistics.
# The C sources next to this file come from the reference measurements in
# /work/shared/bench-anchors, so our figures and theirs share one workload.
#
# The caller sets BENCH_NAME and T (its private temporary directory) first.

BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(dirname "$(dirname "$BENCH_LIB")")
BUILD_DIR=${BUILD_DIR:-$BENCH_ROOT/build-bench}
BPFHOST=${BPFHOST:-$BUILD_DIR/host/bpfhost}
PLUGIN_DIR=${PLUGIN_DIR:-$BUILD_DIR/plugins}
TRACER_PGID=""

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

need_root_and_tools() {
	local c
	[ "$(id -u)" = 0 ] || die "must run as root"
	for c in gcc clang bpftool taskset setsid python3 "$@"; do
		command -v "$c" >/dev/null || die "missing $c"
	done
	[ -x "$BPFHOST" ] || die "no $BPFHOST: run 'meson setup $BUILD_DIR --buildtype=release && ninja -C $BUILD_DIR' first (or set BPFHOST)"
	mountpoint -q /sys/kernel/tracing ||
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
}

# Workload, reference BPF tracers and the start-up timer, built into $T.
build_helpers() {
	(
		cd "$T" &&
		gcc -O2 -Wall -o bh_openloop "$BENCH_LIB/bh_openloop.c" &&
		gcc -O2 -Wall -o bh_startlat "$BENCH_LIB/bh_startlat.c" &&
		clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" \
			-c "$BENCH_LIB/bh_tp.bpf.c" -o bh_tp.bpf.o &&
		bpftool gen skeleton bh_tp.bpf.o name bh_tp_bpf > bh_tp.skel.h &&
		gcc -O2 -Wall -I. -o bh_tp "$BENCH_LIB/bh_tp.c" -lbpf
	) >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; die "build failed"; }
	WL="$T/bh_openloop"
}

# Ends whatever tracer is running, then removes $T (unless KEEP_TMP=1).
cleanup() {
	set +e
	stop_bg
	[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}

# BPF attachments visible system-wide (perf-event based + bpf links).
attach_count() {
	local a b
	a=$(bpftool perf list 2>/dev/null | grep -c '^pid')
	b=$(bpftool link list 2>/dev/null | grep -cE '^[0-9]+:')
	echo $((a + b))
}

# Other tracers on this machine add their cost to every open we time: say
# how many BPF attachments exist before we start (0 on a quiet machine).
foreign_attachments() {
	local n
	n=$(attach_count)
	[ "$n" = 0 ] || echo "# $BENCH_NAME: warning: $n BPF attachments by other processes at start; figures may include their cost" >&2
	echo "$n"
}

# perf-event attachments (tracepoints) held by process PID.
attach_count_of() {
	bpftool perf list 2>/dev/null | grep -c "^pid $1 "
}

# start_bg NAME CMD OUTFILE -> tracer running, attached; 1 on failure.
# bpfhost says when it is attached ("bpfhost: running" on stderr); for the
# other tools, wait until the tracer's own attachments appear and hold still
# (counting only its own: other tracers may come and go meanwhile).
start_bg() {
	local t=$1 cmd=$2 out=$3 c prev=-1 stable=0 i
	# setsid and taskset exec: $! is the tracer itself
	setsid taskset -c "$TRACER_CPU" bash -c "exec $cmd" >"$out" 2>"$T/$t.err" &
	TRACER_PGID=$!
	for i in $(seq 1 600); do	# up to 60 s
		sleep 0.1
		kill -0 "$TRACER_PGID" 2>/dev/null || { TRACER_PGID=""; return 1; }
		if [[ $t == bpfhost* ]]; then
			grep -q '^bpfhost: running' "$T/$t.err" && { sleep 0.2; return 0; }
			continue
		fi
		c=$(attach_count_of "$TRACER_PGID")
		if [ "$c" -gt 0 ] && [ "$c" = "$prev" ]; then
			stable=$((stable + 1))
			[ $stable -ge 2 ] && { sleep 0.2; return 0; }
		else
			stable=0
		fi
		prev=$c
	done
	return 1
}

stop_bg() {
	[ -n "$TRACER_PGID" ] || return 0
	local i
	kill -INT -- -"$TRACER_PGID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$TRACER_PGID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- -"$TRACER_PGID" 2>/dev/null
	wait "$TRACER_PGID" 2>/dev/null
	TRACER_PGID=""
}

# Short reason from a tracer's stderr.
errtag() {
	local p
	for p in 'Operation not permitted' 'not available' 'Permission denied' \
		 'No such file' 'not found' 'Invalid argument'; do
		grep -qi "$p" "$1" 2>/dev/null && { echo "$p" | tr ' A-Z' '_a-z'; return; }
	done
	echo unknown
}

# "events, M lost" from bpfhost's summary lines, summed over plugins.
bpfhost_lost() {
	sed -n 's/^bpfhost: .*: [0-9]* events, \([0-9]*\) lost.*/\1/p' "$1" 2>/dev/null |
		awk '{s += $1} END {print s + 0}'
}

# median FORMAT VALUES... ; range VALUES... (NA and empty values ignored)
median() {
	python3 -c '
import sys, statistics as s
v = [float(x) for x in sys.argv[2:] if x not in ("NA", "")]
print("NA" if not v else sys.argv[1] % s.median(v))' "$@"
}
range() {
	python3 -c '
import sys
v = [float(x) for x in sys.argv[1:] if x not in ("NA", "")]
print("NA" if not v else "%.10g..%.10g" % (min(v), max(v)))' "$@"
}

# ratio A B FORMAT -> A/B, NA if either is missing or B is 0
ratio() {
	python3 -c '
import sys
a, b, f = sys.argv[1:]
try:
    print(f % (float(a) / float(b)))
except (ValueError, ZeroDivisionError):
    print("NA")' "$1" "$2" "${3:-%.3f}"
}

# kv LINE KEY -> value of KEY=value in LINE
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1; }
