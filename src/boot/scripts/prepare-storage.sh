#!/bin/bash
# Stage: the GPU preflight, then one fast local volume at DSBOOT_DATA_ROOT for weights and caches.
# Preflight first: a driver older than the image's CUDA (CUDA 13 needs 580) or missing GPUs is a
# failed `gpu-preflight` stage before 700 GB of weights and a 30 GB image are fetched.
# Storage: an ephemeral volume the image already built wins (the AWS DLAMI's dlami-nvme.service
# stripes every instance-store disk into one LVM volume at /opt/dlami/nvme, cloud-facts §1.4; this
# unit is ordered after it, so the two never race for the disks), else blank local NVMe disks
# striped into RAID0, else the root disk after a free-space check. Weights are re-downloadable, so
# ephemeral disks are fine (§1.6).
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=prepare-storage
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

data=$(host_path "$DSBOOT_DATA_ROOT")
md=/dev/md/dsboot

free_bytes() { df -B1 --output=avail "$1" | tail -n 1 | tr -d ' '; }
check_space() {
  local free
  free=$(free_bytes "$data")
  [ "$free" -ge "$DSBOOT_NEED_BYTES" ] || fail "$DSBOOT_DATA_ROOT has $free bytes free; weights and caches need $DSBOOT_NEED_BYTES"
  log "$DSBOOT_DATA_ROOT: $free bytes free, $DSBOOT_NEED_BYTES needed"
}

# Whole NVMe disks with nothing on them: no partition, filesystem or RAID member, not mounted,
# and not an EBS volume (Nitro shows EBS as NVMe too).
blank_nvme_disks() {
  local name type model
  while read -r name type model; do
    [ "$type" = disk ] || continue
    case "$name" in /dev/nvme*) ;; *) continue ;; esac
    case "$model" in *"Elastic Block Store"*) continue ;; esac
    [ "$(lsblk -nro NAME "$name" | wc -l)" -eq 1 ] || continue
    [ -z "$(lsblk -ndo FSTYPE,MOUNTPOINT "$name" | tr -d ' ')" ] || continue
    printf '%s\n' "$name"
  done < <(lsblk -dnpo NAME,TYPE,MODEL)
}

make_filesystem() {
  # XFS formats a 30 TB stripe in seconds; ext4 only with lazy init.
  if command -v mkfs.xfs >/dev/null; then mkfs.xfs -f -q -L dsboot "$1"; else mkfs.ext4 -q -F -L dsboot -E lazy_itable_init=1 "$1"; fi
}

# The driver and GPUs against the plan, recorded (driver, GPU count) in the status record.
gpu_preflight() {
  local DSBOOT_STAGE=gpu-preflight out rc=0 i query="$DSBOOT_RUN/nvidia-smi.csv"
  [ "$DSBOOT_GPU_VENDOR" = nvidia ] && [ -n "$DSBOOT_MIN_DRIVER" ] || return 0
  status running
  ensure_tool gpu-preflight.py
  for ((i = 1; i <= 5; i++)); do # the driver may still be loading this early in boot
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$query" 2>/dev/null && break
    sleep "$DSBOOT_POLL_SECONDS"
  done
  nvidia-smi >"$DSBOOT_RUN/nvidia-smi.txt" 2>/dev/null || true
  out=$(python3 "$DSBOOT_BIN/gpu-preflight.py" --query "$query" --smi-text "$DSBOOT_RUN/nvidia-smi.txt" \
    --min-driver "$DSBOOT_MIN_DRIVER" --gpus "$DSBOOT_GPUS_PER_NODE" \
    --gpu-name "$DSBOOT_GPU_NAME") || rc=$?
  if [ "$rc" != 0 ]; then
    fail "refusing $DSBOOT_IMAGE on this node: $(printf '%s' "$out" | tool field message)"
  fi
  status complete "" "driver=$(printf '%s' "$out" | tool field driver)" "gpus=$(printf '%s' "$out" | tool field gpus)"
}

gpu_preflight
status running
mkdir -p "$data"
if mountpoint -q "$data"; then
  log "$DSBOOT_DATA_ROOT is already mounted (earlier boot)"
else
  # After a reboot the array still exists; after a stop/start the disks are new and blank.
  [ -e "$md" ] || mdadm --assemble --scan >/dev/null 2>&1 || true
  mapfile -t disks < <(blank_nvme_disks)
  for m in $DSBOOT_EPHEMERAL_MOUNTS; do
    if mountpoint -q "$(host_path "$m")"; then
      log "using the image's ephemeral volume $m"
      mkdir -p "$(host_path "$m")/deepseek"
      mount --bind "$(host_path "$m")/deepseek" "$data"
      break
    fi
  done
  if mountpoint -q "$data"; then
    :
  elif [ -e "$md" ]; then
    log "assembling existing array $md"
    mount -o noatime "$md" "$data"
  elif [ "${#disks[@]}" -gt 0 ]; then
    log "RAID0 over ${#disks[@]} NVMe disk(s): ${disks[*]}"
    mdadm --create "$md" --name=dsboot --level=0 --chunk=256 --raid-devices="${#disks[@]}" --force --run "${disks[@]}"
    make_filesystem "$md"
    mount -o noatime "$md" "$data"
  else
    log "no local NVMe: using the root disk"
  fi
fi
check_space
status complete
