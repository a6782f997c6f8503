#!/bin/bash
# Stage: the SGLang server in docker, supervised with a bounded restart budget.
# Never starts without the weights' completion marker. Rank 0 publishes an epoch on its beacon each
# time it starts a server; a worker whose rank 0 changed epoch restarts its own server so the group
# rendezvouses again, instead of hanging on a dead NCCL group (sglang-facts §7.2 items 1, 15).
# Container shape follows SGLang's multi-node examples: host network and IPC, privileged for RDMA,
# large /dev/shm (sglang-facts §7.2 item 16).
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=sglang
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

name=dsboot-sglang
beacon="$DSBOOT_RUN/beacon"

require_verified_weights() {
  local dir
  dir=$(host_path "$DSBOOT_SERVED_DIR")
  tool is-marked --manifest "$dir/.dsboot-manifest.json" --dir "$dir" ||
    fail "weights in $DSBOOT_SERVED_DIR are not verified; refusing to start the server"
}

# The key reaches the server through a read-only file and an entrypoint that swaps the placeholder,
# so docker's stored container config (docker inspect) only ever holds the placeholder.
api_key_args() {
  local key
  key=$(read_secret "$DSBOOT_SECRET_API_KEY" api-key) || fail "could not read the API key from the secret store"
  keyargs=(-v "$key:/run/dsboot-secrets/api-key:ro" -v "$DSBOOT_BIN/with-api-key.sh:/run/dsboot-secrets/with-api-key.sh:ro"
    -e DSBOOT_API_KEY_FILE=/run/dsboot-secrets/api-key -e "DSBOOT_API_KEY_PLACEHOLDER=$DSBOOT_API_KEY_PLACEHOLDER"
    --entrypoint /run/dsboot-secrets/with-api-key.sh)
}

new_epoch() {
  epoch=$(date +%s%N)
  mkdir -p "$beacon"
  printf '%s\n' "$epoch" >"$beacon/epoch.tmp" && mv "$beacon/epoch.tmp" "$beacon/epoch"
}
follows_leader() { multi_node && ! is_rank0; }

stop_server() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap 'stop_server; exit 0' TERM INT

require_verified_weights
mapfile -d '' -t launch < <(tool argv --node "$DSBOOT_NODE" --key launch)
[ "${#launch[@]}" -gt 0 ] || fail "node.json has no launch argv"
dargs=()
docker_base_args dargs
container_env_file "$DSBOOT_RUN/sglang.env"
keyargs=()
if printf '%s\n' "${launch[@]}" | grep -qxF -- "$DSBOOT_API_KEY_PLACEHOLDER"; then api_key_args; fi
# The image came with the pull stage (pulled only when missing); a reference removed since is pulled again.
ensure_image
if follows_leader; then wait_for_rank0 "this worker's server"; fi
stop_server # a leftover from before a crash or reboot

restarts=0 follows=0 epoch=""
while :; do
  seen=""
  if multi_node && is_rank0; then new_epoch; fi
  if follows_leader; then seen=$(leader_epoch || true); fi
  # Readiness reads this server's NCCL log alone: a restarted server starts it afresh.
  if [ -n "$DSBOOT_NCCL_LOG_DIR" ]; then rm -rf "$(host_path "$DSBOOT_NCCL_LOG_DIR")" && mkdir -p "$(host_path "$DSBOOT_NCCL_LOG_DIR")"; fi
  status running "" "restarts=$restarts" "epoch=${epoch:-$seen}"
  log "starting the server (restarts so far: $restarts)"
  docker run --rm --name "$name" "${dargs[@]}" --env-file "$DSBOOT_RUN/sglang.env" "${keyargs[@]}" \
    "$DSBOOT_IMAGE" "${launch[@]}" &
  server=$!
  why=""
  while [ -z "$why" ] && kill -0 "$server" 2>/dev/null; do
    sleep "$DSBOOT_POLL_SECONDS" &
    wait $! || true
    follows_leader || continue
    cur=$(leader_epoch || true)
    if [ -z "$cur" ]; then continue; fi
    if [ -z "$seen" ]; then
      seen=$cur # rank 0 came up after this worker: this server is waiting for exactly that one
    elif [ "$cur" != "$seen" ]; then
      why="rank 0 restarted its server (epoch $seen -> $cur)"
      stop_server
    fi
  done
  rc=0
  wait "$server" || rc=$?
  if [ -n "$why" ]; then
    follows=$((follows + 1))
    [ "$follows" -le "$DSBOOT_GROUP_RESTART_LIMIT" ] || fail "followed rank 0 through $follows restarts; giving up"
    log "$why: restarting with the group"
    status restarting "" "groupRestarts=$follows"
    continue
  fi
  restarts=$((restarts + 1))
  if [ "$restarts" -gt "$DSBOOT_RESTART_BUDGET" ]; then
    fail "server exited $restarts times (last exit code $rc); restart budget of $DSBOOT_RESTART_BUDGET spent"
  fi
  log "server exited with code $rc; restart $restarts of $DSBOOT_RESTART_BUDGET"
  status restarting "server exited with code $rc" "restarts=$restarts"
  sleep $((DSBOOT_RESTART_DELAY * restarts)) &
  wait $! || true
done
