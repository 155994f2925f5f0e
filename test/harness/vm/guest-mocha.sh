#!/bin/sh
# Runs INSIDE the kernel-tier guest (see kernel-tier.sh): loads the modules the project needs, then
# runs mocha with the project root as working directory over the transpiled tests in /run/out/js.
# Everything the tests write goes to /tmp or /run (the project and the host root are read-only).
# Usage: guest-mocha.sh PROJECT_DIR [MOCHA ARGS...]
PROJECT=$1; shift
echo "guest: kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s, $(nproc) vCPU"
modprobe -a vrf dummy veth 8021q openvswitch || { echo "guest: modprobe failed"; exit 1; }
cd "$PROJECT" || exit 1
export OVN_BGP_GUEST=1 OVN_BGP_ROOT="$PROJECT" NO_COLOR=1 TMPDIR=/tmp NODE_OPTIONS=--enable-source-maps
echo "guest: mocha starts at uptime $(cut -d" " -f1 /proc/uptime) s"
node node_modules/mocha/bin/mocha.js --no-config --reporter spec --timeout 60000 --forbid-only "$@"
rc=$?
echo "guest: mocha done at uptime $(cut -d" " -f1 /proc/uptime) s"
exit $rc
