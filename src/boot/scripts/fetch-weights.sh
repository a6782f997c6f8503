#!/bin/bash
# Stage: the model's files on local disk, each verified against the source's manifest (size, and
# sha256 for LFS files or the git blob id for small ones), resumable, then for BF16 rows served from
# an FP8 checkpoint converted once. Only a full verification writes the marker the server requires
# (half-downloaded weights crash SGLang mid-load, sglang-facts §7.2 item 8).
#
# Transfers: the object-store mirror with the cloud's parallel copier when the stack has one
# (s5cmd if installed, else aws s3 cp; gcloud storage; azcopy: cloud-facts §6), falling back to
# Hugging Face for any file the mirror lacks (then seeding it), else Hugging Face
# with curl: per-file byte-range resume and as many files at once as the node's link and vCPUs
# warrant (node_parallelism), no extra install on the node.
# Verification costs no pass of its own: each Hugging Face transfer streams through `tool sink`,
# which hashes the bytes as they land, and each mirror copy is hashed the moment it completes, so
# the stage takes about max(download, hash), not their sum. A transfer slower than
# DSBOOT_FETCH_MIN_SPEED for DSBOOT_FETCH_STALL_SECONDS is cut and resumed; failed rounds back off.
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=fetch-weights
# --config: only the file list and the small files (config, tokenizer), so the precompile can start.
[ "${1:-}" != --config ] || DSBOOT_STAGE=fetch-config
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

dir=$(host_path "$DSBOOT_WEIGHTS_DIR")
manifest="$dir/.dsboot-manifest.json"
hf_hdr="$DSBOOT_SECRETS/hf.hdr"

# The HF token goes from the secret store into a root-only header file under /run; curl reads it
# with -H @file, so it is never in argv, env files or logs. curl drops it on redirects to the CDN.
prepare_hf_header() {
  local tok
  install -d -m 700 "$DSBOOT_SECRETS"
  : >"$hf_hdr"
  [ -n "$DSBOOT_SECRET_HF_TOKEN" ] || return 0
  tok=$(read_secret "$DSBOOT_SECRET_HF_TOKEN" hf-token) || fail "could not read the Hugging Face token from the secret store"
  (umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$tok")" >"$hf_hdr")
}

fetch_manifest() {
  local url="$DSBOOT_HF_ENDPOINT/api/models/$DSBOOT_MODEL_REPO/revision/$DSBOOT_MODEL_REVISION?blobs=true" round
  for ((round = 1; ; round++)); do
    curl -sSf --connect-timeout 20 --max-time 120 -H "@$hf_hdr" "$url" |
      tool hf-manifest --repo "$DSBOOT_MODEL_REPO" --revision "$DSBOOT_MODEL_REVISION" --out "$manifest" && return 0
    [ "$round" -lt "$DSBOOT_FETCH_ROUNDS" ] || break
    backoff "$round" "reading the file list"
  done
  fail "could not read the file list of $DSBOOT_MODEL_REPO@$DSBOOT_MODEL_REVISION after $round attempts"
}

# backoff ROUND WHAT: wait before the next round, doubling, within the stage's overall deadline.
backoff() {
  local d
  d=$(backoff_delay "$(($1 + 1))")
  if awk -v e="$SECONDS" -v d="$d" -v t="$DSBOOT_FETCH_DEADLINE" 'BEGIN { exit !(e + d > t) }'; then
    fail "$2: still failing after ${SECONDS}s; giving up before the ${DSBOOT_FETCH_DEADLINE}s bound"
  fi
  log "$2 failed (round $1); retrying in ${d}s"
  sleep "$d"
}

# curl flags every weights transfer shares: a transfer that stays below the minimum speed for the
# stall window is cut (exit 28) so it can resume, instead of hanging on an open, silent connection.
curl_transfer=(-fsSL --connect-timeout 20 --speed-limit "$DSBOOT_FETCH_MIN_SPEED" --speed-time "$DSBOOT_FETCH_STALL_SECONDS")

# from_hf PATH: stream one file through the hashing sink, resuming from the bytes already on disk.
# Pinned to the manifest's commit, so resumed bytes and hashes belong to one revision.
from_hf() {
  local p=$1 commit=${DSBOOT_COMMIT:-} have rc tries=0 range=()
  [ -n "$commit" ] || commit=$(tool field commit <"$manifest")
  while :; do
    have=$(stat -c %s "$dir/$p" 2>/dev/null || echo 0)
    range=()
    [ "$have" = 0 ] || range=(-C "$have")
    rc=0
    curl "${curl_transfer[@]}" "${range[@]}" -H "@$hf_hdr" "$DSBOOT_HF_ENDPOINT/$DSBOOT_MODEL_REPO/resolve/$commit/$p" |
      tool sink --manifest "$manifest" --dir "$dir" --path "$p" || rc=$?
    case "$rc" in
      0) return 0 ;;
      5) touch "$DSBOOT_RUN/disk-full"; return 1 ;;
      4) return 1 ;; # corrupt bytes: deleted; the next round fetches it whole
    esac
    # Cut or failed part-way: resume at once while bytes keep coming; a transfer that made no
    # progress waits for the next round (and its backoff).
    tries=$((tries + 1))
    [ "$(stat -c %s "$dir/$p" 2>/dev/null || echo 0)" -gt "$have" ] && [ "$tries" -lt 20 ] || return 1
    log "$p: transfer cut at $(stat -c %s "$dir/$p") bytes; resuming"
  done
}

# AWS CLI v2's CRT transfer client splits each object into parallel ranged GETs sized to the
# instance's bandwidth; the classic client tops out far lower (cloud-facts §6: aws-cli ~375 MB/s).
# A config of its own for these copies only, so nothing else on the node changes behaviour.
s3_config="$DSBOOT_RUN/aws-s3-crt.config"
write_s3_config() {
  printf '[default]\ns3 =\n    preferred_transfer_client = crt\n' >"$s3_config"
}

from_mirror() { # PATH
  local src="$DSBOOT_WEIGHTS_MIRROR/$1"
  case "$DSBOOT_WEIGHTS_MIRROR" in
    s3://*) AWS_CONFIG_FILE="$s3_config" aws s3 cp --only-show-errors --region "$DSBOOT_REGION" "$src" "$dir/$1" ;;
    gs://*) gcloud storage cp --quiet "$src" "$dir/$1" ;;
    https://*) AZCOPY_AUTO_LOGIN_TYPE=MSI azcopy copy --log-level ERROR "$src" "$dir/$1" ;;
    /*) { cp "$(host_path "$src")" "$dir/$1.part" && mv "$dir/$1.part" "$dir/$1"; } || { rm -f "$dir/$1.part"; return 1; } ;;
    *) return 1 ;;
  esac
}

# One file, called in parallel by xargs. Failures only log: the next verification decides.
# A file the mirror lacks (a new mirror, or a partial one) comes from Hugging Face instead, and is
# remembered so rank 0 can seed the mirror once everything verifies. A mirror copy is hashed as
# soon as it lands, while the other transfers still run.
fetch_one() {
  local p=$1 file="$dir/$1"
  trap - ERR
  [ -d "${file%/*}" ] || mkdir -p "${file%/*}"
  if [ -n "$DSBOOT_WEIGHTS_MIRROR" ]; then
    if from_mirror "$p"; then
      tool verify --manifest "$manifest" --dir "$dir" --only "$p" >/dev/null 2>&1 || true
      return 0
    fi
    log "$p is not in the mirror; fetching it from Hugging Face"
    printf '%s\n' "$p" >>"$DSBOOT_RUN/not-in-mirror"
  fi
  from_hf "$p" || log "transfer of $p failed; the next round retries it"
  return 0
}

fetch_all() { # ROUND PATH...
  local round=$1
  shift
  # s5cmd for the first pass over an S3 mirror; later rounds go file by file so a file the mirror
  # lacks falls back to Hugging Face.
  if [ "$round" = 1 ] && [[ "$DSBOOT_WEIGHTS_MIRROR" == s3://* ]] && command -v s5cmd >/dev/null; then
    # One s5cmd process schedules every object over its own worker pool (cloud-facts §6).
    local p
    for p in "$@"; do printf 'cp "%s/%s" "%s/%s"\n' "$DSBOOT_WEIGHTS_MIRROR" "$p" "$dir" "$p"; done >"$DSBOOT_RUN/s5cmd.txt"
    s5cmd --log error --numworkers "$((parallel * 4))" run "$DSBOOT_RUN/s5cmd.txt" || log "s5cmd reported failures"
  else
    # The commit goes down once, rather than each transfer reading it from the manifest.
    DSBOOT_COMMIT=$(tool field commit <"$manifest") && export DSBOOT_COMMIT
    printf '%s\0' "$@" | xargs -0 -r -n 1 -P "$parallel" "$0" --one || true
  fi
}

# Fetch until every file verifies, a bounded number of rounds within an overall deadline. A corrupt
# file is deleted and fetched again; a partial one is resumed; a round that leaves files behind
# (refused connections, a flaky source) backs off before the next.
fetch_verified() { # [--config-files]
  local round rc todo_file="$DSBOOT_RUN/fetch-todo" subset=("$@")
  rm -f "$DSBOOT_RUN/disk-full"
  for ((round = 1; ; round++)); do
    rc=0
    tool verify --manifest "$manifest" --dir "$dir" "${subset[@]}" >"$todo_file" 2>"$DSBOOT_RUN/verify.err" || rc=$?
    cat "$DSBOOT_RUN/verify.err" >&2
    [ "$rc" = 0 ] && return 0
    [ "$rc" != 5 ] || fail "$(grep -m1 '^disk full' "$DSBOOT_RUN/verify.err")"
    [ "$rc" = 3 ] || fail "verifier crashed (exit $rc)"
    mapfile -d '' -t todo <"$todo_file"
    [ "$round" -le "$DSBOOT_FETCH_ROUNDS" ] || fail "${#todo[@]} file(s) still missing or corrupt after $DSBOOT_FETCH_ROUNDS rounds, e.g. ${todo[0]}"
    [ "$round" = 1 ] || backoff "$((round - 1))" "fetching ${#todo[@]} file(s)"
    log "round $round: fetching ${#todo[@]} file(s), $parallel at a time"
    status running "" "fetchRound=$round" "filesToFetch=${#todo[@]}"
    fetch_all "$round" "${todo[@]}"
    if [ -e "$DSBOOT_RUN/disk-full" ]; then
      tool verify --manifest "$manifest" --dir "$dir" "${subset[@]}" >/dev/null 2>"$DSBOOT_RUN/verify.err" && return 0
      fail "$(grep -m1 '^disk full' "$DSBOOT_RUN/verify.err" || echo "disk full in $DSBOOT_WEIGHTS_DIR")"
    fi
  done
}

# Rank 0 copies what the mirror lacked into it, once every file verified, so the next node or
# deployment stages at object-store speed. Only a mirror the stack owns is writable; a failed seed
# costs speed next time, not this boot.
seed_mirror() {
  local p n=0
  [ -s "$DSBOOT_RUN/not-in-mirror" ] || return 0
  if [ "$DSBOOT_WEIGHTS_MIRROR_WRITABLE" != 1 ] || ! is_rank0; then return 0; fi
  log "seeding the mirror with $(sort -u "$DSBOOT_RUN/not-in-mirror" | wc -l) file(s)"
  while IFS= read -r p; do
    if store_put "$dir/$p" "$DSBOOT_WEIGHTS_MIRROR/$p"; then n=$((n + 1)); else log "warning: could not seed $p into the mirror"; fi
  done < <(sort -u "$DSBOOT_RUN/not-in-mirror")
  rm -f "$DSBOOT_RUN/not-in-mirror"
  status running "" "mirrorSeeded=$n"
}

# FP8 -> BF16 once per model revision, with our own converter (fp8-to-bf16.py: a torch/numpy
# dequantization that runs on A100 too; DeepSeek's Triton kernel needs sm89+), inside the serving image
# for torch and the GPU. Rank 0 converts and publishes the result with its manifest to the stack's
# store (DSBOOT_CONVERTED_STORE, manifest last); the other ranks fetch that instead of the FP8 files.
converted_out() { host_path "$DSBOOT_CONVERTED_DIR"; }

convert_to_bf16() {
  local out work dargs=()
  out=$(converted_out)
  work="$out.partial"
  if tool is-marked --manifest "$out/.dsboot-manifest.json" --dir "$out" 2>/dev/null; then
    log "BF16 conversion verified on an earlier boot"
    publish_converted
    return 0
  fi
  log "converting FP8 -> BF16 into $DSBOOT_CONVERTED_DIR"
  status running "" "conversion=running"
  mkdir -p "$work" # shards finished by an interrupted run are kept: the converter resumes
  ensure_tool fp8-to-bf16.py
  if [ "${DSBOOT_CONVERT_ON_HOST:-0}" = 1 ]; then
    # The staging host (stage-weights.sh): no GPU and no serving image; the converter's numpy backend.
    (cd "$(dirname "$out")" && python3 "$DSBOOT_BIN/fp8-to-bf16.py" --backend numpy --device cpu \
      --input "$(basename "$dir")" --output "$(basename "$work")" --jobs "$(node_parallelism)") ||
      fail "FP8 -> BF16 conversion failed"
  else
    ensure_image
    docker_base_args dargs
    # Relative paths under one mounted parent, so the argv names no host path.
    docker run --rm --name dsboot-convert "${dargs[@]}" -v "$(dirname "$out"):/dsboot/models" \
      -v "$DSBOOT_BIN:/dsboot/bin:ro" -w /dsboot/models --entrypoint /dsboot/bin/fp8-to-bf16.py "$DSBOOT_IMAGE" \
      --input "$(basename "$dir")" --output "$(basename "$work")" --jobs 4 ||
      fail "FP8 -> BF16 conversion failed"
  fi
  tool check-converted --dir "$work" --out "$work/.dsboot-manifest.json" || fail "BF16 conversion output did not verify"
  rm -rf "$out" && mv "$work" "$out"
  tool mark --manifest "$out/.dsboot-manifest.json" --dir "$out"
  publish_converted
  status running "" "conversion=complete"
}

# Rank 0: every converted file, then the manifest, so a reader that finds the manifest finds all.
publish_converted() {
  local out p
  out=$(converted_out)
  [ -n "$DSBOOT_CONVERTED_STORE" ] && is_rank0 || return 0
  if store_get "$DSBOOT_CONVERTED_STORE/.dsboot-manifest.json" "$DSBOOT_RUN/published.json" 2>/dev/null &&
    cmp -s "$DSBOOT_RUN/published.json" "$out/.dsboot-manifest.json"; then
    log "BF16 conversion already published at $DSBOOT_CONVERTED_STORE"
    return 0
  fi
  log "publishing the BF16 conversion to $DSBOOT_CONVERTED_STORE"
  while IFS= read -r -d '' p; do
    AWS_CONFIG_FILE="$s3_config" store_put "$out/$p" "$DSBOOT_CONVERTED_STORE/$p" || fail "could not publish $p to $DSBOOT_CONVERTED_STORE"
  done < <(tool paths --manifest "$out/.dsboot-manifest.json")
  store_put "$out/.dsboot-manifest.json" "$DSBOOT_CONVERTED_STORE/.dsboot-manifest.json" || fail "could not publish the BF16 manifest"
  status running "" "conversionPublished=$DSBOOT_CONVERTED_STORE"
}

# The other ranks: wait for rank 0's manifest, then fetch and verify every file it lists.
fetch_converted() {
  local out round rc todo p deadline=$((SECONDS + DSBOOT_CONVERTED_WAIT))
  out=$(converted_out)
  mkdir -p "$out"
  if tool is-marked --manifest "$out/.dsboot-manifest.json" --dir "$out" 2>/dev/null; then
    log "BF16 weights verified on an earlier boot"
    return 0
  fi
  status running "" "conversion=waiting-for-rank-0"
  until store_get "$DSBOOT_CONVERTED_STORE/.dsboot-manifest.json" "$out/.dsboot-manifest.json.tmp" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "rank 0 has not published the BF16 conversion at $DSBOOT_CONVERTED_STORE after ${DSBOOT_CONVERTED_WAIT}s"
    sleep "$DSBOOT_POLL_SECONDS"
  done
  mv "$out/.dsboot-manifest.json.tmp" "$out/.dsboot-manifest.json"
  for ((round = 1; ; round++)); do
    rc=0
    tool verify --manifest "$out/.dsboot-manifest.json" --dir "$out" >"$DSBOOT_RUN/converted-todo" || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 3 ] || fail "verifier crashed (exit $rc)"
    mapfile -d '' -t todo <"$DSBOOT_RUN/converted-todo"
    [ "$round" -le "$DSBOOT_FETCH_ROUNDS" ] || fail "${#todo[@]} converted file(s) still missing or corrupt after $DSBOOT_FETCH_ROUNDS rounds, e.g. ${todo[0]}"
    status running "" "fetchRound=$round" "filesToFetch=${#todo[@]}"
    for p in "${todo[@]}"; do
      mkdir -p "$(dirname "$out/$p")"
      AWS_CONFIG_FILE="$s3_config" store_get "$DSBOOT_CONVERTED_STORE/$p" "$out/$p" || log "transfer of $p failed"
    done
  done
  tool mark --manifest "$out/.dsboot-manifest.json" --dir "$out"
  log "BF16 weights fetched from rank 0's conversion"
  status running "" "conversion=fetched"
}

if [ "${1:-}" = --one ]; then
  fetch_one "$2"
  exit 0
fi

status running
write_s3_config
if [ "$DSBOOT_CONVERT" = 1 ] && [ -n "$DSBOOT_CONVERTED_STORE" ] && ! is_rank0; then
  fetch_converted # the FP8 checkpoint is not needed here: rank 0 converted it once
  status complete
  exit 0
fi
mkdir -p "$dir"
parallel=$(node_parallelism)
# A persistent disk may hold another revision's weights: a manifest for a different revision is
# replaced, and the files are verified against the new one (unchanged files by their cached hash).
had=$(tool manifest-field --manifest "$manifest" revision 2>/dev/null || true)
if [ -s "$manifest" ] && [ "$had" != "$DSBOOT_MODEL_REVISION" ]; then
  log "model revision changed (${had:-unrecorded} -> $DSBOOT_MODEL_REVISION); re-verifying against the new manifest"
  rm -f "$manifest" "$dir/.dsboot-verified"
fi
if tool is-marked --manifest "$manifest" --dir "$dir" --revision "$DSBOOT_MODEL_REVISION"; then
  log "weights verified on an earlier boot"
else
  prepare_hf_header
  [ -s "$manifest" ] || fetch_manifest
  if [ "$DSBOOT_STAGE" = fetch-config ]; then
    fetch_verified --config-files
    log "file list and small files verified"
    status complete
    exit 0
  fi
  fetch_verified
  tool mark --manifest "$manifest" --dir "$dir"
  log "every file verified against the manifest"
  seed_mirror
fi
if [ "$DSBOOT_STAGE" = fetch-weights ] && [ "$DSBOOT_CONVERT" = 1 ]; then convert_to_bf16; fi
status complete
