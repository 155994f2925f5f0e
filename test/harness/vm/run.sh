#!/bin/sh
# The guest boot lives in scripts/vm/run.sh (shared with `ovn-bgp sandbox`); see its header.
exec sh "$(cd "$(dirname "$0")/../../.." && pwd)/scripts/vm/run.sh" "$@"
