#!/bin/bash
# Install, update and remove the boot pipeline on one existing host, over SSH.
#
# Runs as `bash -s -- install|destroy KEY=VALUE...` with this file on stdin, followed by a generated
# tail (clouds/hosts/commands.ts) that defines dsboot_bundle: the exact files src/boot renders for this
# rank (scripts, units, boot.env, node.json) and the secrets, each as `file|secret MODE PATH`, one
# line of base64, then `end`. Secrets travel only on stdin, never in argv, env or logs.
#
# install: writes what changed, removes what the plan no longer has, enables the units, and starts the
#   pipeline (first install) or restarts it once (anything changed). Nothing changed: touches nothing.
# destroy: stops and disables the units, removes every file install wrote, the secrets, the pipeline's
#   state and status records; the weights stay unless remove-weights=1.
# Keys: target (dsboot.target), units (space-separated stage units), state (this script's records),
#   status (the pipeline's status directory), dataroot (weights and caches), remove-weights (0|1).
set -Eeuo pipefail
umask 077
export LC_ALL=C

op=${1:?usage: host.sh install|destroy KEY=VALUE...}
shift
declare -A arg=([target]=dsboot.target [units]="" [state]=/var/lib/deepseek-sglang/install
  [status]=/var/lib/deepseek-sglang/status [dataroot]=/mnt/deepseek [remove-weights]=0)
for kv in "$@"; do arg[${kv%%=*}]=${kv#*=}; done
state=${arg[state]}
read -r -a units <<<"${arg[units]}"
# What the pipeline writes at run time besides the installed files (src/boot/scripts/lib.sh paths).
RUNTIME_DIRS=(/var/lib/dsboot /run/dsboot)
CONTAINERS=(dsboot-sglang dsboot-precompile dsboot-convert)

log() { printf '%s\n' "$*"; }

STAGING=""
cleanup() { [ -z "$STAGING" ] || rm -rf "$STAGING" "$STAGING.manifest"; }
trap cleanup EXIT

# mkdir -p that records each directory it creates, so destroy removes exactly those and no more.
make_dir() { # MODE DIR
  local mode=$1 dir=$2 missing=()
  while [ ! -d "$dir" ]; do missing=("$dir" "${missing[@]}"); dir=${dir%/*}; dir=${dir:-/}; done
  [ "${#missing[@]}" -gt 0 ] || return 0
  install -d -m "$mode" -o root -g root "${missing[@]}"
  install -d -m 0700 "$state"
  printf '%s\n' "${missing[@]}" >>"$state/dirs"
}

# Bundle -> staging directory; prints "KIND MODE PATH" per entry, in bundle order.
unpack() {
  local staging=$1 kind mode path data marker
  dsboot_bundle | while read -r kind mode path; do
    [ "$kind" = file ] || [ "$kind" = secret ] || { echo "bundle: bad entry '$kind'" >&2; exit 1; }
    if ! IFS= read -r data || ! IFS= read -r marker || [ "$marker" != end ]; then
      echo "bundle: entry $path is cut short" >&2
      exit 1
    fi
    [ -d "$staging${path%/*}" ] || mkdir -p "$staging${path%/*}"
    printf '%s' "$data" | base64 -d >"$staging$path"
    printf '%s %s %s\n' "$kind" "$mode" "$path"
  done
}

# One digest over every entry's kind, mode, path and bytes ("KIND MODE PATH SHA256" lines): equal
# digests mean nothing to do. One sha256sum for all the files, not a process or two per file.
digest() {
  local staging=$1 manifest=$2 kind mode path files=()
  while read -r kind mode path; do files+=("$staging$path"); done <"$manifest"
  paste -d' ' "$manifest" <(sha256sum -- "${files[@]}" | cut -d' ' -f1) | sha256sum | cut -d' ' -f1
}

# Every installed file still holds what the record says (nobody edited or removed one by hand).
intact() {
  local staging=$1 manifest=$2 kind mode path
  while read -r kind mode path; do
    cmp -s "$staging$path" "$path" || return 1
  done <"$manifest"
}

place() {
  local staging=$1 manifest=$2 kind mode path dir
  while read -r kind mode path; do
    dir=${path%/*}
    # Secrets: a root-only directory and file; the pipeline reads them as root.
    if [ "$kind" = secret ]; then make_dir 0700 "${dir:-/}"; else make_dir 0755 "${dir:-/}"; fi
    install -m "$mode" -o root -g root "$staging$path" "$path.dsboot-new"
    mv -f "$path.dsboot-new" "$path"
  done <"$manifest"
}

# Files an earlier install wrote that this plan no longer has (e.g. the beacon after a 2 -> 1 resize).
remove_stale() {
  local old=$1 new=$2 kind mode path
  [ -f "$old" ] || return 0
  while read -r kind mode path; do
    grep -q " $path\$" "$new" || { rm -f "$path"; log "removed $path (no longer in the plan)"; }
  done <"$old"
}

installed_units() {
  local kind mode path
  [ -f "$state/manifest" ] || return 0
  while read -r kind mode path; do
    case "$path" in /etc/systemd/system/*.service | /etc/systemd/system/*.target) printf '%s\n' "${path##*/}" ;; esac
  done <"$state/manifest"
}

do_install() {
  local first=1 new
  make_dir 0700 "$state"
  STAGING=$(mktemp -d "$state/staging.XXXXXX")
  unpack "$STAGING" >"$STAGING.manifest"
  [ -s "$STAGING.manifest" ] || { echo "bundle: empty" >&2; exit 1; }
  new=$(digest "$STAGING" "$STAGING.manifest")
  if [ -f "$state/digest" ]; then
    first=0
    if [ "$(cat "$state/digest")" = "$new" ] && intact "$STAGING" "$STAGING.manifest"; then
      log "unchanged: ${#units[@]} units, $(wc -l <"$state/manifest") files as installed; nothing restarted"
      return 0
    fi
  fi
  place "$STAGING" "$STAGING.manifest"
  remove_stale "$state/manifest" "$STAGING.manifest"
  mv -f "$STAGING.manifest" "$state/manifest"
  systemctl daemon-reload
  systemctl enable --quiet "${arg[target]}" "${units[@]}"
  if [ "$first" = 1 ]; then
    # The pipeline takes hours (weights, kernels): start it without waiting, like cloud-init's runcmd.
    systemctl start --no-block "${arg[target]}"
    log "installed $(wc -l <"$state/manifest") files; started ${arg[target]}"
  else
    # The stage units are PartOf the target: one restart of the target restarts each of them once.
    systemctl restart --no-block "${arg[target]}"
    log "updated $(wc -l <"$state/manifest") files; restarted ${arg[target]} once"
  fi
  printf '%s\n' "$new" >"$state/digest"
}

do_destroy() {
  local kind mode path all=() c dirs=()
  mapfile -t all < <({ printf '%s\n' "${units[@]}"; installed_units; } | sort -u)
  systemctl stop "${arg[target]}" "${all[@]}" 2>/dev/null || true
  systemctl disable --quiet "${arg[target]}" "${all[@]}" 2>/dev/null || true
  if command -v docker >/dev/null 2>&1; then
    for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  fi
  # Remove what this plan installs and whatever an earlier install recorded.
  STAGING=$(mktemp -d)
  unpack "$STAGING" >"$STAGING.manifest"
  { cat "$STAGING.manifest"; if [ -f "$state/manifest" ]; then cat "$state/manifest"; fi; } | while read -r kind mode path; do
    rm -f "$path" "$path.dsboot-new"
  done
  systemctl daemon-reload
  systemctl reset-failed "${arg[target]}" "${all[@]}" 2>/dev/null || true
  rm -rf "${RUNTIME_DIRS[@]}" "${arg[status]}"
  # The directories install created, deepest first, where nothing else came to live in them.
  if [ -f "$state/dirs" ]; then mapfile -t dirs < <(sort -ru "$state/dirs"); fi
  rm -rf "$state"
  for c in "${dirs[@]}"; do
    [ "$c" = "$state" ] || rmdir "$c" 2>/dev/null || true
  done
  if [ "${arg[remove-weights]}" = 1 ]; then
    rm -rf "${arg[dataroot]:?}/models" "${arg[dataroot]:?}/cache"
    rmdir "${arg[dataroot]}" 2>/dev/null || true
    log "removed the pipeline, its secrets and status, and the weights in ${arg[dataroot]}"
  else
    log "removed the pipeline, its secrets and status; kept the weights in ${arg[dataroot]}"
  fi
}

main() {
  [ "$(id -u)" = 0 ] || { echo "host.sh must run as root (the SSH user needs passwordless sudo)" >&2; exit 1; }
  case "$op" in
    install) do_install ;;
    destroy) do_destroy ;;
    *) echo "unknown operation $op" >&2; exit 2 ;;
  esac
}
