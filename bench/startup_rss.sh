#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# startup_rss.sh - time from exec to attached and to the first event, and the
# maximum RSS, of file-open tracers.
#
# lib/bh_startlat.c takes t0, fork+execs the tracer (own process group,
# stdout+stderr into a pipe, under stdbuf -oL and /usr/bin/time -v) and opens
# a canary file once per millisecond.  It records
#   header_ms = first line with the tool's ready marker (bpfhost: "bpfhost:
#               running", printed once attached; opensnoop: its header,
#               printed after attaching; bpftrace: "Attaching", printed just
#               BEFORE attaching; ref_tp: its header)
#   event_ms  = first line with the canary path = really ready
# then holds the tracer HOLD s, sends SIGINT, and reads the maximum resident
# set size and user+sys CPU of the whole run from /usr/bin/time -v.
# Tracers (TRACERS selects): harness_null (sh printing the header and canary
#   at once: the measuring chain's own cost), opensnoop, bpftrace, ref_tp
#   (minimal libbpf tracer: skeleton, tracepoint, 4 MiB ring buffer, printf),
#   bpfhost_filesnoop, bpfhost_all (every plugin found in PLUGIN_DIR at run
#   time; xdpdrop gets a veth in a private network namespace, one rule
#   (drop udp dport 9; no traffic is sent), and then the whole bpfhost runs
#   in that namespace via ip netns exec).
# Env: ROUNDS (5) HOLD (1) TIMEOUT (30) TRACERS KEEP_TMP (0)
#      BUILD_DIR (../build-bench) or BPFHOST / PLUGIN_DIR
# Last line: KEY=value, medians over rounds: <T>_HEADER_MS <T>_EVENT_MS
# (+_RANGE) <T>_MAXRSS_KB (+_RANGE) <T>_CPU_MS, BPFHOST_ALL_PLUGINS, then the
# ratios against the targets of issue 8.
set -u
export LC_ALL=C
BENCH_NAME=startup_rss
. "$(dirname "$0")/lib/common.sh"
ROUNDS=${ROUNDS:-5}; HOLD=${HOLD:-1}; TIMEOUT=${TIMEOUT:-30}
ALL_TRACERS="harness_null opensnoop bpftrace ref_tp bpfhost_filesnoop bpfhost_all"
TRACERS=${TRACERS:-$ALL_TRACERS}
NETNS=bh_start_$$

need_root_and_tools stdbuf /usr/bin/time ip
D=/dev/shm; [ -d $D ] || D=/tmp
T=$(mktemp -d "$D/bh_start.XXXXXX")
cleanup_all() {
	cleanup
	ip netns del "$NETNS" 2>/dev/null
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM
build_helpers
FOREIGN=$(foreign_attachments)
CANARY="$T/canary"; echo bh > "$CANARY"
[ "${#CANARY}" -lt 60 ] || die "canary path too long for bpftrace str()"

# Every plugin in PLUGIN_DIR, with what it needs to attach.
ALL_PLUGINS=$("$BPFHOST" --plugin-dir "$PLUGIN_DIR" --list-plugins 2>/dev/null |
	awk 'NR > 1 && !/^\(/ {print $1}' | tr '\n' ' ')
bpfhost_all_cmd() {
	local p opt args="" pre=""
	for p in $ALL_PLUGINS; do
		args+=" -p $p"
		[ "$p" = xdpdrop ] || continue
		# the interface option, by its name in the plugin's own help
		opt=$("$BPFHOST" --plugin-dir "$PLUGIN_DIR" -h -p xdpdrop 2>&1 |
			awk '$1 ~ /^(interface|ifname|iface|dev|device)$/ {print $1; exit}')
		[ -n "$opt" ] || die "xdpdrop: no interface option in its help"
		ip netns add "$NETNS" &&
			ip -n "$NETNS" link add bhs0 type veth peer name bhs1 &&
			ip -n "$NETNS" link set bhs0 up &&
			ip -n "$NETNS" link set bhs1 up ||
			die "cannot create the veth pair in netns $NETNS"
		# one rule that no traffic here matches: xdpdrop needs a rule
		args+=" -o xdpdrop.$opt=bhs0 -o 'xdpdrop.rule=drop udp dport 9'"
		pre="ip netns exec $NETNS "
	done
	echo "$pre$BPFHOST --plugin-dir $PLUGIN_DIR$args"
}

BT_ALL='tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\n", pid, comm, str(args->filename)); }'
declare -A RDY CMDA
RDY[harness_null]="PID";      CMDA[harness_null]="sh -c 'echo PID; echo $CANARY; exec sleep 3600'"
RDY[opensnoop]="PID";         CMDA[opensnoop]="opensnoop"
RDY[bpftrace]="Attaching";    CMDA[bpftrace]="bpftrace -e $(printf %q "$BT_ALL")"
RDY[ref_tp]="PID COMM PATH";  CMDA[ref_tp]="$T/bh_tp tp-ringbuf"
RDY[bpfhost_filesnoop]="bpfhost: running"
CMDA[bpfhost_filesnoop]="$BPFHOST --plugin-dir $PLUGIN_DIR -p filesnoop"
RDY[bpfhost_all]="bpfhost: running"
declare -A SKIP
for t in $TRACERS; do
	[ -n "${RDY[$t]:-}" ] || die "unknown tracer $t (known: $ALL_TRACERS)"
	case $t in
	opensnoop) command -v opensnoop >/dev/null || SKIP[$t]=opensnoop_missing ;;
	bpftrace) command -v bpftrace >/dev/null || SKIP[$t]=bpftrace_missing ;;
	bpfhost_all) CMDA[$t]=$(bpfhost_all_cmd) || exit 1 ;;
	esac
done

declare -A HDR EVT RSS CPU
read -r -a ORDER <<<"$TRACERS"; n=${#ORDER[@]}
echo "# $BENCH_NAME: rounds=$ROUNDS hold=${HOLD}s all plugins: $ALL_PLUGINS" >&2
printf "# %-18s %10s %10s %12s %8s\n" tracer header_ms event_ms maxrss_kb cpu_ms >&2
for r in $(seq 1 "$ROUNDS"); do
	for k in $(seq 0 $((n - 1))); do
		t=${ORDER[$(((k + r - 1) % n))]}
		[ -n "${SKIP[$t]:-}" ] && continue
		rm -f "$T/time.txt"
		res=$("$T/bh_startlat" "$CANARY" "${RDY[$t]}" "$TIMEOUT" "$HOLD" \
			/usr/bin/time -v -o "$T/time.txt" stdbuf -oL -eL bash -c "exec ${CMDA[$t]}")
		h=$(kv "$res" header_ms); e=$(kv "$res" event_ms)
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$T/time.txt" 2>/dev/null)
		cpu=$(awk -F': ' '/User time \(seconds\)/{u=$2} /System time \(seconds\)/{s=$2} END{if(u!="")printf "%.0f", (u+s)*1000}' "$T/time.txt" 2>/dev/null)
		[ "$e" = NA ] && SKIP[$t]=no_event_within_${TIMEOUT}s
		HDR[$t]+=" $h"; EVT[$t]+=" $e"; RSS[$t]+=" ${rss:-NA}"; CPU[$t]+=" ${cpu:-NA}"
		printf "# %-18s %10s %10s %12s %8s\n" "$t" "$h" "$e" "${rss:-NA}" "${cpu:-NA}" >&2
	done
done

OUT="FOREIGN_ATTACH=$FOREIGN ROUNDS=$ROUNDS HOLD=$HOLD BPFHOST_ALL_PLUGINS=$(echo $ALL_PLUGINS | tr ' ' ,)"
declare -A MH ME MR
for t in "${ORDER[@]}"; do
	K=$(echo "$t" | tr a-z A-Z)
	if [ -z "${EVT[$t]:-}" ]; then OUT+=" ${K}_NOTE=${SKIP[$t]:-no_data}"; continue; fi
	MH[$t]=$(median %.1f ${HDR[$t]}); ME[$t]=$(median %.1f ${EVT[$t]})
	MR[$t]=$(median %.0f ${RSS[$t]})
	OUT+=" ${K}_HEADER_MS=${MH[$t]} ${K}_EVENT_MS=${ME[$t]} ${K}_EVENT_MS_RANGE=$(range ${EVT[$t]})"
	OUT+=" ${K}_MAXRSS_KB=${MR[$t]} ${K}_MAXRSS_KB_RANGE=$(range ${RSS[$t]}) ${K}_CPU_MS=$(median %.0f ${CPU[$t]})"
	[ -n "${SKIP[$t]:-}" ] && OUT+=" ${K}_NOTE=${SKIP[$t]}"
done
# Targets: all plugins attached sooner than opensnoop (header = attached for
# both), RSS under 16 MB.
OUT+=" ALL_ATTACH_VS_OPENSNOOP=$(ratio "${MH[bpfhost_all]:-NA}" "${MH[opensnoop]:-NA}" %.2f)"
OUT+=" ALL_EVENT_VS_OPENSNOOP=$(ratio "${ME[bpfhost_all]:-NA}" "${ME[opensnoop]:-NA}" %.2f)"
OUT+=" ALL_RSS_MB=$(ratio "${MR[bpfhost_all]:-NA}" 1024 %.1f)"
echo "$OUT"
