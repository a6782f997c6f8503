// Does the checkpoint fit? Judged on memory, not by matching table rows, so any node count is judged.

import type { Gpu } from "../catalog/index";

/**
 * Share of each GPU the weights may take. The rest holds the KV cache, activations and CUDA graphs:
 * SGLang reserves ~18 GB on H200 beyond its static pool and sizes the pool from what is left
 * (sglang-facts §2.3 mem_fraction_static, §2.4 reserved memory). 85% serves every row of the table
 * and the seed's own tool-calling example on one 8 x H20 node (~86 GB of FP8 weights on 96 GB), and
 * refuses the next smaller shape of each row (FP8 on 1 x 8 x H100, BF16 on 2 x 8 x H100 or 1 x 8 x
 * H200, INT8 on 2 x 8 x L40S). Memory alone would pass BF16 on 1 x 8 x MI300X (83%); plan() refuses
 * node counts below the table's row unless SGLang's docs run them (rows.ts DOCUMENTED_SMALLER_SHAPES).
 */
export const MAX_WEIGHT_SHARE = 0.85;

const MIB = 1024 * 1024;

export interface Fit {
    fits: boolean;
    bytesPerGpu: number;
    budgetPerGpu: number;
    /** Fewest nodes of this shape on which the weights fit. */
    minNodes: number;
}

export function weightsFit(bytes: number, gpu: Gpu, nodes: number, gpusPerNode: number): Fit {
    const budgetPerGpu = gpu.memoryMiB * MIB * MAX_WEIGHT_SHARE;
    const bytesPerGpu = bytes / (nodes * gpusPerNode);
    const minNodes = Math.ceil(bytes / (budgetPerGpu * gpusPerNode));
    return { fits: bytesPerGpu <= budgetPerGpu, bytesPerGpu, budgetPerGpu, minNodes };
}

export function gb(bytes: number): string {
    return `${(bytes / 1e9).toFixed(0)} GB`;
}

/**
 * Least KV cache the static pool must hold beyond the weights, as a share of the GPU: SGLang's
 * --mem-fraction-static is the share of GPU memory for "model weights and KV cache memory pool"
 * (its help text), and below a few GB the server starts with a pool too small to serve. 4% keeps
 * the seed's own 0.9 on one 8 x H20 node (6.7 GB of KV per GPU) and refuses values that leave
 * less, or less than nothing.
 */
export const MIN_KV_SHARE = 0.04;

/** The KV room --mem-fraction-static leaves per GPU once the weights are loaded, and whether it is enough. */
export function staticPoolRoom(fraction: number, bytesPerGpu: number, gpu: Gpu): { ok: boolean; kvBytes: number; leastFraction: number } {
    const memory = gpu.memoryMiB * MIB;
    const kvBytes = fraction * memory - bytesPerGpu;
    const leastFraction = Math.ceil(((bytesPerGpu + MIN_KV_SHARE * memory) / memory) * 100) / 100;
    return { ok: kvBytes >= MIN_KV_SHARE * memory, kvBytes, leastFraction };
}
