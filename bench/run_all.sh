#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run_all.sh - run every bench script in this directory, one after the other
# (each measures bpfhost beside its anchors in the same run), then print the
# machine and a summary table in Markdown, with the targets of issue 8.
#
# Usage: bench/run_all.sh [SCRIPT...]   (default: every bench/*.sh but this)
#        LOG_DIR=DIR bench/run_all.sh --summary   (summary of a past run only)
# Env: RESULTS=FILE also writes the summary there (e.g. bench/RESULTS.md);
#      LOG_DIR (default: a new /tmp/bpfhost-bench.XXXXXX) keeps each script's
#      stderr and figures.  Every script's own variables (ROUNDS, ...) pass
#      through.  Benchmarks never gate CI: the exit status only says whether
#      every script ran.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
LOG_DIR=${LOG_DIR:-$(mktemp -d /tmp/bpfhost-bench.XXXXXX)}
mkdir -p "$LOG_DIR"

if [ "${1:-}" = --summary ]; then
	SCRIPTS=()
elif [ $# -gt 0 ]; then
	SCRIPTS=("$@")
else
	SCRIPTS=()
	for s in "$HERE"/*.sh; do
		[ "$(basename "$s")" = run_all.sh ] || SCRIPTS+=("$s")
	done
fi

status=0
[ ${#SCRIPTS[@]} = 0 ] || {
	git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown
} >"$LOG_DIR/version"
for s in "${SCRIPTS[@]}"; do
	name=$(basename "$s" .sh)
	echo "run_all: $name (log: $LOG_DIR/$name.log)" >&2
	start=$(date +%s)
	if ! bash "$s" >"$LOG_DIR/$name.out" 2>"$LOG_DIR/$name.log"; then
		echo "run_all: $name failed, see $LOG_DIR/$name.log" >&2
		status=1
	fi
	echo "run_all: $name took $(($(date +%s) - start)) s" >&2
	tail -n 1 "$LOG_DIR/$name.out" >"$LOG_DIR/$name.kv"
done

summary() {
	local last
	last=$(ls -t "$LOG_DIR"/*.kv 2>/dev/null | head -n 1)
	echo "## Run of $(date -u ${last:+-r "$last"} +%Y-%m-%dT%H:%MZ)"
	echo
	echo "Machine: $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), Linux $(uname -r)"
	echo "bpfhost $(cat "$LOG_DIR/version" 2>/dev/null || echo unknown)"
	echo
	python3 "$HERE/lib/summary.py" "$LOG_DIR"
	echo
	echo "Raw figures (last line of each script):"
	echo
	for f in "$LOG_DIR"/*.kv; do
		echo "    $(basename "$f" .kv): $(cat "$f")"
	done
}
if [ -n "${RESULTS:-}" ]; then
	summary | tee "$RESULTS"
else
	summary
fi
exit $status
