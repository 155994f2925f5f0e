#!/bin/sh
# The initramfs builder lives in scripts/vm/build-initramfs.sh (shared with `ovn-bgp sandbox`).
exec sh "$(cd "$(dirname "$0")/../../.." && pwd)/scripts/vm/build-initramfs.sh" "$@"
