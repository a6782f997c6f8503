#!/bin/bash
# Stage: the model's files on local disk, each verified against the source's manifest (size, and
# sha256 for LFS files or the git blob id for small ones), resumable, then for BF16 rows served from
# an FP8 checkpoint converted once. Only a full verification writes the marker the server requires
# (half-downloaded weights crash SGLang mid-load, sglang-facts §7.2 item 8).
#
# Transfers: the object-store mirror with the cloud's parallel copier when the stack has one
# (s5cmd if installed, else aws s3 cp; gcloud storage; azcopy: cloud-facts §6), falling back to
# Hugging Face for any file the mirror lacks (then seeding it), else Hugging Face
# with curl: per-file byte-range resume (-C -) and DSBOOT_FETCH_PARALLEL files at once, no extra
# install on the node.
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=fetch-weights
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
  local url="$DSBOOT_HF_ENDPOINT/api/models/$DSBOOT_MODEL_REPO/revision/$DSBOOT_MODEL_REVISION?blobs=true"
  curl -sSf --retry 5 --retry-delay 5 --max-time 120 -H "@$hf_hdr" "$url" |
    tool hf-manifest --repo "$DSBOOT_MODEL_REPO" --revision "$DSBOOT_MODEL_REVISION" --out "$manifest" ||
    fail "could not read the file list of $DSBOOT_MODEL_REPO@$DSBOOT_MODEL_REVISION"
}

from_hf() { # PATH: pinned to the manifest's commit, so resumed bytes and hashes belong to one revision
  local commit
  commit=$(tool field commit <"$manifest")
  curl -fsSL --retry 3 --retry-delay 5 --connect-timeout 20 -C - -H "@$hf_hdr" \
    -o "$dir/$1" "$DSBOOT_HF_ENDPOINT/$DSBOOT_MODEL_REPO/resolve/$commit/$1"
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
    /*) cp "$(host_path "$src")" "$dir/$1.part" && mv "$dir/$1.part" "$dir/$1" ;;
    *) return 1 ;;
  esac
}

# One file, called in parallel by xargs. Failures only log: the next verification decides.
# A file the mirror lacks (a new mirror, or a partial one) comes from Hugging Face instead, and is
# remembered so rank 0 can seed the mirror once everything verifies.
fetch_one() {
  local p=$1
  trap - ERR
  mkdir -p "$(dirname "$dir/$p")"
  if [ -n "$DSBOOT_WEIGHTS_MIRROR" ]; then
    from_mirror "$p" && return 0
    log "$p is not in the mirror; fetching it from Hugging Face"
    printf '%s\n' "$p" >>"$DSBOOT_RUN/not-in-mirror"
  fi
  from_hf "$p" || log "transfer of $p failed (exit $?)"
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
    s5cmd --log error --numworkers "$((DSBOOT_FETCH_PARALLEL * 4))" run "$DSBOOT_RUN/s5cmd.txt" || log "s5cmd reported failures"
  else
    printf '%s\0' "$@" | xargs -0 -r -n 1 -P "$DSBOOT_FETCH_PARALLEL" "$0" --one || true
  fi
}

# Fetch until every file verifies, a bounded number of rounds. A corrupt file is deleted by the
# verifier and fetched again; a partial one is resumed.
fetch_verified() {
  local round rc todo_file="$DSBOOT_RUN/fetch-todo"
  for ((round = 1; ; round++)); do
    rc=0
    tool verify --manifest "$manifest" --dir "$dir" >"$todo_file" || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 3 ] || fail "verifier crashed (exit $rc)"
    mapfile -d '' -t todo <"$todo_file"
    [ "$round" -le "$DSBOOT_FETCH_ROUNDS" ] || fail "${#todo[@]} file(s) still missing or corrupt after $DSBOOT_FETCH_ROUNDS rounds, e.g. ${todo[0]}"
    log "round $round: fetching ${#todo[@]} file(s)"
    status running "" "fetchRound=$round" "filesToFetch=${#todo[@]}"
    fetch_all "$round" "${todo[@]}"
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

# FP8 -> BF16 once, with DeepSeek's own converter (pinned commit), inside the serving image because
# that has torch, triton and the GPU runtime. SGLang #3491: the result must drop quantization_config.
convert_to_bf16() {
  local out work conv f dargs=()
  out=$(host_path "$DSBOOT_CONVERTED_DIR")
  work="$out.partial"
  conv="$DSBOOT_STATE/converter"
  if tool is-marked --manifest "$out/.dsboot-manifest.json" --dir "$out" 2>/dev/null; then
    log "BF16 conversion verified on an earlier boot"
    return 0
  fi
  log "converting FP8 -> BF16 into $DSBOOT_CONVERTED_DIR"
  status running "" "conversion=running"
  rm -rf "$work" && mkdir -p "$work" "$conv"
  for f in fp8_cast_bf16.py kernel.py; do
    curl -sSf --retry 5 --max-time 120 -o "$conv/$f" "$DSBOOT_CONVERTER_URL/$f" || fail "could not fetch DeepSeek's converter $f"
  done
  # Run only the code that was reviewed: each file's sha256 is pinned in boot.env.
  (cd "$conv" && tr ';' '\n' <<<"$DSBOOT_CONVERTER_SHA256" | sha256sum --quiet -c -) || fail "DeepSeek's converter does not match its pinned sha256"
  docker_base_args dargs
  docker run --rm --name dsboot-convert "${dargs[@]}" -v "$dir:/dsboot/in:ro" -v "$work:/dsboot/out" \
    -v "$conv:/dsboot/converter:ro" -w /dsboot/converter "$DSBOOT_IMAGE" \
    python3 fp8_cast_bf16.py --input-fp8-hf-path /dsboot/in --output-bf16-hf-path /dsboot/out ||
    fail "FP8 -> BF16 conversion failed"
  while IFS= read -r -d '' f; do
    mkdir -p "$(dirname "$work/$f")" && cp "$dir/$f" "$work/$f"
  done < <(tool files --manifest "$manifest")
  tool drop-quant-config --file "$work/config.json"
  tool check-converted --dir "$work" --out "$work/.dsboot-manifest.json" || fail "BF16 conversion output did not verify"
  rm -rf "$out" && mv "$work" "$out"
  tool mark --manifest "$out/.dsboot-manifest.json" --dir "$out"
  status running "" "conversion=complete"
}

if [ "${1:-}" = --one ]; then
  fetch_one "$2"
  exit 0
fi

status running
mkdir -p "$dir"
if tool is-marked --manifest "$manifest" --dir "$dir" 2>/dev/null; then
  log "weights verified on an earlier boot"
else
  prepare_hf_header
  [[ "$DSBOOT_WEIGHTS_MIRROR" != s3://* ]] || write_s3_config
  [ -s "$manifest" ] || fetch_manifest
  fetch_verified
  tool mark --manifest "$manifest" --dir "$dir"
  log "every file verified against the manifest"
  seed_mirror
fi
if [ "$DSBOOT_CONVERT" = 1 ]; then convert_to_bf16; fi
status complete
