#!/bin/bash
# Stage: kernels compiled before the server starts, so a restart does not pay for them again.
# DeepGEMM (FP8 on Hopper): restore the cache keyed by release, model revision, tp/nnodes and GPU
# from the object store, else run the plan's compile_deep_gemm (same args as the server, on every
# node together: it launches a full server, sglang-facts §3) and save the cache back. Where the
# release allows dummy weights the plan's argv says `--load-format dummy` and this stage runs on the
# idle GPUs while the weights download (its unit waits for config.json and the image only).
# torch.compile: restore its cache here; the server's warmup builds a missing one and readiness saves it.
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=precompile
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# The plan's precompile loads dummy weights (the release allows it): it needs config.json, not the download.
dummy_weights() { tool argv --node "$DSBOOT_NODE" --key precompile | tr '\0' '\n' | grep -qx dummy; }

compile_deepgemm() {
  local dir=$1 argv dargs=() envf="$DSBOOT_RUN/precompile.env" rc=0
  mapfile -d '' -t argv < <(tool argv --node "$DSBOOT_NODE" --key precompile)
  [ "${#argv[@]}" -gt 0 ] || fail "the plan turns DeepGEMM precompile on but gives no precompile argv"
  docker_base_args dargs
  container_env_file "$envf"
  log "compiling DeepGEMM kernels (typically 10-20 minutes, sglang-facts §3)"
  status running "" "deepgemm=compiling" "deepgemmDummyWeights=$(dummy_weights && echo 1 || echo 0)"
  docker rm -f dsboot-precompile >/dev/null 2>&1 || true
  timeout "$DSBOOT_PRECOMPILE_TIMEOUT" docker run --rm --name dsboot-precompile "${dargs[@]}" \
    --env-file "$envf" "$DSBOOT_IMAGE" "${argv[@]}" || rc=$?
  if [ "$rc" = 0 ]; then
    save_cache deepgemm "$DSBOOT_DG_CACHE_KEY" "$dir"
    status running "" "deepgemm=compiled"
  else
    # Not fatal: without a precompiled cache the server compiles on its first start (sglang-facts §3).
    docker rm -f dsboot-precompile >/dev/null 2>&1 || true
    log "DeepGEMM precompile failed (exit $rc); the server will compile on first start"
    # Not the node's error: it goes to its own field, so a node that serves shows no stale error.
    status running "" "deepgemm=failed" "deepgemmError=precompile exited $rc"
  fi
}

status running
if [ "$DSBOOT_DG_PRECOMPILE" = 1 ]; then
  dg=$(host_path "$DSBOOT_DG_CACHE_DIR")
  if restore_cache deepgemm "$DSBOOT_DG_CACHE_KEY" "$dg"; then
    status running "" "deepgemm=cache-hit"
  elif multi_node && ! is_rank0 && leader_epoch >/dev/null; then
    # A worker that rejoins a running group (a replaced node, and no cache in the store): rank 0 is
    # past its precompile, so a precompile here would wait for partners that never come.
    log "rank 0 is already serving; skipping DeepGEMM precompile (the server compiles what it needs)"
    status running "" "deepgemm=skipped-group-running"
  else
    # Every rank compiles together (it launches a full server): a worker that cannot reach rank 0
    # says so instead of waiting out the rendezvous.
    if multi_node && ! is_rank0; then wait_for_rank0 "the DeepGEMM precompile"; fi
    compile_deepgemm "$dg"
  fi
fi
if [ "$DSBOOT_TC_ENABLED" = 1 ]; then
  restore_cache torch-compile "$DSBOOT_TC_CACHE_KEY" "$(host_path "$DSBOOT_TC_CACHE_DIR")" ||
    log "torch.compile cache will be built by the server's warmup and saved once it serves"
fi
status complete
