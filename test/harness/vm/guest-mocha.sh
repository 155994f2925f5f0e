#!/bin/sh
# Runs INSIDE the kernel-tier guest (see kernel-tier.sh): loads the modules the project needs,
# then runs mocha from the (read-only) project dir. Everything the tests write goes to /tmp or /run.
# Usage: guest-mocha.sh PROJECT_DIR [MOCHA ARGS...]
PROJECT=$1; shift
echo "guest: kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s, $(nproc) vCPU"
modprobe -a vrf dummy veth 8021q openvswitch || { echo "guest: modprobe failed"; exit 1; }
cd "$PROJECT" || exit 1
export OVN_BGP_GUEST=1 NO_COLOR=1 TMPDIR=/tmp
# mocha re-spawns node with the .mocharc node options (tsx loader); both starts come from the 9p cache.
exec node node_modules/mocha/bin/mocha.js --reporter spec "$@"
