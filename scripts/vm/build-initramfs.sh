#!/bin/sh
# Builds the kernel tier's initramfs: busybox plus the virtio/9p modules of the guest kernel.
# At boot it mounts the HOST root read-only over 9p (multidevs=remap, cache=loose), puts tmpfs on
# the paths daemons write to, mounts the writable 9p share "out" on /run/out, runs /run/out/cmd.sh
# as root with its output in /run/out/console.log, writes /run/out/rc and powers off.
# Usage: build-initramfs.sh OUT.cpio.gz KVER
# The result is written to a temp file and renamed, so concurrent builders never see half a file.
set -eu
OUT=$1
KVER=$2
[ -x /bin/busybox ] || { echo "build-initramfs: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "build-initramfs: cpio missing" >&2; exit 1; }
W=$(mktemp -d /tmp/ovn-bgp-initramfs.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/dev" "$W/proc" "$W/sys" "$W/newroot" "$W/mods"
cp /bin/busybox "$W/bin/busybox"
n=10
# Load order matters: each module after the ones it depends on. Some may be built in (no .ko).
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         9pnet 9pnet_virtio netfs fscache 9p; do
  if f=$(modinfo -k "$KVER" -n "$m" 2>/dev/null) && [ -f "$f" ]; then
    cp "$f" "$W/mods/${n}_$m.ko"
  fi
  n=$((n + 1))
done
cat > "$W/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for f in /mods/*.ko; do insmod "$f" 2>/dev/null; done
halt_now() { echo "guest-init: $1"; echo o > /proc/sysrq-trigger; sleep 10; }
# multidevs=remap: host /proc and /sys both have inode 1; without remap they alias under cache=loose.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /newroot \
  || halt_now "9p root mount failed"
for d in tmp run var/tmp var/log var/lib/openvswitch; do
  mount -t tmpfs tmpfs "/newroot/$d" || echo "guest-init: no tmpfs on /$d"
done
chmod 1777 /newroot/tmp /newroot/var/tmp
mkdir -p /newroot/run/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /newroot/run/out || halt_now "no out share"
# busybox "mount -o move" stacks /proc and /sys wrongly: unmount here, mount again in the new root.
umount /dev; umount /sys; umount /proc
exec switch_root /newroot /bin/sh -c '
  mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
  mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts 2>/dev/null; mount -t tmpfs tmpfs /dev/shm 2>/dev/null
  hostname guest; ip link set lo up
  cd /run/out
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    sh /run/out/cmd.sh > /run/out/console.log 2>&1
  echo $? > /run/out/rc; sync
  echo o > /proc/sysrq-trigger; sleep 10'
INIT
chmod +x "$W/init"
mkdir -p "$(dirname "$OUT")"
(cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
