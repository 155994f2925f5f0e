#!/bin/sh
# Runs a kernel benchmark inside the qemu guest (the host kernel lacks vrf/dummy): transpiles the
# project to JavaScript, boots the guest and runs `node bench/<name>.js ARGS` there.
# Usage: bench/run-kernel-bench.sh [NAME] [ARGS...]     e.g. bench/run-kernel-bench.sh kernel-apply 500
#        bench/run-kernel-bench.sh kernel-event 1000 10000     (COLD, BURST, EVENTS pass through;
#        RMEM_MAX sets net.core.rmem_max in the guest first)
#        bench/run-kernel-bench.sh steady-cpu 10000   (SETTLE, WINDOW, RECONCILE_INTERVAL, FRR_RECONCILE_INTERVAL,
#        BURST_E2E, BURST_ROUNDS, EVENTS_E2E, EVENT_GAP, LAB_FLOOR, COLD_SYNC, COLD_WATCH, COLD_ROUNDS, ORDERED_FLOOR, QUIET, DAEMON_LOG_LEVEL,
#        DAEMON_NODE_FLAGS; VM_MEM sets the guest's memory in MiB;
#        CPU_PROF=DIR: the daemon's V8 CPU profile, copied to DIR on the host)
# VM_TIMEOUT defaults to 3600 s here (large cold applies under TCG take minutes).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NAME=${1:-kernel-apply}; [ $# -gt 0 ] && shift
OUT=$(mktemp -d /tmp/ovn-bgp-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
node "$ROOT/test/harness/vm/transpile.mjs" "$ROOT" "$OUT/js" 2>/dev/null
cat > "$OUT/bench.sh" <<SCRIPT
modprobe -a vrf dummy veth 8021q openvswitch || exit 1
echo "net.core.rmem_max: \$(cat /proc/sys/net/core/rmem_max)"
if [ -n "${RMEM_MAX:-}" ]; then sysctl -w net.core.rmem_max=${RMEM_MAX:-}; fi
export OVN_BGP_GUEST=1 TMPDIR=/tmp
export SETTLE=${SETTLE:-30} WINDOW=${WINDOW:-300} RECONCILE_INTERVAL=${RECONCILE_INTERVAL:-300} FRR_RECONCILE_INTERVAL=${FRR_RECONCILE_INTERVAL:-15} BENCH_VERBOSE=${BENCH_VERBOSE:-}
export COLD=${COLD:-5000} ROUNDS=${ROUNDS:-3} BURST=${BURST:-1000} BURST_E2E=${BURST_E2E:-0} EVENTS_E2E=${EVENTS_E2E:-0} EVENT_GAP=${EVENT_GAP:-2000} BURST_ROUNDS=${BURST_ROUNDS:-3} LAB_FLOOR=${LAB_FLOOR:-1} COLD_SYNC=${COLD_SYNC:-1} COLD_WATCH=${COLD_WATCH:-1} COLD_ROUNDS=${COLD_ROUNDS:-1} ORDERED_FLOOR=${ORDERED_FLOOR:-0} QUIET=${QUIET:-10} BURST_TIMEOUT=${BURST_TIMEOUT:-600} DAEMON_LOG_LEVEL=${DAEMON_LOG_LEVEL:-info} DAEMON_NODE_FLAGS='${DAEMON_NODE_FLAGS:-}' EVENTS=${EVENTS:-30} MONITOR_COST=${MONITOR_COST:-0}
export CPU_PROF_DIR=${CPU_PROF:+/run/out/prof}
cd /run/out/js && node bench/$NAME.js $*
SCRIPT
RC=0
VM_OUT=$OUT VM_TIMEOUT=${VM_TIMEOUT:-3600} sh "$ROOT/scripts/vm/run.sh" "$OUT/bench.sh" || RC=$?
if [ -n "${CPU_PROF:-}" ] && [ -d "$OUT/prof" ]; then mkdir -p "$CPU_PROF" && cp "$OUT"/prof/* "$CPU_PROF"/; fi
exit $RC
