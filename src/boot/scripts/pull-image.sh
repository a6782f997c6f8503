#!/bin/bash
# Stage, from t=0 beside the weights download: the serving image on local disk. Pulled only when
# it is missing, so restarts and reboots cost nothing; a changed image in boot.env is a different
# reference, missing here, so it is pulled.
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=pull-image
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

status running
ensure_image
status complete "" "image=$DSBOOT_IMAGE" "imageId=$(docker image inspect --format '{{.Id}}' "$DSBOOT_IMAGE")"
