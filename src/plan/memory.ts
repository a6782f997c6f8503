// Does the checkpoint fit? Judged on memory, not by matching table rows, so any node count is judged.

import type { Gpu } from "../catalog/index";

/**
 * Share of each GPU the weights may take. The rest holds the KV cache, activations and CUDA graphs:
 * SGLang reserves ~18 GB on H200 beyond its static pool and sizes the pool from what is left
 * (sglang-facts §2.3 mem_fraction_static, §2.4 reserved memory). 85% serves every row of the table
 * and the seed's own tool-calling example on one 8 x H20 node (~86 GB of FP8 weights on 96 GB), and
 * refuses the next smaller shape of each row (FP8 on 1 x 8 x H100, BF16 on 2 x 8 x H100 or 1 x 8 x
 * H200, INT8 on 2 x 8 x L40S). It judges by memory alone, so BF16 on 1 x 8 x MI300X (83%) passes
 * although the table lists 2 x 8.
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
