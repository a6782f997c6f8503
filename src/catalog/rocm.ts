// What SGLang's ROCm builds need in the container on MI300X, per release. The images bake most of it
// (Dockerfile.rocm at v0.4.6.post5, docker/rocm.Dockerfile later: sglang-facts §1.6); the plan sets
// the settings that decide the kernels explicitly, so a rebuilt or retagged image cannot change them
// silently. Sources: docs/sources.md, "Existing hosts and ROCm".

/**
 * HSA_NO_SCRATCH_RECLAIM=1: baked by both Dockerfiles (§1.6). SGLANG_USE_AITER=1: AMD's AITER
 * kernels, what SGLang's AMD docs and the MI300X DeepSeek recipe turn on; it defaults to False in
 * each wheel's srt/environ.py and does not exist in 0.4.6.post5 (added by #6838, 2025-06-05).
 * RoCE's NCCL_IB_GID_INDEX is the host's own (hosts.ibGidIndex), not the release's.
 */
//  release        container env on MI300X
export const ROCM_ENV: Record<string, Record<string, string>> = {
    "0.4.6.post5": { HSA_NO_SCRATCH_RECLAIM: "1" },
    "0.5.15":      { HSA_NO_SCRATCH_RECLAIM: "1", SGLANG_USE_AITER: "1" },
    "0.5.18":      { HSA_NO_SCRATCH_RECLAIM: "1", SGLANG_USE_AITER: "1" },
    "0.5.23":      { HSA_NO_SCRATCH_RECLAIM: "1", SGLANG_USE_AITER: "1" },
};

/** The container env of a release's ROCm image; a release without a row is a library bug (tested). */
export function rocmEnv(version: string): Record<string, string> {
    const env = ROCM_ENV[version];
    if (!env) throw new Error(`catalog: no ROCm container env for SGLang ${version} (src/catalog/rocm.ts)`);
    return env;
}
