#!/bin/bash
# Sourced by every stage: paths, logging, the status record, secrets and object-store copies.
# Every absolute path goes through DSBOOT_ROOT (empty on a node) so tests run the real scripts in a temp root.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env, checked below

set -Eeuo pipefail
umask 022
: "${DSBOOT_ROOT:=}"
: "${DSBOOT_STAGE:=boot}"
DSBOOT_ETC="$DSBOOT_ROOT/etc/dsboot"
DSBOOT_BIN="$DSBOOT_ROOT/opt/dsboot/bin"
DSBOOT_STATE="$DSBOOT_ROOT/var/lib/dsboot"
DSBOOT_RUN="$DSBOOT_ROOT/run/dsboot"
DSBOOT_SECRETS="$DSBOOT_RUN/secrets"
DSBOOT_NODE="$DSBOOT_ETC/node.json"
# shellcheck source=/dev/null
. "$DSBOOT_ETC/boot.env"
for _v in DSBOOT_RANK DSBOOT_NNODES DSBOOT_ADDRESS DSBOOT_CLOUD DSBOOT_STATUS_PREFIX DSBOOT_DATA_ROOT DSBOOT_IMAGE; do
  [ -n "${!_v:-}" ] || { echo "boot.env lacks $_v" >&2; exit 1; }
done
if [ ! -d "$DSBOOT_STATE" ] || [ ! -d "$DSBOOT_RUN" ]; then mkdir -p "$DSBOOT_STATE" "$DSBOOT_RUN"; fi

host_path() { printf '%s%s' "$DSBOOT_ROOT" "$1"; }
# The time from bash's own printf: a stage logs often, and a `date` process per line adds up.
log() { TZ=UTC0 printf '%(%FT%TZ)T %s: %s\n' -1 "$DSBOOT_STAGE" "$*" >&2; }
# dsboot-tool.py may come from the object store (ensure_tool); while it is being fetched, a failure
# there cannot be recorded with it, so tool fails at once instead of fetching again.
tool() {
  if [ ! -e "$DSBOOT_BIN/dsboot-tool.py" ]; then
    [ -z "${_dsboot_tool_fetch:-}" ] || return 1
    _dsboot_tool_fetch=1
    ensure_tool dsboot-tool.py
    _dsboot_tool_fetch=
  fi
  # Isolated (-I: no PYTHON* variables, no user site) and without site-packages (-S): the tool is
  # stdlib only, runs as root, and starts hundreds of times a boot.
  python3 -I -S "$DSBOOT_BIN/dsboot-tool.py" "$@"
}
is_rank0() { [ "$DSBOOT_RANK" = 0 ]; }
multi_node() { [ "$DSBOOT_NNODES" -gt 1 ]; }
# Rank 0's server epoch from its beacon; fails until rank 0 has started a server.
leader_epoch() { curl -sf --max-time 3 "http://$DSBOOT_RANK0_ADDRESS:$DSBOOT_BEACON_PORT/epoch"; }
# Any HTTP answer from rank 0's beacon (404 before its first server start) proves it is reachable.
rank0_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$DSBOOT_RANK0_ADDRESS:$DSBOOT_BEACON_PORT/epoch" || true)" != 000 ]; }

# wait_for_rank0 WHY: a worker waits a bounded time for rank 0 (booting later is normal), then fails
# naming rank 0 and its address rather than hanging in a rendezvous that cannot form.
wait_for_rank0() {
  local deadline=$((SECONDS + DSBOOT_RANK0_WAIT)) delay=1
  until rank0_answers; do
    [ "$SECONDS" -lt "$deadline" ] ||
      fail "rank 0 at $DSBOOT_RANK0_ADDRESS is unreachable (no answer on port $DSBOOT_BEACON_PORT for ${DSBOOT_RANK0_WAIT}s); $1 needs it"
    sleep "$delay"
    delay=$((delay < 8 ? delay * 2 : 8))
  done
}

# backoff_delay ROUND: seconds to wait before retry ROUND (2, 3, ...): doubling from
# DSBOOT_RETRY_BASE, capped at DSBOOT_RETRY_MAX (fractions allowed).
backoff_delay() {
  awk -v r="$1" -v b="$DSBOOT_RETRY_BASE" -v m="$DSBOOT_RETRY_MAX" 'BEGIN { d = b * 2 ^ (r - 2); printf "%g", (d > m ? m : d) }'
}

# node_parallelism: concurrent transfers sized to the node: enough streams to fill the link (one
# object-store or CDN stream carries roughly DSBOOT_STREAM_MBPS), at least 2 per vCPU's worth of
# hashing, within [4, 64]. DSBOOT_FETCH_PARALLEL set to a number overrides it.
node_parallelism() {
  if [ "$DSBOOT_FETCH_PARALLEL" != auto ]; then printf '%s' "$DSBOOT_FETCH_PARALLEL"; return; fi
  local cpus mbits=0 iface speed
  cpus=$(nproc)
  iface=$(socket_iface)
  for speed in "$(host_path "/sys/class/net/${iface:-none}/speed")" "$(host_path /sys/class/net/eth0/speed)"; do
    [ -r "$speed" ] && mbits=$(cat "$speed" 2>/dev/null || echo 0) && [ "${mbits:-0}" -gt 0 ] 2>/dev/null && break
    mbits=0
  done
  awk -v c="$cpus" -v l="$mbits" -v s="$DSBOOT_STREAM_MBPS" 'BEGIN {
    n = (l > 0) ? int(l / 8 / s + 0.999) : 2 * c
    if (n > 8 * c) n = 8 * c
    if (n < 4) n = 4
    if (n > 64) n = 64
    print n }'
}

# ---- status: one JSON record per node, published through the cloud's hook -------------------------
# status STATE [ERROR] [KEY=VALUE...]: record this stage's state, then publish (best effort).
# Stages update and publish concurrently (server supervisor and readiness): one at a time, so the
# published copy is never older than the local one. The work runs in a subshell with the ERR trap
# off: a failure in here returns to the caller as a warning and can never re-enter status (through
# fail) to wait on the lock this call holds; the lock wait itself is bounded too.
status() {
  local state=$1 error=${2:-} extra=()
  shift $(($# < 2 ? $# : 2))
  for kv in "$@"; do extra+=(--set "$kv"); done
  [ -z "${DSBOOT_LOG_TAIL:-}" ] || extra+=(--log-tail "$DSBOOT_LOG_TAIL")
  (
    trap - ERR
    set +e
    exec 9>>"$DSBOOT_STATE/status.lock" || exit 1
    flock -w "${DSBOOT_STATUS_LOCK_WAIT:-60}" 9 || { log "warning: status lock busy for ${DSBOOT_STATUS_LOCK_WAIT:-60}s"; exit 1; }
    tool status --file "$DSBOOT_STATE/status.json" --rank "$DSBOOT_RANK" --address "$DSBOOT_ADDRESS" \
      --stage "$DSBOOT_STAGE" --state "$state" --error "$error" "${extra[@]}" || exit 1
    store_put "$DSBOOT_STATE/status.json" "$DSBOOT_STATUS_PREFIX/rank-$DSBOOT_RANK.json" ||
      log "warning: could not publish status to $DSBOOT_STATUS_PREFIX"
  ) || log "warning: could not record status '$state'${error:+ ($error)} in $DSBOOT_STATE/status.json"
}
# The stage's last journal lines, so a failure is readable from the status record alone
# (npm run status, the readiness gate); dsboot-tool redacts keys and tokens in them.
stage_log_tail() { journalctl --no-pager -o cat -n 40 -u "dsboot-$DSBOOT_STAGE.service" 2>/dev/null || true; }
fail() {
  trap - ERR
  log "FAILED: $*"
  DSBOOT_LOG_TAIL=$(stage_log_tail) status failed "$*"
  exit 1
}
on_err() { fail "line $1: '$2' exited $3"; }
trap 'on_err "$LINENO" "$BASH_COMMAND" "$?"' ERR

# ---- cloud credentials from the instance identity (never from user data) -----------------------
# auth_header_file RESOURCE: write an "Authorization: Bearer" header file for curl -H @file, so the
# token never appears in a process's argv.
auth_header_file() {
  local out="$DSBOOT_SECRETS/auth-$1.hdr" token
  install -d -m 700 "$DSBOOT_SECRETS"
  case "$DSBOOT_CLOUD" in
    gcp) token=$(curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' \
      "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token" | tool field access_token) ;;
    azure) token=$(curl -sSf --max-time 10 -H 'Metadata: true' \
      "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://$1/" | tool field access_token) ;;
    *) return 1 ;;
  esac
  (umask 077 && printf 'Authorization: Bearer %s\n' "$token" >"$out")
  printf '%s' "$out"
}

# read_secret REF NAME: secret store -> root-only file under /run; prints the file's path.
read_secret() {
  local ref=$1 out="$DSBOOT_SECRETS/$2" hdr
  install -d -m 700 "$DSBOOT_SECRETS"
  (
    umask 077
    case "$DSBOOT_CLOUD" in
      aws) aws secretsmanager get-secret-value --region "$DSBOOT_REGION" --secret-id "$ref" \
        --query SecretString --output text >"$out.tmp" ;;
      gcp) hdr=$(auth_header_file cloud-platform)
        curl -sSf --max-time 30 -H "@$hdr" "https://secretmanager.googleapis.com/v1/$ref/versions/latest:access" |
          tool field payload.data --base64 >"$out.tmp" ;;
      azure) hdr=$(auth_header_file vault.azure.net)
        curl -sSf --max-time 30 -H "@$hdr" "$ref?api-version=7.4" | tool field value >"$out.tmp" ;;
      hosts) cat "$(host_path "$ref")" >"$out.tmp" ;;
    esac
    # The CLIs end the value with a newline; the key itself never has one.
    printf '%s' "$(cat "$out.tmp")" >"$out" && rm -f "$out.tmp"
  ) || { rm -f "$out.tmp"; return 1; }
  [ -s "$out" ] || return 1
  printf '%s' "$out"
}

# ---- object store: status records and caches ----------------------------------------------------
blob_curl() { # METHOD URL [curl args...]: Azure blob REST with the managed identity's token
  local method=$1 url=$2 hdr
  shift 2
  hdr=$(auth_header_file storage.azure.com)
  curl -sSf --max-time 600 -X "$method" -H "@$hdr" -H 'x-ms-version: 2021-08-06' "$@" "$url"
}
store_put() { # LOCAL_FILE URL
  case "$DSBOOT_CLOUD" in
    aws) aws s3 cp --only-show-errors --region "$DSBOOT_REGION" "$1" "$2" ;;
    gcp) gcloud storage cp --quiet "$1" "$2" ;;
    azure) blob_curl PUT "$2" -H 'x-ms-blob-type: BlockBlob' --data-binary "@$1" -o /dev/null ;;
    hosts) local dst="$DSBOOT_ROOT$2" && { [ -d "${dst%/*}" ] || mkdir -p "${dst%/*}"; } && cp "$1" "$dst.tmp" && mv "$dst.tmp" "$dst" ;;
  esac
}
store_get() { # URL LOCAL_FILE: non-zero when absent
  case "$DSBOOT_CLOUD" in
    aws) aws s3 cp --only-show-errors --region "$DSBOOT_REGION" "$1" "$2" ;;
    gcp) gcloud storage cp --quiet "$1" "$2" ;;
    azure) blob_curl GET "$1" -o "$2" ;;
    hosts) cp "$(host_path "$1")" "$2" ;;
  esac
}

# ensure_tool NAME: makes $DSBOOT_BIN/NAME exist: a Python tool fetched from the cloud's object store when the user data
# could not carry it (DSBOOT_TOOLS_PREFIX), and run only if it matches the sha256 boot.env pins.
ensure_tool() {
  local name=$1 sum tmp="$DSBOOT_BIN/$1.tmp.$$"
  [ -e "$DSBOOT_BIN/$name" ] || {
    [ -n "${DSBOOT_TOOLS_PREFIX:-}" ] || fail "$name is neither in $DSBOOT_BIN nor in an object store"
    sum=$(tr ';' '\n' <<<"$DSBOOT_TOOLS_SHA256" | awk -v n="$name" '$2 == n { print $1 }')
    store_get "$DSBOOT_TOOLS_PREFIX/$sum/$name" "$tmp" || { rm -f "$tmp"; fail "could not fetch $name from $DSBOOT_TOOLS_PREFIX"; }
    printf '%s  %s\n' "$sum" "$tmp" | sha256sum --quiet -c - || { rm -f "$tmp"; fail "$name from $DSBOOT_TOOLS_PREFIX does not match its pinned sha256"; }
    chmod 0755 "$tmp" && mv "$tmp" "$DSBOOT_BIN/$name"
  }
}

# ---- the serving image ----------------------------------------------------------------------------
# ensure_image: the image of boot.env on local disk, pulled only when missing (a restart or reboot
# finds it and pulls nothing; a changed reference is missing, so it is pulled). One pull at a time
# on the node (the pull stage and a conversion may both ask); attempts are bounded, each in time.
ensure_image() {
  local i lk
  exec {lk}>>"$DSBOOT_STATE/image.lock"
  flock "$lk"
  if docker image inspect "$DSBOOT_IMAGE" >/dev/null 2>&1; then
    log "image $DSBOOT_IMAGE already present; not pulling"
    exec {lk}>&-
    return 0
  fi
  for ((i = 1; ; i++)); do
    log "pulling $DSBOOT_IMAGE (attempt $i)"
    timeout "$DSBOOT_PULL_TIMEOUT" docker pull -q "$DSBOOT_IMAGE" >/dev/null && break
    [ "$i" -lt "$DSBOOT_PULL_ATTEMPTS" ] || fail "could not pull $DSBOOT_IMAGE after $i attempts"
    sleep "$(backoff_delay "$((i + 1))")"
  done
  exec {lk}>&-
}

# ---- docker arguments shared by the server, the precompile run and the conversion ----------------
# Fills the array named by $1 with device, network and volume options.
docker_base_args() {
  local -n out=$1
  out=(--network host --ipc host --privileged --shm-size "$DSBOOT_SHM_SIZE"
    --ulimit memlock=-1 --ulimit stack=67108864)
  if [ "$DSBOOT_GPU_VENDOR" = amd ]; then
    out+=(--device /dev/kfd --device /dev/dri --group-add video) # ROCm devices (sglang-facts §1.6)
  else
    out+=(--gpus all)
  fi
  local host container
  while IFS= read -r -d '' host && IFS= read -r -d '' container; do
    case "$host" in
      "$DSBOOT_DATA_ROOT"/* | /run/dsboot/*) mkdir -p "$(host_path "$host")" ;;
      # Fabric libraries (e.g. /var/lib/gib) exist only on images that ship them.
      *) [ -e "$(host_path "$host")" ] || { log "note: $host is absent here; not mounted"; continue; } ;;
    esac
    out+=(-v "$(host_path "$host"):$container")
  done < <(tool mounts --node "$DSBOOT_NODE")
}

# The interface that holds this node's plan address: NCCL and Gloo must use it, and Gloo takes one
# concrete name, not NCCL's exclusion syntax (sglang-facts §7.2 items 4-5).
socket_iface() {
  ip -o -4 addr show | awk -v a="$DSBOOT_ADDRESS" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'
}

# The host's NCCL net plugin (the plan lists where the fabric's install may put it, e.g. the DLAMI's
# aws-ofi-nccl): the first that exists, named by path so NCCL loads exactly that file. None at all
# on a fabric that needs one is a failure now, not a silent socket fallback later.
net_plugin() {
  local p
  for p in $DSBOOT_NCCL_NET_PLUGIN; do
    [ -e "$(host_path "$p")" ] && { printf '%s' "$p"; return 0; }
  done
  fail "no NCCL net plugin for the $DSBOOT_FABRIC fabric on this host (looked for: $DSBOOT_NCCL_NET_PLUGIN)"
}

# container_env_file OUT: the plan's env; the detected socket interface only where the plan is silent.
container_env_file() {
  local iface defaults=()
  local plugin
  if [ -n "${DSBOOT_NCCL_NET_PLUGIN:-}" ]; then
    plugin=$(net_plugin) || exit 1 # net_plugin has recorded the failure
    defaults+=(--default "NCCL_NET_PLUGIN=$plugin")
  fi
  iface=$(socket_iface)
  if [ -n "$iface" ]; then
    defaults+=(--default "NCCL_SOCKET_IFNAME=$iface" --default "GLOO_SOCKET_IFNAME=$iface")
  elif multi_node; then
    fail "no interface holds $DSBOOT_ADDRESS, the address the other ranks use to reach this node"
  fi
  tool env-file --node "$DSBOOT_NODE" --default "SGLANG_HOST_IP=$DSBOOT_ADDRESS" "${defaults[@]}" >"$1"
}

# ---- keyed caches (DeepGEMM kernels, torch.compile) ---------------------------------------------
# A marker file named after the key says "this directory holds the cache for KEY".
cache_marker() { printf '%s/.dsboot-cache-%s' "$1" "$2"; }

# restore_cache KIND KEY DIR: 0 when DIR holds KEY's cache (already, or fetched from the store now).
restore_cache() {
  local kind=$1 key=$2 dir=$3 tgz="$DSBOOT_RUN/$1.tar.gz"
  mkdir -p "$dir"
  if [ -f "$(cache_marker "$dir" "$key")" ]; then log "$kind cache $key already here"; return 0; fi
  [ -n "$DSBOOT_CACHE_PREFIX" ] || return 1
  if ! store_get "$DSBOOT_CACHE_PREFIX/$kind/$key.tar.gz" "$tgz" 2>/dev/null; then
    log "$kind cache $key is not in $DSBOOT_CACHE_PREFIX"
    return 1
  fi
  tar -xzf "$tgz" -C "$dir" || { log "$kind cache archive unreadable; rebuilding"; rm -f "$tgz"; return 1; }
  rm -f "$tgz"
  touch "$(cache_marker "$dir" "$key")"
  log "$kind cache $key restored from the store"
}

# save_cache KIND KEY DIR: mark DIR as KEY's cache; rank 0 alone uploads it (one writer per key).
save_cache() {
  local kind=$1 key=$2 dir=$3 tgz="$DSBOOT_RUN/$1.tar.gz"
  touch "$(cache_marker "$dir" "$key")"
  is_rank0 && [ -n "$DSBOOT_CACHE_PREFIX" ] || return 0
  if tar -czf "$tgz" -C "$dir" --exclude='.dsboot-cache-*' . && store_put "$tgz" "$DSBOOT_CACHE_PREFIX/$kind/$key.tar.gz"; then
    log "$kind cache $key saved to $DSBOOT_CACHE_PREFIX"
  else
    log "warning: could not save the $kind cache"
  fi
  rm -f "$tgz"
}
