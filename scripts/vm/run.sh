#!/bin/sh
# Boots the distribution kernel (/boot/vmlinuz-*) under qemu (TCG) with the host root as the guest's
# read-only root, runs SCRIPT inside as root (real vrf/dummy/veth/8021q/openvswitch modules) and
# exits with SCRIPT's exit code. The guest's output is streamed to stdout while it runs.
# Usage: run.sh SCRIPT [ARGS...]
# Environment:
#   VM_KVER      guest kernel version (default: the newest /boot/vmlinuz-*)
#   VM_CACHE     initramfs cache dir (default /tmp/ovn-bgp-vm), keyed by kernel version + builder hash
#   VM_OUT       writable share, /run/out in the guest (default: a new temp dir, removed on success)
#   VM_MEM (MiB, default 2048)  VM_SMP (default 2)  VM_TIMEOUT (seconds, default 900)
#   VM_PASS_ENV  names of host variables exported into the guest script (CI is always passed)
#   (VM_TIMEOUT=0: no time limit, as `ovn-bgp sandbox` uses it for a long-lived lab)
# Files in VM_OUT: cmd.sh, script.sh, console.log (the script's output), rc, serial.log, qemu.log,
#   vm.pid (the pid of the `timeout` wrapping qemu: SIGTERM to it stops qemu).
# Used by the kernel test tier (test/harness/vm/) and by `ovn-bgp sandbox` (src/lib/sandbox/).
# Exit codes: SCRIPT's code; 124 timeout; 125 the guest wrote no exit code; 126 no kernel/qemu.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: run.sh SCRIPT [ARGS...]" >&2; exit 2; }
SCRIPT=$1; shift

KVER=${VM_KVER:-}
if [ -z "$KVER" ]; then
  KIMG=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
  KVER=${KIMG#/boot/vmlinuz-}
fi
if [ -z "$KVER" ] || [ ! -r "/boot/vmlinuz-$KVER" ]; then
  echo "vm: no readable guest kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)" >&2; exit 126
fi
[ -d "/lib/modules/$KVER" ] || { echo "vm: /lib/modules/$KVER missing" >&2; exit 126; }
command -v qemu-system-x86_64 >/dev/null || { echo "vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 126; }

# The cache key includes the builder's hash so a changed init script rebuilds the image.
BHASH=$(cksum < "$HERE/build-initramfs.sh" | cut -d' ' -f1)
CACHE=${VM_CACHE:-/tmp/ovn-bgp-vm}
INITRD="$CACHE/$KVER-$BHASH/initramfs.cpio.gz"
[ -s "$INITRD" ] || "$HERE/build-initramfs.sh" "$INITRD" "$KVER"

OWN_OUT=0
if [ -z "${VM_OUT:-}" ]; then VM_OUT=$(mktemp -d /tmp/ovn-bgp-vm-out.XXXXXX); OWN_OUT=1; fi
OUT=$VM_OUT
mkdir -p "$OUT"; rm -f "$OUT/rc" "$OUT/console.log"
: > "$OUT/console.log"

# Host /tmp is hidden in the guest (tmpfs), so the script travels in the share, and a project that
# lives under /tmp (a CI clone, say) is shared separately and mounted at the same path in the guest.
cp "$SCRIPT" "$OUT/script.sh"
PROJECT=${VM_PROJECT:-$(cd "$HERE/../.." && pwd)}
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "#!/bin/sh"
  printf 'P=%s\n' "$(quote "$PROJECT")"
  echo '[ -d "$P" ] || { mkdir -p "$P" && mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose project "$P"; } || echo "vm: cannot mount the project at $P"'
  for v in CI ${VM_PASS_ENV:-}; do
    eval "val=\${$v-}"; eval "isset=\${$v+x}"
    [ -n "$isset" ] && printf 'export %s=%s\n' "$v" "$(quote "$val")"
  done
  printf 'exec sh /run/out/script.sh'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  echo
} > "$OUT/cmd.sh"

timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max \
  -m "${VM_MEM:-2048}" -smp "${VM_SMP:-2}" \
  -nographic -no-reboot -nic none -monitor none -serial file:"$OUT/serial.log" \
  -kernel "/boot/vmlinuz-$KVER" -initrd "$INITRD" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$OUT",mount_tag=out,security_model=none \
  -virtfs local,path="$PROJECT",mount_tag=project,security_model=none,readonly=on,multidevs=remap \
  </dev/null >"$OUT/qemu.log" 2>&1 &
QPID=$!
echo "$QPID" > "$OUT/vm.pid"
tail -n +1 -f --pid="$QPID" "$OUT/console.log" 2>/dev/null || true
QRC=0; wait "$QPID" || QRC=$?

if [ -f "$OUT/rc" ]; then
  RC=$(cat "$OUT/rc")
elif [ "$QRC" = 124 ]; then
  echo "vm: timed out after ${VM_TIMEOUT:-900} s (logs in $OUT)" >&2; RC=124
else
  echo "vm: guest wrote no exit code, qemu exit $QRC (see $OUT/serial.log, $OUT/qemu.log)" >&2
  tail -n 20 "$OUT/serial.log" >&2 2>/dev/null || true
  RC=125
fi
if [ "$RC" = 0 ] && [ "$OWN_OUT" = 1 ] && [ -z "${VM_KEEP:-}" ]; then rm -rf "$OUT"; fi
exit "$RC"
