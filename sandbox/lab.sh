#!/bin/sh
# The `ovn-bgp sandbox` lab, node side. Runs as root either inside the qemu guest (started by
# scripts/vm/run.sh, the guest's root namespace is the "node") or on a host whose kernel has the
# vrf/dummy/veth/8021q link types (started inside a private network namespace).
# It brings up, all state under LAB (nothing in /etc, /var/run/frr, /var/run/openvswitch):
#   1. an OVN Northbound ovsdb-server (schema patched with Logical_Router_Port.status) + demo topology
#   2. Open vSwitch (br-ex, br-int, the localnet patch port; system-id/hostname/bridge mappings)
#   3. a BGP peer: gobgpd (AS 65001) in netns PEER_NS, linked by a veth (169.254.77.1/30 <-> .2)
#   4. FRR zebra+bgpd (AS 64999) with the operator's base configuration (the neighbour)
#   5. `ovn-bgp watch` from dist/ with SHARE/bgp-agent.conf, its log in SHARE/agent.log
# then execs the node agent (dist/lib/sandbox/node-agent.js), which serves the host's requests
# through SHARE/queue until it is told to shut down.
# Progress lines go to SHARE/progress ("step NAME" / "ready" / "error TEXT").
# Usage: lab.sh PROJECT SHARE LAB PEER_NS PROVIDER(vlan|flat)
# No value here comes from a user: PROJECT/SHARE/LAB/PEER_NS are chosen by the sandbox command.
set -eu
PROJECT=$1 SHARE=$2 LAB=$3 PEER_NS=$4 PROVIDER=${5:-vlan}
PROGRESS=$SHARE/progress
step() { echo "step $1" >> "$PROGRESS"; echo "lab: $1 (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() { echo "error $1" >> "$PROGRESS"; echo "lab: FAILED: $1"; exit 1; }
trap 'rc=$?; [ $rc = 0 ] || echo "error lab.sh exited $rc (see console.log)" >> "$PROGRESS"' EXIT

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$LAB"
chmod 0711 "$LAB"   # the FRR daemons (user frr) must reach LAB/frr
echo "lab: kernel $(uname -r), $(nproc) vCPU, uptime $(cut -d' ' -f1 /proc/uptime) s"

step modules
# In the guest the modules come from the host's /lib/modules over 9p; built-ins need nothing.
modprobe -a vrf dummy veth 8021q openvswitch 2>/dev/null || true
ip link set lo up

NBD=$LAB/nb
OVSD=$LAB/ovs
PEERD=$LAB/peer
FRRD=$LAB/frr
NB_DB=unix:$NBD/ovnnb_db.sock
export OVS_RUNDIR=$OVSD OVS_DBDIR=$OVSD OVS_LOGDIR=$OVSD

nb_up() {
step nb
mkdir -p "$NBD"
# The host writes the patched schema into the share (starting python in the guest costs seconds).
if [ -s "$SHARE/ovn-nb.ovsschema" ]; then cp "$SHARE/ovn-nb.ovsschema" "$NBD/ovn-nb.ovsschema"; else
python3 - /usr/share/ovn/ovn-nb.ovsschema "$NBD/ovn-nb.ovsschema" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
# Logical_Router_Port.status as in OVN >= 23.09 (ovn-northd fills status:hosting-chassis).
s["tables"]["Logical_Router_Port"]["columns"].setdefault("status", {
    "type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}})
s["version"] = "7.1.0"
s.pop("cksum", None)
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
fi
ovsdb-tool create "$NBD/ovnnb_db.db" "$NBD/ovn-nb.ovsschema"
ovsdb-server "$NBD/ovnnb_db.db" --remote=punix:"$NBD/ovnnb_db.sock" \
  --unixctl="$NBD/ovnnb_db.ctl" --pidfile="$NBD/ovnnb_db.pid" --log-file="$NBD/ovnnb_db.log" \
  --detach --no-chdir -vconsole:off
sh "$PROJECT/sandbox/topology.sh" "$NB_DB" "$PROVIDER" || fail "demo topology"
echo "lab: nb done (uptime $(cut -d' ' -f1 /proc/uptime) s)"
}

ovs_up() {
step ovs
mkdir -p "$OVSD"
ovsdb-tool create "$OVSD/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$OVSD/conf.db" --remote=punix:"$OVSD/db.sock" --pidfile --log-file --detach --no-chdir -vconsole:off
ovs-vsctl --no-wait init
DPTYPE=system
[ -d /sys/module/openvswitch ] || DPTYPE=netdev
ovs-vswitchd unix:"$OVSD/db.sock" --pidfile --log-file --detach --no-chdir -vconsole:off
# What ovn-controller would have made: br-int and, per localnet port, a patch pair to br-ex.
ovs-vsctl -- add-br br-ex -- set Bridge br-ex datapath_type=$DPTYPE \
  -- add-br br-int -- set Bridge br-int datapath_type=$DPTYPE \
  -- add-port br-ex patch-provnet-physnet1-to-br-int \
  -- set Interface patch-provnet-physnet1-to-br-int type=patch options:peer=patch-br-int-to-provnet-physnet1 \
  -- add-port br-int patch-br-int-to-provnet-physnet1 \
  -- set Interface patch-br-int-to-provnet-physnet1 type=patch options:peer=patch-provnet-physnet1-to-br-int \
  -- set Open_vSwitch . external_ids:system-id=chassis-1 external_ids:hostname=compute-1 \
     external_ids:ovn-bridge-mappings=physnet1:br-ex
ip link set br-ex up 2>/dev/null || true
ip addr add 172.24.4.1/24 dev br-ex 2>/dev/null || true
echo "lab: ovs done (uptime $(cut -d' ' -f1 /proc/uptime) s)"
}

peer_up() {
step peer
ip netns add "$PEER_NS"
ip -n "$PEER_NS" link set lo up
ip link add sbx-uplink type veth peer name sbx-peer netns "$PEER_NS"
ip addr add 169.254.77.1/30 dev sbx-uplink
ip link set sbx-uplink up
ip -n "$PEER_NS" link set sbx-peer name uplink
ip -n "$PEER_NS" addr add 169.254.77.2/30 dev uplink
ip -n "$PEER_NS" link set uplink up
mkdir -p "$PEERD"
cat > "$PEERD/gobgpd.toml" <<'EOT'
[global.config]
  as = 65001
  router-id = "169.254.77.2"
  local-address-list = ["169.254.77.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "169.254.77.1"
    peer-as = 64999
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
EOT
ip netns exec "$PEER_NS" gobgpd -f "$PEERD/gobgpd.toml" -t toml --api-hosts 127.0.0.1:50051 \
  --pprof-disable -p > "$PEERD/gobgpd.log" 2>&1 &
echo $! > "$PEERD/gobgpd.pid"
echo "lab: peer done (uptime $(cut -d' ' -f1 /proc/uptime) s)"
}

frr_up() {
step frr
mkdir -p "$FRRD"
: > "$FRRD/empty.conf"
chown -R frr:frr "$FRRD"
/usr/lib/frr/zebra -d -f "$FRRD/empty.conf" -i "$FRRD/zebra.pid" -z "$FRRD/zserv.api" \
  --vty_socket "$FRRD" -P 0 --log "file:$FRRD/zebra.log"
for i in $(seq 100); do [ -S "$FRRD/zserv.api" ] && break; sleep 0.1; done
/usr/lib/frr/bgpd -d -f "$FRRD/empty.conf" -i "$FRRD/bgpd.pid" -z "$FRRD/zserv.api" \
  --vty_socket "$FRRD" -P 0 --log "file:$FRRD/bgpd.log"
for i in $(seq 100); do [ -S "$FRRD/bgpd.vty" ] && break; sleep 0.1; done
# The operator's base configuration: the default instance and its neighbour, both families
# activated at once (activating one later resets the session). ovn-bgp adds the VRF leak itself.
cat > "$FRRD/base.conf" <<'EOT'
router bgp 64999
 bgp router-id 169.254.77.1
 no bgp ebgp-requires-policy
 neighbor 169.254.77.2 remote-as 65001
 neighbor 169.254.77.2 timers connect 1
 address-family ipv4 unicast
  neighbor 169.254.77.2 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 169.254.77.2 activate
 exit-address-family
exit
EOT
chown frr:frr "$FRRD/base.conf"
vtysh --vty_socket "$FRRD" -f "$FRRD/base.conf" || fail "vtysh -f base.conf"
echo "lab: frr done (uptime $(cut -d' ' -f1 /proc/uptime) s)"
}

# The four parts are independent: start them side by side (each costs mostly process start-up
# and file access latency in the guest), then wait for all.
nb_up > "$LAB/nb.out" 2>&1 & P1=$!
ovs_up > "$LAB/ovs.out" 2>&1 & P2=$!
peer_up > "$LAB/peer.out" 2>&1 & P3=$!
frr_up > "$LAB/frr.out" 2>&1 & P4=$!
rc=0
for part in "nb $P1" "ovs $P2" "peer $P3" "frr $P4"; do
  wait "${part#* }" || { rc=1; echo "lab: ${part% *} failed:"; cat "$LAB/${part% *}.out"; }
done
cat "$LAB/nb.out" "$LAB/ovs.out" "$LAB/peer.out" "$LAB/frr.out"
[ $rc = 0 ] || fail "lab set-up failed (see console.log)"

step agent
STATE=$LAB/state
mkdir -p "$STATE"
cp /etc/iproute2/rt_tables "$LAB/rt_tables" 2>/dev/null || printf '255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n' > "$LAB/rt_tables"
cat > "$SHARE/bgp-agent.conf" <<EOT
# ovn-bgp configuration of the sandbox node (generated by sandbox/lab.sh)
[DEFAULT]
driver = nb_ovn_bgp_driver
exposing_method = underlay
expose_tenant_networks = True
bgp_AS = 64999
bgp_router_id = 169.254.77.1
reconcile_interval = 300
ovsdb_connection = unix:$OVSD/db.sock
ovs_env = OVS_RUNDIR=$OVSD,OVS_DBDIR=$OVSD,OVS_LOGDIR=$OVSD
frr_vty_socket = $FRRD
rt_tables_path = $LAB/rt_tables
state_dir = $STATE

[ovn]
ovn_nb_connection = $NB_DB
EOT
cd "$LAB"
# SHARE/bin/ovn-bgp.mjs: the same commands bundled into one file by the host (node in the TCG
# guest pays a 9p round trip per file: bin/run.js takes 40-50 s to load there, the bundle seconds).
CLI="$PROJECT/bin/run.js"
[ -f "$SHARE/bin/ovn-bgp.mjs" ] && CLI="$SHARE/bin/ovn-bgp.mjs"
echo "lab: ovn-bgp watch from $CLI"
NO_COLOR=1 node "$CLI" watch --config-file "$SHARE/bgp-agent.conf" \
  > "$SHARE/agent.log" 2>&1 &
echo $! > "$LAB/watch.pid"

step ready-wait
export SANDBOX_PROJECT=$PROJECT SANDBOX_SHARE=$SHARE SANDBOX_LAB=$LAB SANDBOX_PEER_NS=$PEER_NS
exec node "$PROJECT/dist/lib/sandbox/node-agent.js"
