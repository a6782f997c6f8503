// How long each boot stage of a row may take before the readiness gate calls the deployment hung:
// download, conversion, compile, load. Ceilings, not estimates: a healthy slow boot must fit inside.
// Pure; the gate receives the numbers.

import type { ServingPlan } from "../plan/types";

/** Seconds per boot stage (boot/units), and their sum: the gate's deadline. */
export interface ReadinessBudget {
    stages: Record<string, number>;
    totalSeconds: number;
}

const MB = 1e6;
/**
 * The slowest sustained transfer the budget tolerates: 100 MB/s, about a quarter of the classic AWS
 * CLI's 375 MB/s and a fifth of Hugging Face's ~500 MB/s (cloud-facts §6). Slower is a hang, not a download.
 */
export const DOWNLOAD_FLOOR_BYTES_PER_S = 100 * MB;
/** FP8 -> BF16 conversion writes "over 1.3 TB" for V3 (sglang-facts §1); the same floor for its output. */
export const CONVERSION_FLOOR_BYTES_PER_S = 100 * MB;
/** compile_deep_gemm's own --timeout default (sglang-facts §3), plus the image start. */
export const DEEPGEMM_COMPILE_S = 3600 + 300;
/** torch.compile of the INT8 rows' graphs: a cold compile takes tens of minutes (sglang-facts §4). */
export const TORCH_COMPILE_S = 1800;
/**
 * Image pull, weights load and warmup: SGLang's own post-load barrier allows 300-480 s between
 * ranks (sglang-facts §7.2 item 9), and the boot pipeline's readiness stage waits up to 7200 s.
 */
export const LOAD_S = 2400;
/** Instance-store RAID and mounts (prepare-storage). */
export const STORAGE_S = 600;

export function readinessBudget(plan: ServingPlan): ReadinessBudget {
    const w = plan.weights;
    const stages: Record<string, number> = {
        "prepare-storage": STORAGE_S,
        "fetch-weights": Math.ceil(w.bytes / DOWNLOAD_FLOOR_BYTES_PER_S) + (w.conversion ? Math.ceil(w.conversion.outputBytes / CONVERSION_FLOOR_BYTES_PER_S) : 0),
        "precompile": plan.deepgemm.precompile ? DEEPGEMM_COMPILE_S : 300,
        "sglang": LOAD_S + (plan.torchCompile.enabled ? TORCH_COMPILE_S : 0),
        "readiness": 600,
    };
    return { stages, totalSeconds: Object.values(stages).reduce((s, v) => s + v, 0) };
}
