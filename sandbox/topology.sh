#!/bin/sh
# The sandbox's demo topology, written the way neutron's OVN driver writes it (IPv4 and IPv6):
#   provider network "public" (LS neutron-1111...), localnet port provnet-physnet1 on physnet1
#     (VLAN 100, or flat with PROVIDER=flat), 172.24.4.0/24 and 2001:db8:100::/64
#   vm1   on public, bound to compute-1 (this node)     172.24.4.11  2001:db8:100::11   -> exposed
#   vm2   on public, bound to compute-2 (another node)  172.24.4.12  2001:db8:100::12   -> not exposed
#   router1 (neutron-4444...): gateway port lrp-gw 172.24.4.10/24 2001:db8:100::10/64, hosted here
#     (status:hosting-chassis=chassis-1), interface lrp-private 10.0.0.1/24 fd00:10::1/64
#   tenant network "private" (LS neutron-2222...): vm3 10.0.0.5 fd00:10::5 on compute-1,
#     floating IP 172.24.4.100 -> 10.0.0.5 (distributed, NAT with external_mac)
#   load balancer lb1: VIP 172.24.4.50:80 (port lb1-vip) -> 10.0.0.5:8080,10.0.0.6:8080 on router1
# Usage: topology.sh NB_REMOTE [vlan|flat]
set -eu
DB=$1
PROVIDER=${2:-vlan}
PUB=11111111-1111-1111-1111-111111111111
PRIV=22222222-2222-2222-2222-222222222222
RTR=44444444-4444-4444-4444-444444444444
PRJ=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# Everything in ONE ovn-nbctl call, so one transaction and one process (in the TCG guest every
# process start costs about a second): commands are appended to "$@", separated by "--".
set --
# provider network + localnet port
set -- "$@" -- ls-add neutron-$PUB -- set Logical_Switch neutron-$PUB \
  external_ids:'"neutron:network_name"'=public external_ids:'"neutron:mtu"'=1500
set -- "$@" -- lsp-add neutron-$PUB provnet-physnet1 -- lsp-set-type provnet-physnet1 localnet \
  -- lsp-set-addresses provnet-physnet1 unknown \
  -- lsp-set-options provnet-physnet1 network_name=physnet1 mcast_flood=false mcast_flood_reports=true
[ "$PROVIDER" = flat ] || set -- "$@" -- set Logical_Switch_Port provnet-physnet1 tag=100

# VMs on the provider network: vm1 here, vm2 on another node
for vm in "vm1 fa:16:3e:00:01:11 172.24.4.11 2001:db8:100::11 compute-1" \
          "vm2 fa:16:3e:00:01:12 172.24.4.12 2001:db8:100::12 compute-2"; do
  n=${vm%% *}; rest=${vm#* }; mac=${rest%% *}; rest=${rest#* }; v4=${rest%% *}; rest=${rest#* }
  v6=${rest%% *}; ch=${rest#* }
  set -- "$@" -- lsp-add neutron-$PUB "$n" -- lsp-set-addresses "$n" "$mac $v4 $v6" \
    -- lsp-set-port-security "$n" "$mac $v4 $v6" \
    -- set Logical_Switch_Port "$n" \
       external_ids:'"neutron:cidrs"'="\"$v4/24 $v6/64\"" \
       external_ids:'"neutron:device_owner"'='"compute:nova"' \
       external_ids:'"neutron:network_name"'=neutron-$PUB \
       external_ids:'"neutron:project_id"'=$PRJ \
       external_ids:'"neutron:host_id"'="$ch" \
       options:requested-chassis="$ch" up=true
done

# tenant network and a VM on it (with a floating IP)
set -- "$@" -- ls-add neutron-$PRIV -- set Logical_Switch neutron-$PRIV \
  external_ids:'"neutron:network_name"'=private external_ids:'"neutron:mtu"'=1442
set -- "$@" -- lsp-add neutron-$PRIV vm3 \
  -- lsp-set-addresses vm3 "fa:16:3e:00:02:05 10.0.0.5 fd00:10::5" \
  -- set Logical_Switch_Port vm3 \
     external_ids:'"neutron:cidrs"'='"10.0.0.5/24 fd00:10::5/64"' \
     external_ids:'"neutron:device_owner"'='"compute:nova"' \
     external_ids:'"neutron:network_name"'=neutron-$PRIV \
     external_ids:'"neutron:project_id"'=$PRJ \
     external_ids:'"neutron:port_fip"'=172.24.4.100 \
     external_ids:'"neutron:host_id"'=compute-1 \
     options:requested-chassis=compute-1 up=true

# router: gateway port on the provider network, interface on the tenant network
set -- "$@" -- lr-add neutron-$RTR -- set Logical_Router neutron-$RTR \
  external_ids:'"neutron:router_name"'=router1 external_ids:'"neutron:gw_port_id"'=gw
set -- "$@" -- lrp-add neutron-$RTR lrp-gw fa:16:3e:00:00:0a 172.24.4.10/24 2001:db8:100::10/64 \
  -- set Logical_Router_Port lrp-gw external_ids:'"neutron:is_ext_gw"'=True \
     external_ids:'"neutron:network_name"'=neutron-$PUB external_ids:'"neutron:router_name"'=$RTR \
  -- lrp-set-gateway-chassis lrp-gw chassis-1 2
set -- "$@" -- lsp-add neutron-$PUB gw -- lsp-set-type gw router -- lsp-set-addresses gw router \
  -- lsp-set-options gw router-port=lrp-gw nat-addresses=router \
  -- set Logical_Switch_Port gw external_ids:'"neutron:device_owner"'='"network:router_gateway"' \
     external_ids:'"neutron:device_id"'=$RTR \
     external_ids:'"neutron:cidrs"'='"172.24.4.10/24 2001:db8:100::10/64"' up=true
set -- "$@" -- lrp-add neutron-$RTR lrp-private fa:16:3e:00:00:01 10.0.0.1/24 fd00:10::1/64 \
  -- set Logical_Router_Port lrp-private external_ids:'"neutron:network_name"'=neutron-$PRIV \
     external_ids:'"neutron:router_name"'=$RTR
set -- "$@" -- lsp-add neutron-$PRIV rif -- lsp-set-type rif router -- lsp-set-addresses rif router \
  -- lsp-set-options rif router-port=lrp-private \
  -- set Logical_Switch_Port rif external_ids:'"neutron:device_owner"'='"network:router_interface"' \
     external_ids:'"neutron:device_id"'=$RTR \
     external_ids:'"neutron:cidrs"'='"10.0.0.1/24 fd00:10::1/64"' \
     external_ids:'"neutron:network_name"'=neutron-$PRIV up=true
set -- "$@" -- lr-route-add neutron-$RTR 0.0.0.0/0 172.24.4.1

# NAT: SNAT for the tenant network, distributed floating IP for vm3 (external_mac set)
set -- "$@" -- lr-nat-add neutron-$RTR snat 172.24.4.10 10.0.0.0/24
set -- "$@" -- --id=@fip create NAT type=dnat_and_snat external_ip=172.24.4.100 logical_ip=10.0.0.5 \
     logical_port=vm3 external_mac='"fa:16:3e:00:ff:05"' \
     external_ids:'"neutron:fip_id"'=f1f1f1f1-0000-0000-0000-000000000001 \
     external_ids:'"neutron:fip_port_id"'=vm3 \
     external_ids:'"neutron:fip_network_id"'=$PUB \
     external_ids:'"neutron:router_name"'=neutron-$RTR \
  -- add Logical_Router neutron-$RTR nat @fip

# load balancer (Octavia OVN provider style) with its VIP port on the provider network
set -- "$@" -- lsp-add neutron-$PUB lb1-vip -- lsp-set-addresses lb1-vip "fa:16:3e:00:00:50 172.24.4.50" \
  -- set Logical_Switch_Port lb1-vip external_ids:'"neutron:cidrs"'='"172.24.4.50/24"' \
     external_ids:'"neutron:device_owner"'='"Octavia"' external_ids:'"neutron:network_name"'=neutron-$PUB
set -- "$@" -- lb-add lb1 172.24.4.50:80 10.0.0.5:8080,10.0.0.6:8080 tcp \
  -- set Load_Balancer lb1 external_ids:'"neutron:vip"'=172.24.4.50 external_ids:enabled=True \
     external_ids:'"neutron:vip_port_id"'=lb1-vip external_ids:lr_ref=neutron-$RTR \
  -- lr-lb-add neutron-$RTR lb1 -- ls-lb-add neutron-$PRIV lb1

shift   # the leading "--"
ovn-nbctl --db="$DB" "$@" >/dev/null

# Written by ovn-northd in OVN >= 23.09; ovn-nbctl 23.03 does not know the column.
ovsdb-client transact "$DB" '["OVN_Northbound",{"op":"update","table":"Logical_Router_Port",
  "where":[["name","==","lrp-gw"]],"row":{"status":["map",[["hosting-chassis","chassis-1"]]]}}]' >/dev/null
