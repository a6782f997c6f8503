// Weights staged before any GPU exists: the names the staging host and the GPU nodes' gate share,
// and what staging costs and saves per row. Pure.

/**
 * The record stage-weights.sh stores last in the mirror (`<mirror>/<this>`), naming the repo,
 * revision, commit and manifest it verified: present means every file is there and verified.
 */
export const MIRROR_COMPLETE_RECORD = ".dsboot-mirror-complete.json";
