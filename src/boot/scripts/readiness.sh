#!/bin/bash
# Stage: report "serving" only when the cluster really generates.
# Rank 0: every worker's health endpoint answers (workers serve a dummy /health once their schedulers
# are up), the release's readiness path answers 200 (/health_generate, or /health where it waits for
# warmup and generates, sglang-facts §5), and an authenticated API call succeeds with the key.
# Workers: their own /health. Then keep watching: a lost server goes back to "starting".
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=readiness
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

self="http://$DSBOOT_ADDRESS:$DSBOOT_HTTP_PORT"
hdr="$DSBOOT_SECRETS/api.hdr"
why=""

answers() { curl -sf -o /dev/null --max-time "${2:-10}" "${@:3}" "$1"; }

ready() {
  local w
  if ! is_rank0; then
    answers "$self/health" || { why="own /health does not answer"; return 1; }
    return 0
  fi
  for w in $DSBOOT_WORKER_ADDRESSES; do
    answers "http://$w:$DSBOOT_HTTP_PORT/health" || { why="worker $w is not up"; return 1; }
  done
  answers "$self$DSBOOT_READINESS_PATH" 60 -H "@$hdr" || { why="$DSBOOT_READINESS_PATH is not 200 yet"; return 1; }
  answers "$self/v1/models" 10 -H "@$hdr" || { why="/v1/models refuses the API key"; return 1; }
}

# Across nodes the transport must be the fabric's (the plan's DSBOOT_NCCL_NETWORK/PROVIDER, e.g. AWS
# Libfabric over efa): a server that fell back to TCP sockets answers, but at a thirtieth of the speed,
# so that is a failed stage with NCCL's own line, never `serving`. With no expectation it is recorded.
transport=""
transport_proven() {
  local out rc=0 tries=0
  [ -n "$DSBOOT_NCCL_LOG_DIR" ] || { transport=single-node; return 0; }
  while :; do
    rc=0
    out=$(tool_nccl --logs "$(host_path "$DSBOOT_NCCL_LOG_DIR")" --network "$DSBOOT_NCCL_NETWORK" --provider "$DSBOOT_NCCL_PROVIDER") || rc=$?
    case "$rc" in
      0) transport=$(printf '%s' "$out" | tool field transport)
        log "NCCL transport: $transport"
        return 0 ;;
      4) fail "NCCL is not on the $DSBOOT_FABRIC fabric: $(printf '%s' "$out" | tool field reason) ($(printf '%s' "$out" | tool field line))" ;;
      3) tries=$((tries + 1))
        [ "$tries" -le 30 ] || fail "the server answers but NCCL logged no network in $DSBOOT_NCCL_LOG_DIR" ;;
      *) fail "nccl-transport.py crashed (exit $rc)" ;;
    esac
    sleep "$DSBOOT_POLL_SECONDS"
  done
}
tool_nccl() { python3 "$DSBOOT_BIN/nccl-transport.py" "$@"; }
if [ -n "$DSBOOT_NCCL_LOG_DIR" ]; then ensure_tool nccl-transport.py; fi

if is_rank0; then
  key=$(read_secret "$DSBOOT_SECRET_API_KEY" api-key) || fail "could not read the API key from the secret store"
  (umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$key")" >"$hdr")
fi

# The published state is always the current one: past the deadline the node is "failed" with the
# reason, yet readiness keeps watching, so a server that comes up late turns the node "serving"
# (clearing the error) instead of serving under a stale failure.
waiting=""
wait_ready() {
  local deadline=$((SECONDS + DSBOOT_READY_TIMEOUT)) failed=""
  until ready; do
    if [ -z "$failed" ] && [ "$SECONDS" -ge "$deadline" ]; then
      failed=1
      log "FAILED: not ready after ${DSBOOT_READY_TIMEOUT}s: $why (still watching)"
      status failed "not ready after ${DSBOOT_READY_TIMEOUT}s: $why" "waitingFor=$why"
    elif [ -z "$failed" ] && [ "$why" != "$waiting" ]; then
      status starting "" "waitingFor=$why"
    fi
    waiting=$why
    sleep "$DSBOOT_POLL_SECONDS"
  done
}

while :; do
  status starting
  wait_ready
  waiting=""
  transport_proven
  log "serving"
  status serving "" "transport=$transport" "waitingFor="
  if [ "$DSBOOT_TC_ENABLED" = 1 ]; then
    tc=$(host_path "$DSBOOT_TC_CACHE_DIR")
    [ -f "$(cache_marker "$tc" "$DSBOOT_TC_CACHE_KEY")" ] || save_cache torch-compile "$DSBOOT_TC_CACHE_KEY" "$tc"
  fi
  misses=0
  while [ "$misses" -lt 3 ]; do
    sleep "$DSBOOT_POLL_SECONDS"
    if ready; then misses=0; else misses=$((misses + 1)); fi
  done
  log "lost readiness: $why"
done
