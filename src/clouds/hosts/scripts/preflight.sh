#!/bin/bash
# Preflight of one existing host, run over SSH before anything on any host changes. Read-only: it
# creates, writes and starts nothing. Every problem is one line on stderr; any problem fails the run,
# so `pulumi up` stops before the install step of every host.
#
# Runs as `bash -s -- KEY=VALUE...` with this file on stdin (clouds/hosts/commands.ts builds the
# arguments from the plan). Keys:
#   host      the name the refusals start with (the rank and its address)
#   vendor    nvidia | amd
#   gpu       the catalog's GPU id (H20, A800, MI300X, ...), matched as a word of the product name
#   count     GPUs the plan puts on this host
#   memmib    least memory per GPU, MiB (tells A100 40 GB from 80 GB)
#   driver    least NVIDIA driver the image's CUDA needs, e.g. 580 (empty: not checked)
#   gfx       the AMD architecture the image is built for (gfx942: the -mi30x images)
#   need      bytes the data root must hold (weights, converted copy, caches)
#   dataroot  where the pipeline keeps weights and caches
#   address   the address the other ranks and clients use for this host
#   iface     the interface that must hold it (hosts.interface; empty: any)
#   rdma      1: the plan spans several hosts and needs an ACTIVE RDMA port
#   gid       RoCE GID index NCCL will use (empty: not RoCE)
set -uo pipefail
export LC_ALL=C

declare -A want=([host]=host [vendor]=nvidia [gpu]="" [count]=0 [memmib]=0 [driver]="" [gfx]="" [need]=0
  [dataroot]=/mnt/deepseek [address]="" [iface]="" [rdma]=0 [gid]="")
for kv in "$@"; do want[${kv%%=*}]=${kv#*=}; done

problems=()
facts=()
refuse() { problems+=("$*"); }
fact() { facts+=("$*"); }
have() { command -v "$1" >/dev/null 2>&1; }
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }
gb() { awk -v b="$1" 'BEGIN { printf "%.0f GB", b / 1e9 }'; }

# A "word" of a product name: H20 matches "NVIDIA H20" and "H20-3e" but not "H200".
names_gpu() { grep -Eq "(^|[^A-Za-z0-9])$2([^A-Za-z0-9]|$)" <<<"$1"; }

# "550.54.15" >= "550.54.14"
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

check_tools() {
  local t
  # The pipeline itself needs these on the host (units, status records, helper, downloads).
  for t in systemctl python3 curl flock ip awk sha256sum; do
    have "$t" || refuse "$t is not installed; the boot pipeline needs it on the host"
  done
}

check_nvidia_gpus() {
  local rows n=0 matching=0 small=0 name mem drv names="" lowest=""
  if ! have nvidia-smi; then
    refuse "GPU: nvidia-smi is not installed (no NVIDIA driver); the plan needs ${want[count]} x ${want[gpu]}"
    return
  fi
  if ! rows=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits 2>&1); then
    refuse "GPU: nvidia-smi fails: $(head -n 1 <<<"$rows")"
    return
  fi
  while IFS=, read -r name mem drv; do
    name=$(trim "$name") mem=$(trim "$mem") drv=$(trim "$drv")
    [ -n "$name" ] || continue
    n=$((n + 1))
    case " $names " in *" [$name] "*) ;; *) names+=" [$name]" ;; esac
    if names_gpu "$name" "${want[gpu]}"; then
      matching=$((matching + 1))
      [ "${mem%%.*}" -ge "${want[memmib]}" ] 2>/dev/null || small=$((small + 1))
    fi
    if [ -z "$lowest" ] || ! version_at_least "$drv" "$lowest"; then lowest=$drv; fi
  done <<<"$rows"
  fact "gpus=$n x${names}"
  fact "driver=$lowest"
  if [ "$matching" -ne "$n" ] || [ "$n" -lt "${want[count]}" ]; then
    refuse "GPU: found $n GPU(s):${names:- none}; the plan needs ${want[count]} x ${want[gpu]}"
  elif [ "$small" -gt 0 ]; then
    refuse "GPU: $small of the ${want[gpu]} GPUs have less than ${want[memmib]} MiB; the plan sizes the model for the ${want[memmib]} MiB variant"
  fi
  if [ -n "${want[driver]}" ] && [ -n "$lowest" ] && ! version_at_least "$lowest" "${want[driver]}"; then
    refuse "GPU driver: $lowest is older than ${want[driver]}, the least the image's CUDA runs on; upgrade the NVIDIA driver"
  fi
}

check_amd_gpus() {
  local out names n matching gfx name
  if have amd-smi; then
    out=$(amd-smi static --asic 2>&1) || { refuse "GPU: amd-smi fails: $(head -n 1 <<<"$out")"; return; }
    # Some amd-smi builds print the keys title-cased ("Market Name:"); OAM names hold ": " themselves.
    names=$(sed -n -E 's/^[[:space:]]*(MARKET_NAME|Market Name):[[:space:]]*//p' <<<"$out")
    gfx=$(sed -n -E 's/^[[:space:]]*(TARGET_GRAPHICS_VERSION|Target Graphics Version):[[:space:]]*//p' <<<"$out" | sort -u | xargs)
  elif have rocm-smi; then
    out=$(rocm-smi --showproductname 2>&1) || { refuse "GPU: rocm-smi fails: $(head -n 1 <<<"$out")"; return; }
    names=$(sed -n 's/^GPU\[[0-9]*\][[:space:]]*:[[:space:]]*Card [Ss]eries:[[:space:]]*//p' <<<"$out")
    gfx=$(sed -n 's/^GPU\[[0-9]*\][[:space:]]*:[[:space:]]*GFX Version:[[:space:]]*//p' <<<"$out" | sort -u | xargs)
  else
    refuse "GPU: neither amd-smi nor rocm-smi is installed (no ROCm); the plan needs ${want[count]} x ${want[gpu]}"
    return
  fi
  n=$(grep -c . <<<"$names" || true)
  matching=0
  while IFS= read -r name; do
    [ -n "$name" ] && names_gpu "$name" "${want[gpu]}" && matching=$((matching + 1))
  done <<<"$names"
  fact "gpus=$n x [$(sort -u <<<"$names" | paste -sd '|' -)]"
  if [ "$matching" -ne "$n" ] || [ "$n" -lt "${want[count]}" ]; then
    refuse "GPU: found $n GPU(s): [$(sort -u <<<"$names" | paste -sd '|' -)]; the plan needs ${want[count]} x ${want[gpu]}"
  fi
  if [ -n "${want[gfx]}" ] && [ -n "$gfx" ] && [ "$gfx" != "${want[gfx]}" ]; then
    refuse "GPU: the GPUs are $gfx; the image is built for ${want[gfx]}"
  fi
  [ -d /sys/module/amdgpu ] || refuse "GPU driver: the amdgpu kernel module is not loaded"
  [ -r /sys/module/amdgpu/version ] && fact "amdgpu=$(cat /sys/module/amdgpu/version)"
}

check_container_runtime() {
  local info
  if ! have docker; then
    refuse "docker is not installed; the server runs in SGLang's image"
    return
  fi
  if ! info=$(docker info --format '{{json .Runtimes}}' 2>&1); then
    refuse "docker: the daemon does not answer ($(head -n 1 <<<"$info")); start it (systemctl start docker)"
    return
  fi
  fact "docker=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  if [ "${want[vendor]}" = nvidia ]; then
    # `docker run --gpus` goes through the NVIDIA Container Toolkit's hook or runtime.
    if ! grep -q '"nvidia"' <<<"$info" && ! have nvidia-container-cli && ! have nvidia-ctk; then
      refuse "docker: the NVIDIA Container Toolkit is not installed (docker run --gpus all needs it)"
    fi
  else
    # ROCm containers get the GPUs through these device nodes and the video group.
    [ -c /dev/kfd ] || refuse "ROCm: /dev/kfd is missing (amdgpu driver not loaded, or no ROCm-capable GPU)"
    compgen -G '/dev/dri/renderD*' >/dev/null || refuse "ROCm: no /dev/dri/renderD* render nodes"
    getent group video >/dev/null || refuse "ROCm: the host has no 'video' group for --group-add video"
  fi
}

# The nearest existing directory at or above $1 (the data root may not exist before the first boot).
existing_dir() {
  local d=$1
  while [ ! -d "$d" ]; do d=$(dirname "$d"); done
  printf '%s' "$d"
}

check_disk() {
  local root=${want[dataroot]} at free ours=0
  at=$(existing_dir "$root")
  free=$(df -B1 --output=avail "$at" | tail -n 1 | tr -d ' ')
  # Weights a previous run already placed there count as room (a rerun does not download again).
  [ -d "$root" ] && ours=$(du -sb "$root" 2>/dev/null | cut -f1)
  fact "disk=$(gb "$free") free at $at"
  if [ $((free + ours)) -lt "${want[need]}" ]; then
    refuse "disk: $at has $(gb "$free") free$([ "$ours" -gt 0 ] && printf ' (+%s already in %s)' "$(gb "$ours")" "$root"); the weights and caches in $root need $(gb "${want[need]}")"
  fi
}

check_rdma() {
  local port dev p layer state active=0 roce=0 layers=()
  for port in /sys/class/infiniband/*/ports/*; do
    [ -d "$port" ] || continue
    dev=$(basename "$(dirname "$(dirname "$port")")") p=$(basename "$port")
    layer=$(cat "$port/link_layer" 2>/dev/null || echo unknown)
    state=$(cat "$port/state" 2>/dev/null || echo unknown)
    layers+=("$dev/$p:$layer:${state#*: }")
    case "$state" in *ACTIVE*) ;; *) continue ;; esac
    active=$((active + 1))
    if [ "$layer" = Ethernet ]; then
      # RoCE: NCCL uses the GID at the configured index; it must exist on an active port.
      if [ -n "${want[gid]}" ] && [ -s "$port/gids/${want[gid]}" ] && [ "$(tr -d ':0' <"$port/gids/${want[gid]}")" != "" ]; then roce=$((roce + 1)); fi
    fi
  done
  fact "rdma=${layers[*]:-none}"
  if [ "${want[rdma]}" = 1 ] && [ "$active" -eq 0 ]; then
    refuse "RDMA: no InfiniBand or RoCE port is ACTIVE (${layers[*]:-no devices in /sys/class/infiniband}); a multi-host group over TCP sockets is far too slow (set hosts.rdma: false to accept it)"
  fi
  if [ -n "${want[gid]}" ] && [ "$active" -gt 0 ] && [ "$roce" -eq 0 ]; then
    refuse "RDMA: no ACTIVE Ethernet (RoCE) port has a GID at index ${want[gid]} (hosts.ibGidIndex); ports: ${layers[*]}"
  fi
}

check_interface() {
  local holder all
  all=$(ip -o -4 addr show 2>/dev/null | awk '{ split($4, p, "/"); printf "%s=%s ", $2, p[1] }')
  holder=$(ip -o -4 addr show 2>/dev/null | awk -v a="${want[address]}" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')
  if [ -n "${want[iface]}" ]; then
    if ! ip link show dev "${want[iface]}" >/dev/null 2>&1; then
      refuse "network: interface ${want[iface]} (hosts.interface) does not exist; interfaces: ${all:-none}"
    elif [ "$holder" != "${want[iface]}" ]; then
      refuse "network: ${want[iface]} (hosts.interface) does not hold ${want[address]}; NCCL and Gloo would bind the wrong network (addresses: ${all:-none})"
    fi
  elif [ -z "$holder" ]; then
    refuse "network: no interface holds ${want[address]}, the address the plan gives this host (addresses: ${all:-none})"
  fi
  fact "iface=${holder:-none}"
}

check_clock() {
  local synced=""
  if have timedatectl; then synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null || true); fi
  if [ -z "$synced" ] && have chronyc; then
    chronyc -n tracking 2>/dev/null | grep -Eq '^Leap status *: *Normal' && synced=yes || synced=no
  fi
  fact "clock-synced=${synced:-unknown}"
  case "$synced" in
    yes) ;;
    "") refuse "clock: cannot tell whether the clock is synchronized (no timedatectl or chronyc)" ;;
    *) refuse "clock: the system clock is not NTP-synchronized; TLS to Hugging Face and the ranks' timeouts need it (enable systemd-timesyncd or chrony)" ;;
  esac
}

check_tools
if [ "${want[vendor]}" = amd ]; then check_amd_gpus; else check_nvidia_gpus; fi
check_container_runtime
check_disk
check_rdma
check_interface
check_clock

if [ "${#problems[@]}" -gt 0 ]; then
  for p in "${problems[@]}"; do printf '%s: %s\n' "${want[host]}" "$p" >&2; done
  exit 1
fi
printf '%s: preflight ok: %s\n' "${want[host]}" "${facts[*]}"
