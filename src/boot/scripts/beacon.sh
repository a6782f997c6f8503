#!/bin/bash
# Rank 0 of a multi-node cluster: serve the server epoch (beacon/epoch, written by sglang.sh) so
# workers can tell that rank 0 restarted. Not secret; answers 404 until the first server start.
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=beacon
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mkdir -p "$DSBOOT_RUN/beacon"
exec python3 -m http.server --bind "$DSBOOT_ADDRESS" --directory "$DSBOOT_RUN/beacon" "$DSBOOT_BEACON_PORT"
