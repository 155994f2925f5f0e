#!/bin/sh
# Guest probe behind the order of the kernel apply's wiring (bench/README.md, "Wiring in one
# process or two"). Runs inside the qemu guest:
#   N=10000 B=1000 VM_PASS_ENV='N B' sh scripts/vm/run.sh bench/wiring-probe.sh
# A node with N ports in place (bgp-nic address, ip rule, bridge-table route, permanent neighbour
# each), then B more ports' wiring (rule, route, neighbour), timed three ways, 3 rounds, each
# taken out again by one untimed batch:
#   two   the rules and routes in one `ip -batch`, the neighbours in another, started together
#         (the apply's wiring before this probe: the neighbours have a process of their own);
#   serial the same two processes, one after the other;
#   one   all of it in one `ip -batch`.
# Then the B ports' addresses on bgp-nic, once, as a sanity figure.
set -eu
modprobe -a vrf dummy
N=${N:-10000}
B=${B:-1000}
ip link add bgp-vrf type vrf table 10
ip link add bgp-nic type dummy
ip link set bgp-nic master bgp-vrf
ip link add br-ex type bridge
for l in bgp-vrf bgp-nic br-ex; do ip link set "$l" up; done
W=$(mktemp -d)
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
now() { date +%s.%N; }
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
