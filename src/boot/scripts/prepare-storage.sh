#!/bin/bash
# Stage: one fast local volume at DSBOOT_DATA_ROOT for weights and caches.
# Blank local NVMe disks striped into RAID0, else an ephemeral volume the image already mounted
# (the AWS DLAMI mounts instance store at /opt/dlami/nvme, cloud-facts §1.4), else the root disk
# after a free-space check. Weights are re-downloadable, so ephemeral disks are fine (§1.6).
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

status running
mkdir -p "$data"
if mountpoint -q "$data"; then
  log "$DSBOOT_DATA_ROOT is already mounted (earlier boot)"
else
  # After a reboot the array still exists; after a stop/start the disks are new and blank.
  [ -e "$md" ] || mdadm --assemble --scan >/dev/null 2>&1 || true
  mapfile -t disks < <(blank_nvme_disks)
  if [ -e "$md" ]; then
    log "assembling existing array $md"
    mount -o noatime "$md" "$data"
  elif [ "${#disks[@]}" -gt 0 ]; then
    log "RAID0 over ${#disks[@]} NVMe disk(s): ${disks[*]}"
    mdadm --create "$md" --name=dsboot --level=0 --chunk=256 --raid-devices="${#disks[@]}" --force --run "${disks[@]}"
    make_filesystem "$md"
    mount -o noatime "$md" "$data"
  else
    for m in $DSBOOT_EPHEMERAL_MOUNTS; do
      if mountpoint -q "$(host_path "$m")"; then
        log "using the image's ephemeral volume $m"
        mkdir -p "$(host_path "$m")/deepseek"
        mount --bind "$(host_path "$m")/deepseek" "$data"
        break
      fi
    done
    mountpoint -q "$data" || log "no local NVMe: using the root disk"
  fi
fi
check_space
status complete
