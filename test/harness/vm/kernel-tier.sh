#!/bin/sh
# The kernel test tier: boots ONE qemu guest with the distribution kernel and runs mocha inside it
# over test/kernel/**/*.ktest.ts (or the files given), printing mocha's spec output and exiting
# with its code.
# Usage: kernel-tier.sh [--grep PATTERN] [FILE_OR_GLOB...]
#   e.g. test/harness/vm/kernel-tier.sh test/kernel/kernel-batch.ktest.ts
# Without qemu or a kernel image: under CI=true a failing line and exit 1, otherwise a skip (exit 0).
# KTIER_DRY_RUN=1: transpile and print the guest command line, do not boot.
# KTIER_QEMU: qemu binary name for the presence check (default qemu-system-x86_64).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)

GREP=""
FILES=""
while [ $# -gt 0 ]; do
  case $1 in
    --grep) [ $# -ge 2 ] || { echo "kernel-tier: --grep needs a value" >&2; exit 2; }; GREP=$2; shift 2 ;;
    --grep=*) GREP=${1#--grep=}; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) FILES="$FILES
$1"; shift ;;
  esac
done

missing=""
QEMU=${KTIER_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || missing="$QEMU"
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing="$missing /boot/vmlinuz-*"
[ -x /bin/busybox ] || missing="$missing busybox-static"
[ -d "$ROOT/node_modules/mocha" ] || missing="$missing node_modules (npm ci)"
if [ -n "$missing" ]; then
  if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
    echo "kernel tier: FAILED, required component unavailable under CI: $missing (run scripts/install-deps.sh)"
    echo "  1 failing"
    exit 1
  fi
  echo "kernel tier: skipped locally, missing: $missing (run scripts/install-deps.sh)"
  exit 0
fi

# The guest runs plain JavaScript: transpiled here into the share (tsx in the TCG guest costs 10+ s).
OWN_OUT=0
if [ -z "${VM_OUT:-}" ]; then VM_OUT=$(mktemp -d /tmp/ovn-bgp-ktier.XXXXXX); OWN_OUT=1; fi
export VM_OUT
node "$HERE/transpile.mjs" "$ROOT" "$VM_OUT/js" 2>/dev/null || { echo "kernel tier: transpile failed"; exit 1; }

# Guest argv: project dir, then mocha args; spec paths point at the transpiled files (/run/out/js).
set -- "$ROOT"
[ -n "$GREP" ] && set -- "$@" --grep "$GREP"
if [ -z "$FILES" ]; then
  set -- "$@" '/run/out/js/test/kernel/**/*.ktest.js'
else
  OLDIFS=$IFS; IFS='
'
  for f in $FILES; do
    [ -n "$f" ] || continue
    case $f in "$ROOT"/*) f=${f#"$ROOT"/} ;; esac
    f=${f#./}
    set -- "$@" "/run/out/js/${f%.ts}.js"
  done
  IFS=$OLDIFS
fi

if [ -n "${KTIER_DRY_RUN:-}" ]; then
  printf 'guest-mocha.sh'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
  [ "$OWN_OUT" = 1 ] && rm -rf "$VM_OUT"
  exit 0
fi

START=$(date +%s)
RC=0
# The whole tier runs in one guest; under TCG the fault and end-to-end files take most of an hour
# together, so the guest gets 50 minutes unless VM_TIMEOUT says otherwise.
export VM_TIMEOUT="${VM_TIMEOUT:-3000}"
VM_PASS_ENV="${VM_PASS_ENV:-} KTEST_VERBOSE KTEST_OPEN" sh "$HERE/run.sh" "$HERE/guest-mocha.sh" "$@" || RC=$?
echo "kernel tier: guest exited $RC after $(( $(date +%s) - START )) s"
if [ "$RC" = 0 ] && [ "$OWN_OUT" = 1 ] && [ -z "${VM_KEEP:-}" ]; then rm -rf "$VM_OUT"; fi
exit "$RC"
