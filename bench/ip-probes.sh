#!/bin/sh
# Guest probes behind decisions of the kernel apply and the periodic dump (bench/README.md,
# "Two probes of iproute2 in the guest", and "4 December, night" for PROBE=wiring). Runs inside
# the qemu guest:
#   N=10000 VM_PASS_ENV=N sh scripts/vm/run.sh bench/ip-probes.sh
#   N=10000 B=1000 PROBE=wiring VM_PASS_ENV='N B PROBE' sh scripts/vm/run.sh bench/ip-probes.sh
# 1. N `address add` on one dummy device: one `ip -batch` against the same lines split over two
#    `ip -batch` processes started together (3 rounds).
# 2. CPU (user, sys) and bytes of the periodic dump's show commands over N addresses, N rules and
#    N routes, with and without -json / -details (3 rounds).
# PROBE=wiring, instead of those two: a node with N ports in place (bgp-nic address, ip rule,
# bridge-table route, permanent neighbour each), then B more ports' wiring (rule, route,
# neighbour) timed three ways, 3 rounds, each taken out again by one untimed batch: the rules and
# routes in one `ip -batch` with the neighbours in another started together (the apply's layout:
# neighbours have a process of their own), the same two in turn, and all in one `ip -batch`.
set -eu
modprobe -a vrf dummy
N=${N:-10000}
H=$((N / 2))
ip link add bgp-vrf type vrf table 10
ip link add bgp-nic type dummy
ip link set bgp-nic master bgp-vrf
ip link add br-ex type bridge
for l in bgp-vrf bgp-nic br-ex; do ip link set "$l" up; done
W=$(mktemp -d)
now() { date +%s.%N; }
if [ "${PROBE:-}" = wiring ]; then
B=${B:-1000}
gen() { # KIND(addr|rr|neigh|all) VERB FIRST COUNT
  awk -v kind="$1" -v verb="$2" -v s="$3" -v n="$4" 'BEGIN { for (i = s; i < s + n; i++) {
    a = sprintf("10.%d.%d.%d", 100 + int(i / 65536), int(i / 256) % 256, i % 256)
    m = sprintf("fa:16:3e:%02x:%02x:%02x", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
    if (kind == "addr" || kind == "all") printf "address %s %s/32 dev bgp-nic\n", verb, a
    if (kind == "rr" || kind == "all") {
      printf "rule %s to %s/32 table 200 priority 32000\n", verb, a
      printf "route %s %s/32 dev br-ex table 200 scope link proto 3\n", verb, a }
    if (kind == "neigh" || kind == "all") {
      if (verb == "add") printf "neigh add %s lladdr %s dev br-ex nud permanent\n", a, m
      else printf "neigh del %s dev br-ex\n", a } } }'
}
gen all add 0 "$N" > "$W/node"; ip -force -batch "$W/node"
gen rr add "$N" "$B" > "$W/rr.add"; gen neigh add "$N" "$B" > "$W/neigh.add"
cat "$W/rr.add" "$W/neigh.add" > "$W/one.add"
gen rr del "$N" "$B" > "$W/rr.del"; gen neigh del "$N" "$B" > "$W/neigh.del"
gen addr add "$N" "$B" > "$W/addr.add"; gen addr del "$N" "$B" > "$W/addr.del"
clean() { ip -force -batch "$W/rr.del" 2>/dev/null || true; ip -force -batch "$W/neigh.del" 2>/dev/null || true; sleep 2; }
for r in 1 2 3; do
  s=$(now); ip -force -batch "$W/rr.add" & ip -force -batch "$W/neigh.add" & wait; e=$(now)
  echo "wiring of $B on $N, round $r: two processes together $(echo "$e - $s" | bc) s"; clean
  s=$(now); ip -force -batch "$W/rr.add"; ip -force -batch "$W/neigh.add"; e=$(now)
  echo "wiring of $B on $N, round $r: two processes in turn $(echo "$e - $s" | bc) s"; clean
  s=$(now); ip -force -batch "$W/one.add"; e=$(now)
  echo "wiring of $B on $N, round $r: one process $(echo "$e - $s" | bc) s"; clean
done
s=$(now); ip -force -batch "$W/addr.add"; e=$(now)
echo "addresses of $B on $N: $(echo "$e - $s" | bc) s"
ip -force -batch "$W/addr.del"
rm -rf "$W"
exit 0
fi
addrs() { # VERB FIRST COUNT
  awk -v verb="$1" -v s="$2" -v n="$3" 'BEGIN { for (i = s; i < s + n; i++)
    printf "address %s 10.%d.%d.%d/32 dev bgp-nic\n", verb, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}
addrs add 0 "$N" > "$W/all.add"; addrs del 0 "$N" > "$W/all.del"
addrs add 0 "$H" > "$W/a.add"; addrs add "$H" $((N - H)) > "$W/b.add"
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
