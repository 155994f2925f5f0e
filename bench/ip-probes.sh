#!/bin/sh
# Guest probes behind two decisions of the kernel apply and the periodic dump (bench/README.md,
# "Two probes of iproute2 in the guest"). Runs inside the qemu guest:
#   N=10000 VM_PASS_ENV=N sh scripts/vm/run.sh bench/ip-probes.sh
# 1. N `address add` on one dummy device: one `ip -batch` against the same lines split over two
#    `ip -batch` processes started together (3 rounds).
# 2. CPU (user, sys) and bytes of the periodic dump's show commands over N addresses, N rules and
#    N routes, with and without -json / -details (3 rounds).
set -eu
modprobe -a vrf dummy
N=${N:-10000}
H=$((N / 2))
ip link add bgp-vrf type vrf table 10
ip link add bgp-nic type dummy
ip link set bgp-nic master bgp-vrf
ip link add br-ex type dummy
for l in bgp-vrf bgp-nic br-ex; do ip link set "$l" up; done
W=$(mktemp -d)
addrs() { # VERB FIRST COUNT
  awk -v verb="$1" -v s="$2" -v n="$3" 'BEGIN { for (i = s; i < s + n; i++)
    printf "address %s 10.%d.%d.%d/32 dev bgp-nic\n", verb, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}
addrs add 0 "$N" > "$W/all.add"; addrs del 0 "$N" > "$W/all.del"
addrs add 0 "$H" > "$W/a.add"; addrs add "$H" $((N - H)) > "$W/b.add"
now() { date +%s.%N; }
for r in 1 2 3; do
  s=$(now); ip -batch "$W/all.add"; e=$(now)
  echo "parallel adds, round $r: one process $(echo "$e - $s" | bc) s"
  ip -batch "$W/all.del"
  s=$(now); ip -batch "$W/a.add" & ip -batch "$W/b.add" & wait; e=$(now)
  echo "parallel adds, round $r: two processes $(echo "$e - $s" | bc) s"
  ip -batch "$W/all.del"
done

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) { a = sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
  printf "address add %s/32 dev bgp-nic\nrule add to %s/32 table 200 priority %d\nroute add %s/32 dev br-ex table 200 proto 188\n", a, a, 1000 + i % 100, a } }' > "$W/objs"
ip -batch "$W/objs"
cat > "$W/dump.bash" <<'B'
TIMEFORMAT='%U user %S sys'
show() { # LABEL ARGS...
  local label=$1; shift
  local t; t=$( { time ip "$@" > "$W/out"; } 2>&1 )
  echo "dump, round $r, [$fmt] $label: $t, $(wc -c < "$W/out") bytes"
}
for r in 1 2 3; do
  for fmt in "-json -details" "-json" "-details" ""; do
    show address $fmt address show
    show rules -4 -N $fmt rule show
    show routes -4 -N $fmt route show table 200
  done
done
B
W=$W bash "$W/dump.bash"
rm -rf "$W"
