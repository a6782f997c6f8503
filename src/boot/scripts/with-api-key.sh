#!/bin/sh
# Container entrypoint on rank 0: replace the API-key placeholder in argv with the key from a
# read-only mounted file, then exec the server. POSIX sh: it runs inside the SGLang image.
set -eu
key=$(cat "$DSBOOT_API_KEY_FILE")
for arg do
  shift
  if [ "$arg" = "$DSBOOT_API_KEY_PLACEHOLDER" ]; then set -- "$@" "$key"; else set -- "$@" "$arg"; fi
done
unset DSBOOT_API_KEY_FILE key
exec "$@"
