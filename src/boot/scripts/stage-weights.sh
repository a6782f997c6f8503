#!/bin/bash
# Staging host (a cheap CPU instance, before any GPU node exists): one model revision from Hugging
# Face into the object-store mirror, verified against the pinned manifest. fetch-weights.sh does the
# transfer and the verification (files already in the mirror come from it, so an interrupted staging
# resumes; the rest from Hugging Face, seeded into the mirror), and for a BF16 row the conversion,
# on this host's CPU, published beside. Then the manifest goes beside the files, so a node without
# internet stages from the mirror alone, and the completion record last: GPU nodes are created only
# once it exists. Skipped when the mirror is already complete. The instance then powers off, which
# terminates it (instance-initiated shutdown behaviour).
# shellcheck disable=SC2153  # DSBOOT_* settings come from boot.env (lib.sh checks them)
DSBOOT_STAGE=stage-weights
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

dir=$(host_path "$DSBOOT_WEIGHTS_DIR")
manifest="$dir/.dsboot-manifest.json"
record="$DSBOOT_RUN/mirror-complete.json"
# The record's name is a contract with the gate that holds the GPU nodes back (src/weights/staging.ts).
: "${DSBOOT_MIRROR_COMPLETE:=.dsboot-mirror-complete.json}"
complete_key="$DSBOOT_WEIGHTS_MIRROR/$DSBOOT_MIRROR_COMPLETE"

# end_host: the host's last act. On GCP a powered-off VM still bills its disk (the size of the
# weights), so the VM deletes itself through the Compute API, with the instance-level grant its
# component gives it (IAM can take minutes to apply: retried, bounded); power-off is the fallback.
# Elsewhere power-off ends it (AWS: instance-initiated shutdown behaviour terminate).
end_host() {
  local md=http://metadata.google.internal/computeMetadata/v1 hdr self i
  # Nothing here may record a failure over the stage's final status.
  trap - ERR
  set +e
  if [ "$DSBOOT_CLOUD" = gcp ]; then
    self="projects/$(curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' "$md/project/project-id")/zones/$(curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' "$md/instance/zone" | sed 's|.*/||')/instances/$(curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' "$md/instance/name")" || self=
    for ((i = 1; i <= ${DSBOOT_END_ATTEMPTS:-10}; i++)); do
      [ -n "$self" ] || break
      hdr=$(auth_header_file cloud-platform) &&
        curl -sSf --max-time 30 -X DELETE -H "@$hdr" -o /dev/null "https://compute.googleapis.com/compute/v1/$self" &&
        { log "deleting this instance ($self)"; return 0; }
      sleep "$(backoff_delay "$((i + 1))")"
    done
    log "could not delete this instance; powering off (its disk bills until the stack deletes it)"
  fi
  systemctl poweroff --no-wall || poweroff
}
# The unit's ExecStopPost ends a failed staging the same way.
if [ "${1:-}" = --end-host ]; then
  end_host
  exit 0
fi

finish() {
  if [ "${DSBOOT_STAGE_POWEROFF:-0}" = 1 ]; then
    log "staging done; ending the host"
    end_host
  fi
}

[ -n "$DSBOOT_WEIGHTS_MIRROR" ] || fail "the staging host has no mirror to fill (DSBOOT_WEIGHTS_MIRROR is empty)"
status running
# A complete mirror names the revision's commit and manifest; a record for another revision, or
# one whose BF16 conversion this row needs but lacks, is not complete for this row.
if store_get "$complete_key" "$record" 2>/dev/null &&
  python3 "$DSBOOT_BIN/mirror-record.py" --check "$record" --repo "$DSBOOT_MODEL_REPO" --revision "$DSBOOT_MODEL_REVISION" --converted "$DSBOOT_CONVERTED_STORE"; then
  log "the mirror already holds $DSBOOT_MODEL_REPO@$DSBOOT_MODEL_REVISION, verified; nothing to stage"
  status complete "" "mirror=already-complete"
  finish
  exit 0
fi

# Every file verified (and converted when the row serves BF16) by the boot pipeline's own stage.
DSBOOT_WEIGHTS_MIRROR_WRITABLE=1 "$DSBOOT_BIN/fetch-weights.sh" || fail "fetch-weights failed; see its status record"

# Files fetched from the mirror were not re-uploaded; whatever was missing there was seeded. The
# manifest goes beside them, then the record that says "complete" (manifest first, record last).
store_put "$manifest" "$DSBOOT_WEIGHTS_MIRROR/.dsboot-manifest.json" || fail "could not store the manifest in the mirror"
python3 "$DSBOOT_BIN/mirror-record.py" --write "$record" --manifest "$manifest" --dir "$dir" --revision "$DSBOOT_MODEL_REVISION" --converted "$DSBOOT_CONVERTED_STORE"
store_put "$record" "$complete_key" || fail "could not write the mirror's completion record"
log "mirror complete: $DSBOOT_WEIGHTS_MIRROR"
status complete "" "mirror=complete"
finish
