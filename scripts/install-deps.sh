#!/bin/sh
# Installs everything ovn-bgp's tests and sandbox need on Debian 12, as root. Idempotent.
#   system: OVN (NB schema + ovsdb-server), Open vSwitch, FRR, gobgpd (BGP peer in tests/sandbox),
#           qemu + a Debian kernel (the kernel tier: this host's kernel may lack vrf/dummy/veth/vlan),
#           busybox-static + cpio (the guest's initramfs), groff/man-db (man page checks), openssl,
#           time (/usr/bin/time: peak RSS of ovsdb-client in bench/ovsdb-monitor.ts), systemd
#           (systemd-notify and systemd-analyze: the unit's readiness and verification tests).
#   node:   npm ci
set -eu
PKGS="ovn-central ovn-host openvswitch-switch frr gobgpd qemu-system-x86 linux-image-amd64 \
busybox-static cpio kmod groff man-db iproute2 openssl procps python3 ca-certificates time systemd"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install-deps: apt-get install$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends $missing >&2
fi
# The Debian packages start system daemons; the project runs its own private instances instead.
for s in ovn-central ovn-host openvswitch-switch frr; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q "$s" 2>/dev/null; then systemctl stop "$s" || true; fi
done
cd "$(dirname "$0")/.."
# Node.js comes with the machine (Debian 12's own nodejs is 18, too old for mocha 12 / oclif here).
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "install-deps: Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
